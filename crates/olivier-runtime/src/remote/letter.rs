//! What a connection's writer carries: framed envelopes, and the messages
//! they hold (kept for the dead letter or the settlement if they never
//! arrive).

use alloy_actors::{ActorId, ActorPriority, AnyMessage};

/// A framed envelope waiting for the writer, with the message it carries
/// (kept for the dead letter if it never leaves).
#[derive(Debug)]
pub(crate) struct Outgoing {
    /// The lane it waits in.
    pub(crate) lane: Lane,
    pub(crate) frame: Vec<u8>,
    pub(crate) letter: Option<Letter>,
}

/// A message that left its sender for another system.
#[derive(Debug)]
pub(crate) struct Letter {
    pub(crate) target: ActorId,
    pub(crate) sender: Option<ActorId>,
    pub(crate) message: AnyMessage,
    /// The size of its frame, which it stands for while unacknowledged.
    pub(crate) bytes: usize,
}

/// A send queue's lanes: the writer drains a more urgent lane first, so
/// supervision and control frames overtake bulk and background ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Supervision and control messages, and the link's own frames (errors).
    Urgent = 0,
    /// Business messages.
    Normal = 1,
    /// Bulk and background messages.
    Low = 2,
}

impl Lane {
    /// How many lanes there are.
    pub(crate) const COUNT: usize = 3;

    /// The lane of a message of `priority`.
    pub(crate) fn of(priority: ActorPriority) -> Self {
        match priority {
            ActorPriority::Supervision | ActorPriority::Control => Lane::Urgent,
            ActorPriority::Normal => Lane::Normal,
            _ => Lane::Low,
        }
    }
}
