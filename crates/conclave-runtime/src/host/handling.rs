//! The "handling" mark: what makes a panic on wasm32 a supervised failure.
//!
//! On wasm32 a panic aborts: the instance traps, workerd re-creates the
//! object, and the message being handled would be lost without a trace.
//! So before the behavior runs, the host stores a [`HandlingMark`] naming
//! the message; the transaction that stores the handler's result deletes
//! it. A mark found when the object loads means the previous instance died
//! inside a handler: that message is a dead letter, and the actor fails
//! exactly as if its handler had returned a failure (see docs/conclave.md,
//! Panics).

use serde::{Deserialize, Serialize};

use crate::wire::{CorrelationId, Kind, OwnedEnvelope, Priority};

/// The message a handler was running when the mark was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HandlingMark {
    /// Whether it was an ask (it is then answered `ERROR ActorFailed`).
    pub(crate) ask: bool,
    /// Its sender.
    pub(crate) source: String,
    /// Its target (this actor).
    pub(crate) target: String,
    /// Its ask's correlation, if any.
    pub(crate) correlation: Option<CorrelationId>,
    /// Its message type.
    pub(crate) message_type: String,
}

impl HandlingMark {
    /// The mark for handling `envelope`.
    pub(crate) fn of(envelope: &OwnedEnvelope) -> Self {
        Self {
            ask: envelope.kind == Kind::Ask,
            source: envelope.source.clone(),
            target: envelope.target.clone(),
            correlation: envelope.correlation,
            message_type: envelope.message_type.clone(),
        }
    }

    /// The panic as a failure text.
    pub(crate) fn failure(&self) -> String {
        format!(
            "handler panicked (the instance trapped) handling `{}` from {}",
            self.message_type, self.source
        )
    }

    /// An envelope standing for the lost message, without its payload: what
    /// the failure answers (an `ERROR` to the asker, with its correlation).
    pub(crate) fn stand_in(&self) -> OwnedEnvelope {
        OwnedEnvelope {
            kind: if self.ask { Kind::Ask } else { Kind::Tell },
            priority: Priority::Normal,
            source: self.source.clone(),
            target: self.target.clone(),
            correlation: self.correlation,
            message_type: self.message_type.clone(),
            timestamp: 0,
            payload: Vec::new(),
        }
    }
}

/// Dead letters an actor counted: messages it took but never handled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DeadLetters {
    /// How many, over the actor's stored life.
    pub(crate) count: u64,
    /// Why the last one died.
    pub(crate) last: Option<String>,
}

impl DeadLetters {
    /// Counts one more, dead for `reason`.
    pub(crate) fn count(&mut self, reason: String) {
        self.count += 1;
        self.last = Some(reason);
    }
}

#[cfg(test)]
mod tests;
