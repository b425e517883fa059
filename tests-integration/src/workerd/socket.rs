//! A WebSocket to one actor, speaking binary frames.

use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::HttpAnswer;

/// How long a test waits for any one frame.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(20);

/// An open socket to an actor.
#[derive(Debug)]
pub struct ActorSocket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// Opens `/actors/<actor>/ws` with `token` (as a bearer header), or hands
/// back the HTTP refusal.
///
/// # Errors
///
/// `Ok(Err(answer))` when the server refused the upgrade; `Err` when the
/// connection itself failed.
pub async fn connect(
    port: u16,
    actor: &str,
    token: Option<&str>,
) -> anyhow::Result<Result<ActorSocket, HttpAnswer>> {
    connect_as(port, actor, token, None).await
}

/// [`connect`], announcing the client address `client` (`client/<name>#<n>`)
/// that the actor's tells to it are sent to.
///
/// # Errors
///
/// As [`connect`].
pub async fn connect_as(
    port: u16,
    actor: &str,
    token: Option<&str>,
    client: Option<&str>,
) -> anyhow::Result<Result<ActorSocket, HttpAnswer>> {
    let mut url = format!("ws://127.0.0.1:{port}/actors/{actor}/ws");
    if let Some(client) = client {
        url.push_str("?client=");
        url.push_str(&client.replace('/', "%2F").replace('#', "%23"));
    }
    upgrade(url, token).await
}

/// Asks for a WebSocket upgrade at any `path`, without a token: what an
/// attacker would try on routes other than `/ws`.
///
/// # Errors
///
/// As [`connect`].
pub async fn upgrade_at(port: u16, path: &str) -> anyhow::Result<Result<ActorSocket, HttpAnswer>> {
    upgrade(format!("ws://127.0.0.1:{port}{path}"), None).await
}

async fn upgrade(
    url: String,
    token: Option<&str>,
) -> anyhow::Result<Result<ActorSocket, HttpAnswer>> {
    let mut request = url.into_client_request()?;
    if let Some(token) = token {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((stream, _)) => Ok(Ok(ActorSocket { stream })),
        Err(WsError::Http(response)) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_ref()
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
                .unwrap_or_default();
            Ok(Err(HttpAnswer { status, body }))
        }
        Err(error) => Err(error).context("opening the actor's WebSocket"),
    }
}

impl ActorSocket {
    /// Opens a socket that must be accepted.
    ///
    /// # Errors
    ///
    /// When the connection fails or is refused.
    pub async fn open(port: u16, actor: &str, token: &str) -> anyhow::Result<Self> {
        match connect(port, actor, Some(token)).await? {
            Ok(socket) => Ok(socket),
            Err(answer) => bail!(
                "socket to {actor} refused: {} {}",
                answer.status,
                answer.body
            ),
        }
    }

    /// Sends one binary frame.
    ///
    /// # Errors
    ///
    /// When the socket is closed.
    pub async fn send_binary(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        Ok(self.stream.send(Message::Binary(bytes.into())).await?)
    }

    /// Sends one text frame.
    ///
    /// # Errors
    ///
    /// When the socket is closed.
    pub async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        Ok(self.stream.send(Message::Text(text.into())).await?)
    }

    /// The next data frame (binary or text), within `timeout`.
    ///
    /// # Errors
    ///
    /// On timeout, close or a socket error.
    pub async fn next_within(&mut self, timeout: Duration) -> anyhow::Result<Message> {
        loop {
            let frame = tokio::time::timeout(timeout, self.stream.next())
                .await
                .with_context(|| format!("no frame within {timeout:?}"))?;
            match frame {
                None => bail!("the socket closed"),
                Some(Err(error)) => return Err(error).context("reading the socket"),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                Some(Ok(Message::Close(close))) => bail!("the socket closed: {close:?}"),
                Some(Ok(message)) => return Ok(message),
            }
        }
    }

    /// The next binary frame, within [`FRAME_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// On timeout, a text frame, close or a socket error.
    pub async fn next_binary(&mut self) -> anyhow::Result<Vec<u8>> {
        match self.next_within(FRAME_TIMEOUT).await? {
            Message::Binary(bytes) => Ok(bytes.to_vec()),
            other => bail!("expected a binary frame, got {other:?}"),
        }
    }

    /// The next text frame, within [`FRAME_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// On timeout, a binary frame, close or a socket error.
    pub async fn next_text(&mut self) -> anyhow::Result<String> {
        match self.next_within(FRAME_TIMEOUT).await? {
            Message::Text(text) => Ok(text.to_string()),
            other => bail!("expected a text frame, got {other:?}"),
        }
    }

    /// Closes the socket cleanly.
    ///
    /// # Errors
    ///
    /// When the close handshake fails.
    pub async fn close(mut self) -> anyhow::Result<()> {
        self.stream.close(None).await?;
        Ok(())
    }
}
