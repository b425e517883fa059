//! What travels on an actor's socket and sits in its storage: envelopes,
//! payloads and stored state, as bytes.
//!
//! Each binary WebSocket message is one [`Envelope`]. Its `payload` holds
//! the message (for `TELL`, `ASK`, `REPLY`) or an [`ErrorBody`] (for
//! `ERROR`), encoded with [`to_vec`]; the actor's state and timer queue are
//! stored encoded the same way.
//!
//! The bytes are BAREWire: the envelope is `barewire::Envelope`'s layout
//! (the published schema `docs/barewire.bare`), and payloads, state and the
//! timer queue are strict BARE through `barewire::to_vec`/`from_slice`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use barewire::Kind;

/// The envelope version this runtime writes and accepts.
pub const VERSION: u8 = barewire::PROTOCOL_VERSION;

/// The `message_type` of an [`ErrorBody`] payload.
pub const ERROR_TYPE: &str = "conclave.Error";

/// One message with its routing facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// What the envelope is for.
    pub kind: Kind,
    /// Delivery priority, `barewire::Priority`'s value (0 supervision … 4 background).
    pub priority: u8,
    /// The sender's address (an actor id, or a client's reply address).
    pub source: String,
    /// The receiver's address.
    pub target: String,
    /// Matches a `REPLY` or `ERROR` to its `ASK`.
    pub correlation: Option<[u8; 16]>,
    /// The payload's stable type name ([`alloy_actors::Message::TYPE_NAME`]).
    pub message_type: String,
    /// When it was sent, ns since the Unix epoch.
    pub timestamp_ns: u64,
    /// The encoded message.
    pub payload: Vec<u8>,
}

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
        correlation: [u8; 16],
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

impl Envelope {
    /// A `SYSTEM` envelope from `source` to `target`.
    pub fn system(source: &str, target: &str, message: &SystemMsg) -> Self {
        Self {
            kind: Kind::System,
            priority: barewire::Priority::Supervision as u8,
            source: source.to_owned(),
            target: target.to_owned(),
            correlation: None,
            message_type: SYSTEM_TYPE.to_owned(),
            timestamp_ns: 0,
            // A SystemMsg always encodes: enum tags and strings.
            payload: to_vec("system message", message).unwrap_or_default(),
        }
    }

    /// Decodes one envelope from a binary frame.
    ///
    /// # Errors
    ///
    /// When the frame is not exactly one envelope.
    pub fn decode(frame: &[u8]) -> Result<Self, WireError> {
        let envelope = barewire::Envelope::decode(frame).map_err(|error| WireError {
            what: "envelope",
            detail: error.to_string(),
        })?;
        Ok(Self {
            kind: envelope.kind,
            priority: envelope.priority as u8,
            source: envelope.source.to_owned(),
            target: envelope.target.to_owned(),
            correlation: envelope.correlation.map(|id| id.0),
            message_type: envelope.message_type.to_owned(),
            timestamp_ns: envelope.timestamp,
            payload: envelope.payload.to_vec(),
        })
    }

    /// Encodes the envelope as one binary frame.
    ///
    /// # Errors
    ///
    /// Never for well-formed envelopes; the codec's error otherwise.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        let priority =
            barewire::Priority::from_value(u64::from(self.priority)).ok_or(WireError {
                what: "envelope",
                detail: format!("priority {} is not a barewire priority", self.priority),
            })?;
        let envelope = barewire::Envelope {
            kind: self.kind,
            priority,
            source: &self.source,
            target: &self.target,
            correlation: self.correlation.map(barewire::CorrelationId),
            message_type: &self.message_type,
            timestamp: self.timestamp_ns,
            payload: &self.payload,
        };
        Ok(envelope.to_vec())
    }

    /// An `ERROR` answering `to` (same correlation, source and target swapped).
    pub fn error_for(to: Option<&Envelope>, me: &str, code: ErrorCode, detail: String) -> Self {
        let body = ErrorBody { code, detail };
        Self {
            kind: Kind::Error,
            priority: barewire::Priority::Control as u8,
            source: me.to_owned(),
            target: to.map(|to| to.source.clone()).unwrap_or_default(),
            correlation: to.and_then(|to| to.correlation),
            message_type: ERROR_TYPE.to_owned(),
            timestamp_ns: 0,
            // An ErrorBody always encodes: it is an enum tag and a string.
            payload: to_vec("error body", &body).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests;
