//! What travels on an actor's socket and sits in its storage: envelopes,
//! payloads and stored state, as bytes.
//!
//! The envelope is barewire's own ([`OwnedEnvelope`]), and every transport
//! carries it as the published schema `docs/barewire.bare` says: each binary
//! WebSocket message (a client's socket, a child's link) and each body an
//! object POSTs to another is exactly one barewire frame, a 4-byte
//! little-endian length and then one encoded envelope ([`encode_frame`],
//! [`decode_frame`]), byte for byte what Olivier's transports write. A
//! message that is not exactly one frame holding one envelope is refused.
//!
//! An envelope's `payload` holds the message (for `TELL`, `ASK`, `REPLY`)
//! or an [`ErrorBody`] (for `ERROR`), encoded with [`to_vec`]; the actor's
//! state and timer queue are stored encoded the same way (strict BARE
//! through `barewire::to_vec`/`from_slice`; a stored timer is an encoded
//! envelope without the frame header, as storage values have their own
//! length).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use barewire::{CorrelationId, Kind, OwnedEnvelope, Priority};

/// The envelope version this runtime writes and accepts.
pub const VERSION: u8 = barewire::PROTOCOL_VERSION;

/// The `message_type` of an [`ErrorBody`] payload.
pub const ERROR_TYPE: &str = "conclave.Error";

/// The `message_type` of a [`SystemMsg`] payload.
pub const SYSTEM_TYPE: &str = "conclave.System";

/// Runtime-to-runtime control between objects, in `SYSTEM` envelopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SystemMsg {
    /// A parent started this child: create its state (init, `PreStart`).
    Start,
    /// A child failed and escalates to its parent (the supervisor).
    ChildFailed {
        /// The child's address.
        child: String,
        /// What went wrong.
        error: String,
    },
    /// The supervisor restarts this child: its state is reset through `init`.
    Restart {
        /// The child whose failure caused the restart.
        failed: String,
        /// Why.
        reason: String,
    },
    /// The supervisor stops this child.
    Stop {
        /// Why.
        reason: String,
    },
    /// An ask's deadline passed (a timer the object set for itself).
    AskExpired {
        /// The asking client's address.
        client: String,
        /// The ask's correlation id.
        correlation: CorrelationId,
    },
    /// A child stopped normally, on its own (its parent's supervisor core
    /// restarts it if it is permanent).
    ChildStopped {
        /// The child's address.
        child: String,
        /// The reason it gave.
        reason: String,
    },
    /// A child finished a restart its supervisor asked for.
    Restarted {
        /// The child's address.
        child: String,
    },
}

/// Why a frame or message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The frame is not an envelope (or a text frame was sent).
    MalformedFrame,
    /// The envelope version is not [`VERSION`].
    UnsupportedVersion,
    /// The payload is not a message of the type the actor accepts.
    WrongMessageType,
    /// The payload does not decode as its declared type.
    MalformedPayload,
    /// The envelope kind makes no sense here.
    UnexpectedKind,
    /// The actor failed handling the message.
    ActorFailed,
    /// The actor has stopped.
    ActorStopped,
    /// No reply came in time.
    Timeout,
    /// The message scheduled more timers than the object keeps
    /// ([`MAX_PENDING_TIMERS`](crate::limits::MAX_PENDING_TIMERS)); the
    /// message was handled, the timers over the cap were not scheduled.
    TooManyTimers,
    /// The ask would wait for its reply beyond the object's cap
    /// ([`MAX_PENDING_ASKS`](crate::limits::MAX_PENDING_ASKS)); it was
    /// handled, but will get no other answer than this one.
    TooManyPendingAsks,
    /// The envelope's source is not the client address the socket was
    /// opened as (and its token signed).
    WrongSource,
}

/// The payload of an `ERROR` envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub detail: String,
}

/// A value that could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {detail}")]
pub struct WireError {
    /// What was being encoded or decoded.
    pub what: &'static str,
    /// The codec's explanation.
    pub detail: String,
}

/// Encodes `value`.
///
/// # Errors
///
/// When `value`'s `Serialize` fails.
pub fn to_vec<T: Serialize + ?Sized>(what: &'static str, value: &T) -> Result<Vec<u8>, WireError> {
    barewire::to_vec(value).map_err(|error| WireError {
        what,
        detail: error.to_string(),
    })
}

/// Decodes a `T` that must fill `bytes` exactly.
///
/// # Errors
///
/// When `bytes` does not hold exactly one `T`.
pub fn from_slice<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, WireError> {
    barewire::from_slice(bytes).map_err(|error| WireError {
        what,
        detail: error.to_string(),
    })
}

/// Replaces `actor`'s state with the one encoded in `bytes`.
///
/// # Errors
///
/// When `bytes` does not hold exactly one state of the actor's type.
pub fn load_state(
    actor: &mut dyn alloy_actors::runtime::DynActor,
    bytes: &[u8],
) -> Result<(), WireError> {
    let error = |detail: String| WireError {
        what: "state",
        detail,
    };
    let mut input = barewire::Deserializer::new(bytes);
    actor
        .load_state(&mut <dyn erased_serde::Deserializer<'_>>::erase(&mut input))
        .map_err(|e| error(e.to_string()))?;
    input.end().map_err(|e| error(e.to_string()))
}

/// An envelope refused as it arrived: what to answer, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct EnvelopeError {
    /// The code of the `ERROR` that answers it.
    pub code: ErrorCode,
    /// The codec's explanation.
    pub detail: String,
}

/// Encodes `envelope` as one barewire frame: its length as a 4-byte
/// little-endian `u32`, then its encoding.
///
/// # Errors
///
/// When the envelope does not fit a frame (4 GiB).
pub fn encode_frame(envelope: &OwnedEnvelope) -> Result<Vec<u8>, WireError> {
    let mut frame = Vec::new();
    barewire::frame::encode_envelope_frame(&envelope.as_envelope(), &mut frame).map_err(
        |error| WireError {
            what: "envelope frame",
            detail: error.to_string(),
        },
    )?;
    Ok(frame)
}

/// Decodes a transport message that must be exactly one barewire frame
/// holding one envelope.
///
/// # Errors
///
/// [`ErrorCode::MalformedFrame`] when `frame` is not one whole frame or its
/// body is not one envelope, [`ErrorCode::UnsupportedVersion`] when the
/// envelope's version is not [`VERSION`].
pub fn decode_frame(frame: &[u8]) -> Result<OwnedEnvelope, EnvelopeError> {
    let malformed = |detail: String| EnvelopeError {
        code: ErrorCode::MalformedFrame,
        detail,
    };
    let Some((header, body)) = frame.split_first_chunk::<{ barewire::frame::FRAME_HEADER_LEN }>()
    else {
        return Err(malformed(format!(
            "a frame of {} bytes has no 4-byte length header",
            frame.len()
        )));
    };
    let announced = u64::from(u32::from_le_bytes(*header));
    if announced != body.len() as u64 {
        return Err(malformed(format!(
            "the frame header announces {announced} bytes, the message holds {}: \
             one WebSocket message carries exactly one frame",
            body.len()
        )));
    }
    OwnedEnvelope::decode(body).map_err(|error| EnvelopeError {
        code: match error {
            barewire::DecodeError::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            _ => ErrorCode::MalformedFrame,
        },
        detail: error.to_string(),
    })
}

/// Encodes `envelope` for storage (a timer): the envelope without a frame
/// header.
pub fn encode_stored(envelope: &OwnedEnvelope) -> Vec<u8> {
    envelope.as_envelope().to_vec()
}

/// Decodes an envelope [`encode_stored`] wrote.
///
/// # Errors
///
/// When `bytes` is not exactly one envelope.
pub fn decode_stored(bytes: &[u8]) -> Result<OwnedEnvelope, WireError> {
    OwnedEnvelope::decode(bytes).map_err(|error| WireError {
        what: "stored envelope",
        detail: error.to_string(),
    })
}

/// A `TELL` from `source` to `target` of `message_type`, sent at `now_ms`.
pub fn tell(
    source: &str,
    target: &str,
    message_type: &str,
    priority: Priority,
    now_ms: u64,
    payload: Vec<u8>,
) -> OwnedEnvelope {
    OwnedEnvelope {
        kind: Kind::Tell,
        priority,
        source: source.to_owned(),
        target: target.to_owned(),
        correlation: None,
        message_type: message_type.to_owned(),
        timestamp: now_ms.saturating_mul(1_000_000),
        payload,
    }
}

/// A `SYSTEM` envelope from `source` to `target`.
pub fn system(source: &str, target: &str, message: &SystemMsg) -> OwnedEnvelope {
    OwnedEnvelope {
        kind: Kind::System,
        priority: Priority::Supervision,
        source: source.to_owned(),
        target: target.to_owned(),
        correlation: None,
        message_type: SYSTEM_TYPE.to_owned(),
        timestamp: 0,
        // A SystemMsg always encodes: enum tags and strings.
        payload: to_vec("system message", message).unwrap_or_default(),
    }
}

/// An `ERROR` answering `to` (same correlation, source and target swapped).
pub fn error_for(
    to: Option<&OwnedEnvelope>,
    me: &str,
    code: ErrorCode,
    detail: String,
) -> OwnedEnvelope {
    let body = ErrorBody { code, detail };
    OwnedEnvelope {
        kind: Kind::Error,
        priority: Priority::Control,
        source: me.to_owned(),
        target: to.map(|to| to.source.clone()).unwrap_or_default(),
        correlation: to.and_then(|to| to.correlation),
        message_type: ERROR_TYPE.to_owned(),
        timestamp: 0,
        // An ErrorBody always encodes: it is an enum tag and a string.
        payload: to_vec("error body", &body).unwrap_or_default(),
    }
}

/// The wire priority of an actor priority (the two enums agree value for
/// value; alloy-actors and barewire may not depend on each other).
pub fn priority(priority: alloy_actors::ActorPriority) -> Priority {
    Priority::from_value(priority.index() as u64).unwrap_or_default()
}

#[cfg(test)]
mod tests;
