//! The codes of a BAREWire `Error` envelope's payload.

use serde::{Deserialize, Serialize};

/// Why a frame was refused, in an [`ErrorBody`](crate::remote::ErrorBody).
///
/// The values are BARE enum values in declaration order (0, 1, 2, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ErrorCode {
    /// No actor has the target id on the receiving system.
    UnknownActor,
    /// The target accepts another message type.
    WrongMessageType,
    /// The payload does not decode as the type it claims.
    MalformedPayload,
    /// The frame is not a barewire envelope.
    MalformedEnvelope,
    /// The frame is larger than the receiver accepts; the connection closes.
    FrameTooLarge,
    /// The envelope's kind makes no sense here (a second hello, say).
    UnexpectedKind,
    /// The first frame was not a hello, or its protocol version differs.
    HandshakeFailed,
    /// The target id belongs to another system than the receiver.
    WrongSystem,
    /// The target's mailbox is full and rejects new messages.
    MailboxFull,
    /// The target stopped before the message was queued.
    ActorStopped,
    /// The peer did not prove it knows the shared secret.
    AuthenticationFailed,
    /// Another connection of the peer's system is up.
    NameTaken,
    /// The listener is full.
    TooManyConnections,
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ErrorCode::UnknownActor => "unknown actor",
            ErrorCode::WrongMessageType => "wrong message type",
            ErrorCode::MalformedPayload => "malformed payload",
            ErrorCode::MalformedEnvelope => "malformed envelope",
            ErrorCode::FrameTooLarge => "frame too large",
            ErrorCode::UnexpectedKind => "unexpected kind",
            ErrorCode::HandshakeFailed => "handshake failed",
            ErrorCode::WrongSystem => "wrong system",
            ErrorCode::MailboxFull => "mailbox full",
            ErrorCode::ActorStopped => "actor stopped",
            ErrorCode::AuthenticationFailed => "authentication failed",
            ErrorCode::NameTaken => "name taken",
            ErrorCode::TooManyConnections => "too many connections",
        })
    }
}
