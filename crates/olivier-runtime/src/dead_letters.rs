//! Dead letters: every message that was dropped or could not be delivered,
//! counted and published as a stream.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use alloy_actors::{ActorId, AnyMessage};
use tokio::sync::broadcast;

use crate::metrics::Metrics;

/// A message that did not reach (or was pushed out of) its receiver's mailbox.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// The intended receiver.
    pub target: ActorId,
    /// The actor that sent it, when an actor did.
    pub sender: Option<ActorId>,
    /// The message itself.
    pub message: AnyMessage,
    /// Why it was not delivered.
    pub reason: DeadLetterReason,
}

/// Why a message became a dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeadLetterReason {
    /// No actor has the target id (it never existed, or it stopped).
    UnknownActor,
    /// The target stopped with the message still queued.
    ActorStopped,
    /// The mailbox was full and its policy is `Reject`; the sender was told.
    Rejected {
        /// The mailbox bound.
        capacity: usize,
    },
    /// The mailbox was full and its policy dropped the new message
    /// (`DropNewest`, or `DropOldest` when the new message was the least urgent).
    DroppedNewest {
        /// The mailbox bound.
        capacity: usize,
    },
    /// The mailbox was full and a newer message pushed this one out (`DropOldest`).
    EvictedOldest {
        /// The mailbox bound.
        capacity: usize,
    },
    /// The target accepts another message type.
    WrongMessageType {
        /// The type the target accepts.
        expected: &'static str,
    },
    /// The target is on another system that could not be sent to (the
    /// message was sent after the connection was lost, or was still queued
    /// when it was).
    Unreachable(crate::remote::error::RemoteSendError),
    /// The target's system refused the message with an error frame; the
    /// letter holds the message as it travelled (a `WireMessage`).
    RefusedByPeer {
        /// The refusing system.
        system: String,
        /// Why, for programs.
        code: crate::remote::wire::ErrorCode,
        /// Why, for people.
        detail: String,
    },
    /// A message from another system named the target's type but its
    /// payload did not decode as one.
    MalformedPayload {
        /// The codec's explanation.
        detail: String,
    },
}

impl fmt::Display for DeadLetterReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeadLetterReason::UnknownActor => f.write_str("unknown actor"),
            DeadLetterReason::ActorStopped => f.write_str("actor stopped"),
            DeadLetterReason::Rejected { capacity } => {
                write!(f, "rejected by a full mailbox ({capacity})")
            }
            DeadLetterReason::DroppedNewest { capacity } => {
                write!(f, "dropped by a full mailbox ({capacity})")
            }
            DeadLetterReason::EvictedOldest { capacity } => {
                write!(f, "evicted from a full mailbox ({capacity})")
            }
            DeadLetterReason::WrongMessageType { expected } => {
                write!(f, "wrong message type (expects `{expected}`)")
            }
            DeadLetterReason::Unreachable(error) => write!(f, "unreachable: {error}"),
            DeadLetterReason::RefusedByPeer {
                system,
                code,
                detail,
            } => write!(f, "refused by `{system}` ({code}): {detail}"),
            DeadLetterReason::MalformedPayload { detail } => {
                write!(f, "malformed payload: {detail}")
            }
        }
    }
}

/// The dead-letter counter and stream of one system.
#[derive(Debug)]
pub(crate) struct DeadLetterHub {
    count: AtomicU64,
    metrics: Arc<Metrics>,
    stream: broadcast::Sender<DeadLetter>,
}

impl DeadLetterHub {
    pub(crate) fn new(capacity: usize, metrics: Arc<Metrics>) -> Self {
        Self {
            count: AtomicU64::new(0),
            metrics,
            stream: broadcast::channel(capacity.max(1)).0,
        }
    }

    pub(crate) fn record(&self, letter: DeadLetter) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.metrics.of(letter.message.type_name()).dead_letter();
        tracing::debug!(
            target: "olivier::dead_letters",
            to = %letter.target,
            message = letter.message.type_name(),
            reason = %letter.reason,
            "dead letter"
        );
        // Nobody listening is fine: the letter is counted either way.
        let _ = self.stream.send(letter);
    }

    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    pub(crate) fn subscribe(&self) -> DeadLetters {
        DeadLetters {
            receiver: self.stream.subscribe(),
            missed: 0,
        }
    }
}

/// A stream of the dead letters recorded after it was opened, from
/// [`ActorSystem::dead_letters`](crate::ActorSystem::dead_letters).
///
/// It keeps a bounded backlog; a reader that falls behind skips the oldest
/// letters and can see how many with [`DeadLetters::missed`] (the system's
/// count still includes them).
#[derive(Debug)]
pub struct DeadLetters {
    receiver: broadcast::Receiver<DeadLetter>,
    missed: u64,
}

impl DeadLetters {
    /// The next dead letter, or `None` once the system is gone.
    pub async fn recv(&mut self) -> Option<DeadLetter> {
        loop {
            match self.receiver.recv().await {
                Ok(letter) => return Some(letter),
                Err(broadcast::error::RecvError::Lagged(skipped)) => self.missed += skipped,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next dead letter if one is already waiting.
    pub fn try_recv(&mut self) -> Option<DeadLetter> {
        loop {
            match self.receiver.try_recv() {
                Ok(letter) => return Some(letter),
                Err(broadcast::error::TryRecvError::Lagged(skipped)) => self.missed += skipped,
                Err(_) => return None,
            }
        }
    }

    /// How many letters this reader skipped because it fell behind.
    pub fn missed(&self) -> u64 {
        self.missed
    }
}
