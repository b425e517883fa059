//! What a connection's writer carries: framed envelopes, and the messages
//! they hold (kept for the dead letter or the settlement if they never
//! arrive).

use alloy_actors::{ActorId, AnyMessage};

/// A framed envelope waiting for the writer, with the message it carries
/// (kept for the dead letter if it never leaves).
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) frame: Vec<u8>,
    pub(crate) letter: Option<Letter>,
}

/// A message that left its sender for another system.
#[derive(Debug)]
pub(crate) struct Letter {
    pub(crate) target: ActorId,
    pub(crate) sender: Option<ActorId>,
    pub(crate) message: AnyMessage,
}
