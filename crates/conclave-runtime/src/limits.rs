//! Per-object caps on what an actor can leave pending: timers and asks.
//!
//! Both live in the object's storage as one value each (the timer queue and
//! the pending asks), rewritten after every message, and a SQLite-backed
//! object allows at most 2 MB per key and value. The caps keep both values
//! far below that and every write cheap: a timer is one encoded envelope,
//! about 150 to 250 bytes for a small message, so a full queue is a few
//! hundred KB; a pending ask is a client address and a 16-byte id.
//!
//! What goes over a cap is refused, never dropped silently: the client whose
//! message caused it gets an `ERROR` envelope with the [`ErrorCode`] below
//! (and the message's correlation id, if it was an ask), the object logs it,
//! and its health counts it (`timers_refused`, `asks_refused`).
//!
//! [`ErrorCode`]: crate::wire::ErrorCode

use serde::{Deserialize, Serialize};

use crate::wire::ErrorCode;

/// At most this many timers a behavior scheduled may be pending in one
/// object (ask deadlines are not counted: [`MAX_PENDING_ASKS`] bounds them).
pub const MAX_PENDING_TIMERS: usize = 1024;

/// At most this many asks may wait for a later reply in one object.
pub const MAX_PENDING_ASKS: usize = 1024;

/// A cap that refused something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// A new timer would exceed [`MAX_PENDING_TIMERS`]; it was not scheduled.
    #[error("{pending} timers are pending, the most an object keeps; the new timer was refused")]
    TooManyTimers {
        /// The timers pending when it was refused.
        pending: usize,
    },
    /// A new pending ask would exceed [`MAX_PENDING_ASKS`]; it was answered
    /// with this error instead of waiting.
    #[error(
        "{pending} asks are waiting for replies, the most an object keeps; this ask will get no reply"
    )]
    TooManyAsks {
        /// The asks pending when it was refused.
        pending: usize,
    },
}

impl LimitError {
    /// The code of the `ERROR` envelope that reports it.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::TooManyTimers { .. } => ErrorCode::TooManyTimers,
            Self::TooManyAsks { .. } => ErrorCode::TooManyPendingAsks,
        }
    }
}

/// Whether a behavior may schedule one more timer when `pending` of its
/// timers are pending; a timer that `replaces` a pending one with the same
/// key always may.
///
/// # Errors
///
/// [`LimitError::TooManyTimers`] at the cap.
///
/// # Examples
///
/// ```
/// use conclave_runtime::limits::{MAX_PENDING_TIMERS, admit_timer};
///
/// assert!(admit_timer(MAX_PENDING_TIMERS - 1, false).is_ok());
/// assert!(admit_timer(MAX_PENDING_TIMERS, false).is_err());
/// assert!(admit_timer(MAX_PENDING_TIMERS, true).is_ok());
/// ```
pub fn admit_timer(pending: usize, replaces: bool) -> Result<(), LimitError> {
    if replaces || pending < MAX_PENDING_TIMERS {
        Ok(())
    } else {
        Err(LimitError::TooManyTimers { pending })
    }
}

/// Whether one more ask may wait for its reply when `pending` asks wait.
///
/// # Errors
///
/// [`LimitError::TooManyAsks`] at the cap.
pub fn admit_ask(pending: usize) -> Result<(), LimitError> {
    if pending < MAX_PENDING_ASKS {
        Ok(())
    } else {
        Err(LimitError::TooManyAsks { pending })
    }
}

/// How many times each cap refused something, over the actor's stored life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusals {
    /// Timers not scheduled.
    pub timers: u64,
    /// Asks answered with an error instead of waiting.
    pub asks: u64,
}

impl Refusals {
    /// Counts one refusal by `error`.
    pub fn count(&mut self, error: &LimitError) {
        match error {
            LimitError::TooManyTimers { .. } => self.timers = self.timers.saturating_add(1),
            LimitError::TooManyAsks { .. } => self.asks = self.asks.saturating_add(1),
        }
    }
}

#[cfg(test)]
mod tests;
