//! The body of an actor, as data: its erased behavior instance with its
//! timers, capabilities, durable binding and arena, and why its task ended.
//!
//! A body has one owner at a time: the actor's task while it takes
//! messages, its supervisor while it starts, restarts or stops. What the
//! body's outcomes do is `incarnation`'s job, a layer above.

use std::collections::HashMap;
use std::sync::Arc;

use alloy_actors::runtime::{DynActor, Failure};
use alloy_actors::{ActorError, Capabilities, TimerKey};
use tokio::task::AbortHandle;

use crate::arena::{ActorArena, ArenaBudget};
use crate::metrics::TypeStats;
use crate::persistence::Durable;

/// An actor instance and what the runtime keeps beside it.
pub(crate) struct Body {
    pub(crate) actor: Box<dyn DynActor>,
    pub(crate) capabilities: Capabilities,
    /// Where the state is committed, for a durable actor (boxed: most
    /// actors have none).
    pub(crate) durable: Option<Box<Durable>>,
    /// The counters of the actor's type.
    pub(crate) stats: Arc<TypeStats>,
    /// The actor's budget and the heap buffer its durable state is encoded
    /// into; reset after every message and on restart, released with the
    /// body.
    pub(crate) arena: ActorArena,
    /// Allocated on the first timer: most actors never schedule one.
    timers: Option<Box<Timers>>,
}

#[derive(Default)]
struct Timers {
    keyed: HashMap<TimerKey, AbortHandle>,
    unkeyed: Vec<AbortHandle>,
}

impl Drop for Timers {
    /// A body dropped with its timers pending (its task was killed) takes
    /// them along: none fires into a later incarnation.
    fn drop(&mut self) {
        for timer in self.keyed.values().chain(&self.unkeyed) {
            timer.abort();
        }
    }
}

impl Body {
    pub(crate) fn new(
        actor: Box<dyn DynActor>,
        capabilities: Capabilities,
        durable: Option<Durable>,
        stats: Arc<TypeStats>,
        budget: ArenaBudget,
    ) -> Self {
        Self {
            actor,
            capabilities,
            durable: durable.map(Box::new),
            stats,
            arena: ActorArena::new(budget),
            timers: None,
        }
    }

    /// Commits a durable actor's state (a no-op for others), encoding it
    /// in the arena's scratch buffer.
    pub(crate) fn commit(&mut self) -> Result<(), Failure> {
        match &mut self.durable {
            Some(durable) => durable
                .commit(self.actor.as_mut(), &self.arena)
                .map_err(|error| Failure::Escalated(ActorError::new(error))),
            None => Ok(()),
        }
    }

    /// Puts a durable actor's last committed state back: the recovery
    /// point of a restart (a no-op for an actor without a store).
    pub(crate) fn recover_committed(&mut self) -> Result<(), ActorError> {
        match &mut self.durable {
            Some(durable) => durable
                .recover(self.actor.as_mut())
                .map(drop)
                .map_err(ActorError::new),
            None => Ok(()),
        }
    }

    /// Keeps a pending timer's handle, under its key if it has one (a
    /// timer under the same key is replaced: aborted).
    pub(crate) fn keep_timer(&mut self, key: Option<TimerKey>, handle: AbortHandle) {
        let timers = self.timers.get_or_insert_with(Box::default);
        match key {
            Some(key) => {
                // Fired keyed timers stay in the map until their key is
                // reused; prune them each time the map doubles, so an
                // actor keying timers by fresh ids does not grow forever.
                let len = timers.keyed.len();
                if len >= 64 && len.is_power_of_two() {
                    timers.keyed.retain(|_, pending| !pending.is_finished());
                }
                if let Some(replaced) = timers.keyed.insert(key, handle) {
                    replaced.abort();
                }
            }
            None => {
                timers.unkeyed.retain(|timer| !timer.is_finished());
                timers.unkeyed.push(handle);
            }
        }
    }

    /// Cancels the pending timer under `key`, if any.
    pub(crate) fn cancel_timer(&mut self, key: &TimerKey) {
        if let Some(pending) = self
            .timers
            .as_mut()
            .and_then(|timers| timers.keyed.remove(key))
        {
            pending.abort();
        }
    }

    /// Cancels every pending timer (on stop and restart).
    pub(crate) fn cancel_timers(&mut self) {
        let Some(timers) = &mut self.timers else {
            return;
        };
        for (_, timer) in timers.keyed.drain() {
            timer.abort();
        }
        for timer in timers.unkeyed.drain(..) {
            timer.abort();
        }
    }

    /// Handles on the pending timers, to cancel them without the body.
    pub(crate) fn timer_handles(&self) -> Vec<AbortHandle> {
        self.timers.as_ref().map_or_else(Vec::new, |timers| {
            timers
                .keyed
                .values()
                .chain(&timers.unkeyed)
                .filter(|timer| !timer.is_finished())
                .cloned()
                .collect()
        })
    }

    /// How many timers are pending.
    pub(crate) fn pending_timers(&self) -> usize {
        self.timers.as_ref().map_or(0, |timers| {
            timers.keyed.values().filter(|t| !t.is_finished()).count()
                + timers.unkeyed.iter().filter(|t| !t.is_finished()).count()
        })
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body")
            .field("actor", self.actor.id())
            .field("capabilities", &self.capabilities)
            .field("durable", &self.durable.is_some())
            .field("timers", &self.pending_timers())
            .finish()
    }
}

/// Why an actor's task ended.
#[derive(Debug)]
pub(crate) enum ExitCause {
    /// Prospero asked for the body.
    Yielded,
    /// The behavior stopped normally.
    Stopped { reason: String },
    /// The actor failed and its error policy hands the failure on.
    Failed(ActorError),
    /// The behavior asked to restart.
    RestartRequested,
    /// The error policy installed a restart state after this failure.
    RestartedByPolicy(ActorError),
    /// Its start (`PreStart`, or `PostRestart` on a restart) returned
    /// `Effect::Ignore`: OTP's `ignore` from init.
    Ignored,
}

/// What follows an outcome.
#[derive(Debug)]
pub(crate) enum Settled {
    Running,
    /// The input failed and the error policy resumed the actor.
    Resumed(ActorError),
    Exit(ExitCause),
}

impl Settled {
    /// The failure of the input, whatever follows it.
    pub(crate) fn failure(&self) -> Option<&ActorError> {
        match self {
            Settled::Resumed(error)
            | Settled::Exit(ExitCause::Failed(error) | ExitCause::RestartedByPolicy(error)) => {
                Some(error)
            }
            Settled::Running | Settled::Exit(_) => None,
        }
    }
}

/// The body and cause an actor's task ends with, handed back through its
/// mailbox; no body when the task ended without handing it back (it
/// panicked outside the behavior, or its runtime shut down).
#[derive(Debug)]
pub(crate) struct TaskExit {
    pub(crate) body: Option<Box<Body>>,
    pub(crate) cause: ExitCause,
}
