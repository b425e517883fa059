//! A typed actor client: tells and asks as BAREWire-style envelopes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy_actors::{ActorId, ActorRef, Message};
use anyhow::{Context, bail};
use conclave_runtime::wire::{self, Envelope, ErrorBody, Kind};
use tokio_tungstenite::tungstenite::Message as Frame;

use super::socket::{ActorSocket, connect_as};

/// A socket to one actor, from a client with its own reply address.
#[derive(Debug)]
pub struct ActorClient {
    socket: ActorSocket,
    me: ActorId,
    actor: ActorId,
    next_correlation: u64,
}

impl ActorClient {
    /// Opens `/actors/<actor>/ws` (actor is `<CLASS>/<name>`) as client `client/<name>#0`.
    ///
    /// # Errors
    ///
    /// When the connection fails or is refused.
    pub async fn open(port: u16, actor: &str, name: &str, token: &str) -> anyhow::Result<Self> {
        let me: ActorId = super::client_address(name).parse()?;
        let address = me.to_string();
        let socket = match connect_as(port, actor, Some(token), Some(&address)).await? {
            Ok(socket) => socket,
            Err(answer) => bail!(
                "socket to {actor} refused: {} {}",
                answer.status,
                answer.body
            ),
        };
        Ok(Self {
            socket,
            me,
            actor: ActorId::new(actor, 0)?,
            next_correlation: 1,
        })
    }

    /// This client's address, as a typed reference for `reply_to` fields.
    pub fn me<M>(&self) -> ActorRef<M> {
        ActorRef::new(self.me.clone())
    }

    /// An envelope from this client to the actor.
    ///
    /// # Errors
    ///
    /// When the message does not encode.
    pub fn envelope<M: Message>(&self, kind: Kind, message: &M) -> anyhow::Result<Envelope> {
        Ok(Envelope {
            kind,
            priority: 2,
            source: self.me.to_string(),
            target: self.actor.to_string(),
            correlation: None,
            message_type: M::TYPE_NAME.to_owned(),
            timestamp_ns: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| u64::try_from(elapsed.as_nanos()).unwrap_or(0)),
            payload: wire::to_vec("message", message)?,
        })
    }

    /// Sends an envelope as one binary frame.
    ///
    /// # Errors
    ///
    /// When the socket is closed.
    pub async fn send(&mut self, envelope: &Envelope) -> anyhow::Result<()> {
        self.socket.send_binary(envelope.encode()?).await
    }

    /// Sends raw bytes as one binary frame.
    ///
    /// # Errors
    ///
    /// When the socket is closed.
    pub async fn send_raw(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.socket.send_binary(bytes).await
    }

    /// Sends a text frame (which an actor must refuse).
    ///
    /// # Errors
    ///
    /// When the socket is closed.
    pub async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.socket.send_text(text).await
    }

    /// Tells `message` to the actor.
    ///
    /// # Errors
    ///
    /// When the socket is closed.
    pub async fn tell<M: Message>(&mut self, message: &M) -> anyhow::Result<()> {
        let envelope = self.envelope(Kind::Tell, message)?;
        self.send(&envelope).await
    }

    /// Asks the actor and waits up to `timeout` for the `REPLY` carrying this
    /// ask's correlation id; frames for other correlations are skipped.
    ///
    /// # Errors
    ///
    /// On timeout, an `ERROR` answer, or a reply that is not an `R`.
    pub async fn ask<M: Message, R: Message>(
        &mut self,
        message: &M,
        timeout: Duration,
    ) -> anyhow::Result<R> {
        let mut envelope = self.envelope(Kind::Ask, message)?;
        let correlation = self.correlation();
        envelope.correlation = Some(correlation);
        self.send(&envelope).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let answer = self
                .next_envelope(left)
                .await
                .with_context(|| format!("no reply to {} within {timeout:?}", M::TYPE_NAME))?;
            if answer.correlation != Some(correlation) {
                continue;
            }
            return match answer.kind {
                Kind::Reply => decode_as(&answer),
                Kind::Error => {
                    let body: ErrorBody = wire::from_slice("error body", &answer.payload)?;
                    bail!("the actor answered with an error: {body:?}")
                }
                other => bail!("unexpected {other:?} for an ask"),
            };
        }
    }

    /// The next envelope, within `timeout`.
    ///
    /// # Errors
    ///
    /// On timeout, a text frame, or bytes that are not an envelope.
    pub async fn next_envelope(&mut self, timeout: Duration) -> anyhow::Result<Envelope> {
        match self.socket.next_within(timeout).await? {
            Frame::Binary(bytes) => Ok(Envelope::decode(&bytes)?),
            other => bail!("expected a binary envelope, got {other:?}"),
        }
    }

    /// The next envelope, which must be an `ERROR`; its body.
    ///
    /// # Errors
    ///
    /// When the next envelope is not an `ERROR` or does not come in `timeout`.
    pub async fn next_error(&mut self, timeout: Duration) -> anyhow::Result<(Envelope, ErrorBody)> {
        let envelope = self.next_envelope(timeout).await?;
        if envelope.kind != Kind::Error {
            bail!("expected an ERROR, got {envelope:?}");
        }
        let body = wire::from_slice("error body", &envelope.payload)?;
        Ok((envelope, body))
    }

    /// A fresh 16-byte correlation id.
    pub fn correlation(&mut self) -> [u8; 16] {
        let n = self.next_correlation;
        self.next_correlation += 1;
        let mut id = [0; 16];
        id[..8].copy_from_slice(&n.to_le_bytes());
        id[8..].copy_from_slice(&std::process::id().to_le_bytes().repeat(2));
        id
    }
}

/// Decodes an envelope's payload as `R`, checking its type name.
///
/// # Errors
///
/// When the type name or the payload is not an `R`.
pub fn decode_as<R: Message>(envelope: &Envelope) -> anyhow::Result<R> {
    if envelope.message_type != R::TYPE_NAME {
        bail!("expected {}, got {}", R::TYPE_NAME, envelope.message_type);
    }
    Ok(wire::from_slice("message", &envelope.payload)?)
}
