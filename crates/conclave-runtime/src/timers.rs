//! The durable queue of scheduled messages behind an object's single alarm.
//!
//! A Durable Object has one alarm, but an actor may have many timers pending.
//! The queue keeps them all, ordered by due time, and the alarm is always set
//! to the earliest one; when it fires, every due timer is taken out and
//! delivered, and the alarm is set again for the next. The queue is plain
//! data, stored with the actor's state after each change, so timers survive
//! hibernation, eviction and restarts of workerd.

use serde::{Deserialize, Serialize};

/// One scheduled message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// When it is due, in ms since the Unix epoch.
    pub due_ms: u64,
    /// Scheduling order, so timers due at the same time keep their order.
    pub seq: u64,
    /// A key that replaces an earlier timer with the same key, and cancels it.
    pub key: Option<String>,
    /// The message to deliver, already encoded.
    pub payload: Vec<u8>,
}

/// Timers waiting for their alarm, earliest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerQueue {
    timers: Vec<Timer>,
    next_seq: u64,
}

impl TimerQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `payload` at `due_ms`; a timer with the same `key` is replaced.
    pub fn schedule(&mut self, due_ms: u64, key: Option<String>, payload: Vec<u8>) {
        if let Some(key) = &key {
            self.cancel(key);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let timer = Timer {
            due_ms,
            seq,
            key,
            payload,
        };
        let at = self
            .timers
            .partition_point(|t| (t.due_ms, t.seq) <= (timer.due_ms, timer.seq));
        self.timers.insert(at, timer);
    }

    /// Cancels the timer with `key`; whether there was one.
    pub fn cancel(&mut self, key: &str) -> bool {
        let before = self.timers.len();
        self.timers.retain(|t| t.key.as_deref() != Some(key));
        self.timers.len() != before
    }

    /// Takes the earliest timer if it is due at `now_ms`.
    pub fn take_next_due(&mut self, now_ms: u64) -> Option<Timer> {
        if self.timers.first()?.due_ms <= now_ms {
            Some(self.timers.remove(0))
        } else {
            None
        }
    }

    /// Whether a timer with `key` is pending.
    pub fn contains_key(&self, key: &str) -> bool {
        self.timers.iter().any(|t| t.key.as_deref() == Some(key))
    }

    /// When the alarm should fire next, if anything is pending.
    pub fn next_due(&self) -> Option<u64> {
        self.timers.first().map(|t| t.due_ms)
    }

    /// How many timers are pending.
    pub fn len(&self) -> usize {
        self.timers.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }
}

#[cfg(test)]
mod tests;
