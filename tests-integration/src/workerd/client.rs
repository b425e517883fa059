//! A typed actor client: tells and asks as barewire envelopes, one
//! barewire frame per WebSocket message, written and read with barewire's
//! own framing (not Conclave's), so the tests prove the two agree.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy_actors::{ActorId, ActorRef, Message};
use anyhow::{Context, bail};
use barewire::frame::{FrameDecoder, encode_envelope_frame};
use barewire::{CorrelationId, Kind, OwnedEnvelope, Priority};
use conclave_runtime::wire::{self, ErrorBody};
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
    pub fn envelope<M: Message>(&self, kind: Kind, message: &M) -> anyhow::Result<OwnedEnvelope> {
        Ok(OwnedEnvelope {
            kind,
            priority: Priority::Normal,
            source: self.me.to_string(),
            target: self.actor.to_string(),
            correlation: None,
            message_type: M::TYPE_NAME.to_owned(),
            timestamp: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| u64::try_from(elapsed.as_nanos()).unwrap_or(0)),
            payload: wire::to_vec("message", message)?,
        })
    }

    /// Sends an envelope as one barewire frame in one binary message.
    ///
    /// # Errors
    ///
    /// When the socket is closed.
    pub async fn send(&mut self, envelope: &OwnedEnvelope) -> anyhow::Result<()> {
        self.socket.send_binary(frame(envelope)?).await
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
    pub async fn next_envelope(&mut self, timeout: Duration) -> anyhow::Result<OwnedEnvelope> {
        match self.socket.next_within(timeout).await? {
            Frame::Binary(bytes) => unframe(&bytes),
            other => bail!("expected a binary envelope, got {other:?}"),
        }
    }

    /// The next envelope, which must be an `ERROR`; its body.
    ///
    /// # Errors
    ///
    /// When the next envelope is not an `ERROR` or does not come in `timeout`.
    pub async fn next_error(
        &mut self,
        timeout: Duration,
    ) -> anyhow::Result<(OwnedEnvelope, ErrorBody)> {
        let envelope = self.next_envelope(timeout).await?;
        if envelope.kind != Kind::Error {
            bail!("expected an ERROR, got {envelope:?}");
        }
        let body = wire::from_slice("error body", &envelope.payload)?;
        Ok((envelope, body))
    }

    /// A fresh 16-byte correlation id.
    pub fn correlation(&mut self) -> CorrelationId {
        let n = self.next_correlation;
        self.next_correlation += 1;
        let mut id = [0; 16];
        id[..8].copy_from_slice(&n.to_le_bytes());
        id[8..].copy_from_slice(&std::process::id().to_le_bytes().repeat(2));
        CorrelationId(id)
    }
}

/// Decodes an envelope's payload as `R`, checking its type name.
///
/// # Errors
///
/// When the type name or the payload is not an `R`.
pub fn decode_as<R: Message>(envelope: &OwnedEnvelope) -> anyhow::Result<R> {
    if envelope.message_type != R::TYPE_NAME {
        bail!("expected {}, got {}", R::TYPE_NAME, envelope.message_type);
    }
    Ok(wire::from_slice("message", &envelope.payload)?)
}

/// `envelope` as one barewire frame (4-byte little-endian length, then the
/// envelope), what one WebSocket message to an actor carries.
///
/// # Errors
///
/// When the envelope does not fit a frame.
pub fn frame(envelope: &OwnedEnvelope) -> anyhow::Result<Vec<u8>> {
    let mut frame = Vec::new();
    encode_envelope_frame(&envelope.as_envelope(), &mut frame)?;
    Ok(frame)
}

/// The envelope in one WebSocket message, which must be exactly one
/// barewire frame.
///
/// # Errors
///
/// When the message is not one whole frame holding one envelope.
pub fn unframe(message: &[u8]) -> anyhow::Result<OwnedEnvelope> {
    let mut decoder = FrameDecoder::new();
    decoder.push(message);
    let envelope = match decoder.next_frame()? {
        Some(body) => OwnedEnvelope::decode(body)?,
        None => bail!("a message of {} bytes is not a whole frame", message.len()),
    };
    if decoder.buffered_len() != 0 {
        bail!("{} bytes after the frame", decoder.buffered_len());
    }
    Ok(envelope)
}
