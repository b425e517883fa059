//! What a remote connection carries, beyond the barewire envelope: the
//! handshake, the error body, the undecoded message, and how envelopes are
//! built and framed.
//!
//! Every frame is one barewire [`Envelope`] in a 4-byte little-endian
//! length-prefixed frame. A connection opens with one [`Hello`] each way
//! (kind `System`, type [`HELLO_TYPE`]); then `Tell`, `Ask` and `Reply`
//! envelopes carry actor messages (type = the message's `TYPE_NAME`, payload
//! = its BARE encoding), and `Error` envelopes carry an [`ErrorBody`]
//! (type [`ERROR_TYPE`]) back to the sender of a refused frame.

use std::time::{SystemTime, UNIX_EPOCH};

use alloy_actors::{ActorPriority, AnyMessage, Message};
use barewire::{CorrelationId, Envelope, Kind, Priority};
use serde::{Deserialize, Serialize};

pub use super::code::ErrorCode;
use super::error::RemoteSendError;

/// The remote protocol version a [`Hello`] announces; peers must agree.
pub const REMOTE_PROTOCOL: u32 = 2;

/// The `message_type` of a [`Hello`] envelope.
pub const HELLO_TYPE: &str = "olivier.remote.Hello";

/// The `message_type` of a [`Proof`] envelope.
pub const PROOF_TYPE: &str = "olivier.remote.Proof";

/// The `message_type` of a heartbeat (a `System` envelope with an empty
/// payload, sent when a connection has been quiet for a while).
pub const PING_TYPE: &str = "olivier.remote.Ping";

/// The `message_type` of an [`Ack`] envelope.
pub const ACK_TYPE: &str = "olivier.remote.Ack";

/// The `message_type` of a [`Settle`] envelope.
pub const SETTLE_TYPE: &str = "olivier.remote.Settle";

/// The `message_type` of an [`ErrorBody`] envelope.
pub const ERROR_TYPE: &str = "olivier.remote.Error";

/// The first frame each side of a connection sends: who it is.
///
/// ```
/// use olivier_runtime::remote::{Hello, REMOTE_PROTOCOL};
///
/// let hello = Hello {
///     protocol: REMOTE_PROTOCOL,
///     system: "shop".to_owned(),
///     max_frame_len: 1 << 20,
///     nonce: [7; 32],
///     link: 1,
/// };
/// let bytes = barewire::to_vec(&hello).unwrap();
/// assert_eq!(barewire::from_slice::<Hello>(&bytes).unwrap(), hello);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The protocol version, [`REMOTE_PROTOCOL`].
    pub protocol: u32,
    /// The system's name: the first segment of its actors' ids.
    pub system: String,
    /// The largest frame body it accepts: the other side sends nothing
    /// larger (a larger frame would close the connection).
    pub max_frame_len: u64,
    /// Fresh random bytes, which the other side's [`Proof`] covers.
    pub nonce: [u8; 32],
    /// The sender's own number for this connection: a later [`Settle`]
    /// names it.
    pub link: u64,
}

/// How many message frames (`Tell`, `Ask`, `Reply`) a side has handled
/// of a connection so far, counted from its start: the other side forgets
/// the messages up to there. Sent after each burst of frames read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The count.
    pub received: u64,
}

/// Sent on a new connection about an earlier one that was lost: of the
/// other side's connection `link`, this side handled `received` message
/// frames. The other side counts the messages it sent there past that as
/// lost, exactly, rather than every message it had no [`Ack`] for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settle {
    /// The other side's number for the lost connection (its hello's `link`).
    pub link: u64,
    /// How many of its message frames this side handled.
    pub received: u64,
}

/// The second frame each side sends: proof that it knows the shared
/// secret ([`proof`](super::proof) over both hellos). The connecting side
/// sends it first; the accepting side answers only a valid one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// The HMAC-SHA256.
    pub mac: [u8; 32],
}

/// The payload of an `Error` envelope: what was refused and why.
///
/// Its envelope goes back to the refused frame's source, with the refused
/// frame's target as source and its correlation, so an ask fails at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Why, for programs.
    pub code: ErrorCode,
    /// Why, for people.
    pub detail: String,
    /// The refused message's type name (empty when the frame did not decode).
    pub message_type: String,
    /// The refused message's payload, echoed so the sender's dead letter
    /// holds it (empty when the frame did not decode).
    pub payload: Vec<u8>,
}

impl Message for ErrorBody {
    const TYPE_NAME: &'static str = ERROR_TYPE;
}

/// A message as it travelled: its type name and BARE payload, not decoded.
///
/// Dead letters hold one when the runtime could not (or no longer can)
/// decode the message: at the receiver for an unknown actor or a wrong
/// type, at the sender when the peer refused it. [`WireMessage::decode`]
/// turns it back into its type.
///
/// ```
/// use alloy_counter::Count;
/// use olivier_runtime::remote::WireMessage;
///
/// let wire = WireMessage::encode(&Count(3)).unwrap();
/// assert_eq!(wire.message_type, "alloy.counter.Count");
/// assert_eq!(wire.decode::<Count>(), Some(Count(3)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireMessage {
    /// The message's stable type name, as the envelope named it.
    pub message_type: String,
    /// The BARE-encoded message.
    pub payload: Vec<u8>,
}

impl Message for WireMessage {
    const TYPE_NAME: &'static str = "olivier.remote.WireMessage";
}

impl WireMessage {
    /// Encodes `message` as it would travel.
    ///
    /// # Errors
    ///
    /// The codec's error when the message does not encode in BARE.
    pub fn encode<M: Message>(message: &M) -> Result<Self, barewire::EncodeError> {
        Ok(Self {
            message_type: M::TYPE_NAME.to_owned(),
            payload: barewire::to_vec(message)?,
        })
    }

    /// The message as an `M`, when it names `M`'s type and decodes as one.
    pub fn decode<M: Message>(&self) -> Option<M> {
        if self.message_type != M::TYPE_NAME {
            return None;
        }
        barewire::from_slice(&self.payload).ok()
    }
}

/// The wire priority of an actor priority (the same values).
pub(crate) fn to_wire(priority: ActorPriority) -> Priority {
    Priority::from_value(priority.index() as u64).unwrap_or(Priority::Normal)
}

/// The actor priority of a wire priority (the same values).
pub(crate) fn from_wire(priority: Priority) -> ActorPriority {
    ActorPriority::from_index(priority as usize).unwrap_or(ActorPriority::Normal)
}

/// Nanoseconds since the Unix epoch (0 before it, saturated after 2554).
pub(crate) fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
        })
}

/// The routing facts of a frame to build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route<'a> {
    pub(crate) kind: Kind,
    pub(crate) priority: Priority,
    pub(crate) source: &'a str,
    pub(crate) target: &'a str,
    pub(crate) correlation: Option<CorrelationId>,
}

/// One framed envelope carrying `message`, at most `max` bytes of frame body.
pub(crate) fn message_frame(
    route: Route<'_>,
    message: &AnyMessage,
    system: &str,
    max: usize,
) -> Result<Vec<u8>, RemoteSendError> {
    let message_type = message.type_name();
    let payload = barewire::to_vec(message).map_err(|error| RemoteSendError::Encode {
        message_type,
        detail: error.to_string(),
    })?;
    frame(route, message_type, &payload, max).map_err(|len| RemoteSendError::TooLarge {
        system: system.to_owned(),
        message_type,
        len,
        max,
    })
}

/// One framed envelope carrying `value` (a hello or an error body).
pub(crate) fn control_frame<T: Serialize>(
    route: Route<'_>,
    message_type: &str,
    value: &T,
) -> Vec<u8> {
    // Hellos and error bodies are strings, numbers and bytes: they encode.
    let payload = barewire::to_vec(value).unwrap_or_default();
    frame(route, message_type, &payload, usize::MAX).unwrap_or_default()
}

/// Frames an envelope; `Err` holds the body length when it exceeds `max`.
fn frame(
    route: Route<'_>,
    message_type: &str,
    payload: &[u8],
    max: usize,
) -> Result<Vec<u8>, usize> {
    let envelope = Envelope {
        kind: route.kind,
        priority: route.priority,
        source: route.source,
        target: route.target,
        correlation: route.correlation,
        message_type,
        timestamp: now_ns(),
        payload,
    };
    let len = envelope.encoded_len();
    if len > max {
        return Err(len);
    }
    let mut out = Vec::new();
    barewire::frame::encode_envelope_frame(&envelope, &mut out).map_err(|_| len)?;
    Ok(out)
}

/// The route of a frame the system at `source` sends about the link
/// itself (hello, proof, heartbeat, acknowledgement, settlement, watch).
pub(crate) fn system_route(source: &str) -> Route<'_> {
    Route {
        kind: Kind::System,
        priority: Priority::Control,
        source,
        target: "",
        correlation: None,
    }
}

/// The route of an error frame from `source` back to `target`.
pub(crate) fn error_route<'a>(source: &'a str, target: &'a str) -> Route<'a> {
    Route {
        kind: Kind::Error,
        priority: Priority::Control,
        source,
        target,
        correlation: None,
    }
}

/// An ask's answer as `R`: the typed message, or one that came from another
/// system undecoded (the request was forwarded there); anything else back.
pub(crate) fn decoded_reply<R: Message>(message: AnyMessage) -> Result<R, AnyMessage> {
    let message = match message.downcast::<R>() {
        Ok(reply) => return Ok(reply),
        Err(other) => other,
    };
    match message
        .downcast_ref::<WireMessage>()
        .and_then(WireMessage::decode)
    {
        Some(reply) => Ok(reply),
        None => Err(message),
    }
}

/// The `message_type` of a [`Watch`] envelope.
pub const WATCH_TYPE: &str = "olivier.remote.Watch";

/// The `message_type` of a [`Down`] envelope.
pub const DOWN_TYPE: &str = "olivier.remote.Down";

/// Asks the receiving system to send a [`Down`] when `target`, one of its
/// actors (or a registered name), ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// The watched actor's id, as the watcher wrote it.
    pub target: String,
}

/// A watched actor ended (or was unknown): sent to every system that
/// watches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Down {
    /// The watched actor's id, as its watcher wrote it.
    pub target: String,
    /// Why, for people.
    pub reason: String,
}
