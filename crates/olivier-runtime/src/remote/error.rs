//! The errors of the remote transport: one enum per operation.

use std::time::Duration;

use barewire::{DecodeError, FrameError, Kind};

use super::code::ErrorCode;
use super::endpoint::Endpoint;

/// A message for an actor of another system that could not be sent there.
///
/// The message itself is handed back by the operation that failed
/// ([`TellError::Unreachable`](crate::TellError::Unreachable)) and recorded
/// as a dead letter ([`DeadLetterReason::Unreachable`](crate::DeadLetterReason::Unreachable)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteSendError {
    /// This system has never been connected to the target's system.
    #[error("no connection to system `{system}`")]
    NoRoute {
        /// The target's system.
        system: String,
    },
    /// The connection to the target's system was lost (the message was
    /// sent after that, or was still queued when it happened).
    #[error("the connection to system `{system}` is lost")]
    PeerDisconnected {
        /// The target's system.
        system: String,
    },
    /// The connection's send queue is full.
    #[error("the send queue to system `{system}` is full ({capacity} frames)")]
    QueueFull {
        /// The target's system.
        system: String,
        /// The queue bound.
        capacity: usize,
    },
    /// The message was written to a connection that was lost before the
    /// peer acknowledged it: it may or may not have been handled there
    /// (counted once, here, so nothing vanishes uncounted).
    #[error("the link to system `{system}` was lost before the message was acknowledged")]
    LinkLost {
        /// The target's system.
        system: String,
    },
    /// The connection's send queue holds as many bytes as it may.
    #[error("the send queue to system `{system}` is over its budget of {bytes} bytes")]
    QueueOverBudget {
        /// The target's system.
        system: String,
        /// The budget ([`RemoteOptions::queue_bytes`](super::RemoteOptions::queue_bytes)).
        bytes: usize,
    },
    /// The message did not encode in BARE.
    #[error("a `{message_type}` did not encode in BARE: {detail}")]
    Encode {
        /// The message's type name.
        message_type: &'static str,
        /// The codec's explanation.
        detail: String,
    },
    /// The encoded message is larger than a frame may be.
    #[error("a `{message_type}` frame of {len} bytes for `{system}` exceeds the {max}-byte limit")]
    TooLarge {
        /// The target's system.
        system: String,
        /// The message's type name.
        message_type: &'static str,
        /// The frame body's length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Why a connection was refused or ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The socket failed.
    #[error("socket {operation} failed: {detail}")]
    Io {
        /// What was being done (read, write, connect).
        operation: &'static str,
        /// The error's kind.
        kind: std::io::ErrorKind,
        /// The error's message.
        detail: String,
    },
    /// A frame header announced more bytes than this system accepts; the
    /// stream cannot be resynchronised, so the connection closes.
    #[error("frame of {len} bytes at stream offset {offset} exceeds the maximum of {max}")]
    FrameTooLarge {
        /// Where the frame header starts in the stream.
        offset: u64,
        /// The length the header announced.
        len: u64,
        /// The maximum frame length.
        max: usize,
    },
    /// The stream ended inside a frame.
    #[error("the stream ended inside a frame at offset {offset}: {available} of {needed} bytes")]
    Truncated {
        /// Where the frame starts in the stream.
        offset: u64,
        /// How many bytes the frame needs.
        needed: u64,
        /// How many arrived.
        available: usize,
    },
    /// A frame to send is larger than the maximum frame length.
    #[error("a frame of {len} bytes exceeds the maximum of {max}")]
    OutgoingTooLarge {
        /// The frame body's length.
        len: usize,
        /// The maximum frame length.
        max: usize,
    },
    /// A frame is not a barewire envelope.
    #[error("malformed envelope: {0}")]
    MalformedEnvelope(#[source] DecodeError),
    /// No hello arrived in time.
    #[error("no hello within {after:?}")]
    HandshakeTimeout {
        /// The handshake timeout.
        after: Duration,
    },
    /// An envelope that makes no sense where it came: a first frame that is
    /// not a hello, a hello after the handshake, an error of unknown type.
    #[error("unexpected {kind:?} envelope of type `{message_type}`")]
    UnexpectedFrame {
        /// The envelope's kind.
        kind: Kind,
        /// Its message type.
        message_type: String,
    },
    /// The hello's payload did not decode.
    #[error("malformed hello: {0}")]
    MalformedHello(#[source] DecodeError),
    /// The peer speaks another protocol version.
    #[error("the peer speaks remote protocol {theirs}, this system {ours}")]
    ProtocolMismatch {
        /// This system's version.
        ours: u32,
        /// The peer's.
        theirs: u32,
    },
    /// The peer's system name is not a valid id segment.
    #[error("the peer's system name `{system}` is not a valid id segment")]
    BadName {
        /// The name it sent.
        system: String,
    },
    /// The peer has this system's own name: ids could not tell them apart.
    #[error("the peer is named `{system}` as well")]
    SameName {
        /// The shared name.
        system: String,
    },
    /// The peer's system name is longer than this system accepts.
    #[error("the peer's system name is {len} bytes long, above the limit of {max}")]
    NameTooLong {
        /// Its length.
        len: usize,
        /// The limit ([`RemoteOptions::max_name_len`](super::RemoteOptions::max_name_len)).
        max: usize,
    },
    /// The peer did not prove it knows the shared secret.
    #[error("the peer failed authentication")]
    AuthenticationFailed,
    /// Another authenticated connection of that system is up: the live
    /// route is kept, the newcomer refused.
    #[error("system `{system}` is already connected")]
    NameTaken {
        /// The name.
        system: String,
    },
    /// The listener holds as many connections as it may.
    #[error("the listener already holds {max} connections")]
    TooManyConnections {
        /// The limit ([`RemoteOptions::max_connections`](super::RemoteOptions::max_connections)).
        max: usize,
    },
    /// Nothing arrived for the idle timeout (not even a heartbeat).
    #[error("nothing received for {after:?}")]
    IdleTimeout {
        /// The idle timeout.
        after: Duration,
    },
    /// The peer refused the connection with an error frame.
    #[error("the peer refused the connection ({code}): {detail}")]
    Refused {
        /// Why, for programs.
        code: ErrorCode,
        /// Why, for people.
        detail: String,
    },
    /// The peer closed the connection.
    #[error("the peer closed the connection")]
    Closed,
    /// This system shut down.
    #[error("this system shut down")]
    ShutDown,
}

impl ConnectionError {
    /// A socket error during `operation`.
    pub(crate) fn io(operation: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |error| ConnectionError::Io {
            operation,
            kind: error.kind(),
            detail: error.to_string(),
        }
    }
}

impl From<FrameError> for ConnectionError {
    fn from(error: FrameError) -> Self {
        match error {
            FrameError::TooLarge { offset, len, max } => {
                ConnectionError::FrameTooLarge { offset, len, max }
            }
            FrameError::Truncated {
                offset,
                needed,
                available,
            } => ConnectionError::Truncated {
                offset,
                needed,
                available,
            },
            FrameError::PayloadTooLarge { len, max } => {
                ConnectionError::OutgoingTooLarge { len, max }
            }
            FrameError::Io(error) => ConnectionError::io("read")(error),
            other => ConnectionError::Io {
                operation: "frame",
                kind: std::io::ErrorKind::Other,
                detail: other.to_string(),
            },
        }
    }
}

/// A [`connect`](crate::ActorSystem::connect) that did not open a connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The TCP connection could not be opened.
    #[error("could not connect to {addr}")]
    Io {
        /// The endpoint.
        addr: Endpoint,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The connection opened but the handshake failed.
    #[error("the handshake with {addr} failed")]
    Handshake {
        /// The endpoint.
        addr: Endpoint,
        /// Why.
        #[source]
        error: ConnectionError,
    },
    /// None of the endpoints given is on the transport the selector takes.
    #[error("no endpoint on the {kind:?} transport")]
    NoEndpoint {
        /// The transport the selector took.
        kind: super::TransportKind,
    },
    /// This system has no secret to prove itself with
    /// ([`ActorSystemBuilder::secret`](crate::ActorSystemBuilder::secret)).
    #[error("the actor system has no remote secret")]
    NoSecret,
    /// This system has shut down.
    #[error("the actor system has shut down")]
    ShutDown,
}
