//! System events: what the runtime and Prospero did to actors, as a stream,
//! so that tests and tools wait on events rather than on time.

use std::time::Duration;

use alloy_actors::{ActorError, ActorId, RestartReason};
use tokio::sync::broadcast;

use crate::SystemFailure;

/// Something that happened to an actor or supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SystemEvent {
    /// An actor started (its `PreStart` ran) and takes messages.
    Started {
        /// The actor.
        actor: ActorId,
    },
    /// A supervisor started.
    SupervisorStarted {
        /// The supervisor.
        supervisor: ActorId,
    },
    /// An actor failed (escalated, panicked, or was denied a capability).
    Failed {
        /// The actor.
        actor: ActorId,
        /// The failure.
        error: ActorError,
    },
    /// An actor restarted: its state is fresh and its `PostRestart` ran.
    Restarted {
        /// The actor.
        actor: ActorId,
        /// Why.
        reason: RestartReason,
    },
    /// Prospero asked a running actor to hand its state back (to stop or
    /// restart it); the request overtakes its queued messages.
    Stopping {
        /// The actor.
        actor: ActorId,
    },
    /// An actor stopped for good; its queued messages went to dead letters.
    Stopped {
        /// The actor.
        actor: ActorId,
    },
    /// An actor did not stop within its shutdown timeout (its task, or a
    /// lifecycle hook that ran past it) and was killed without the rest of
    /// its hooks: OTP's `shutdown_error` with reason `killed`.
    Aborted {
        /// The actor.
        actor: ActorId,
        /// The timeout it exceeded.
        timeout: Duration,
    },
    /// An actor was killed at once, without its stop hook: its shutdown is
    /// `BrutalKill`, or [`ActorSystem::kill`](crate::ActorSystem::kill)
    /// killed it. Not an error when its supervisor did it.
    Killed {
        /// The actor.
        actor: ActorId,
    },
    /// An attempt to restart an actor failed (its `init` or `PostRestart`);
    /// its supervisor tries again at once, each attempt counted toward the
    /// restart intensity, as OTP's does.
    RestartFailed {
        /// The actor.
        actor: ActorId,
        /// Why the attempt failed.
        error: ActorError,
    },
    /// A supervisor exceeded its restart intensity, stopped its children,
    /// and exited with `shutdown` to its own supervisor (whose restart type
    /// for it decides: a transient entry stays down).
    SupervisorGaveUp {
        /// The supervisor.
        supervisor: ActorId,
        /// Why.
        reason: ActorError,
    },
    /// The system shut down: on request (`None`) or because the root gave up.
    ShutDown {
        /// The failure, if the root gave up.
        failure: Option<SystemFailure>,
    },
}

#[derive(Debug)]
pub(crate) struct EventHub {
    stream: broadcast::Sender<SystemEvent>,
}

impl EventHub {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            stream: broadcast::channel(capacity.max(1)).0,
        }
    }

    pub(crate) fn emit(&self, event: SystemEvent) {
        let _ = self.stream.send(event);
    }

    pub(crate) fn subscribe(&self) -> Events {
        Events {
            receiver: self.stream.subscribe(),
            missed: 0,
        }
    }
}

/// A stream of the [`SystemEvent`]s emitted after it was opened, from
/// [`ActorSystem::events`](crate::ActorSystem::events).
#[derive(Debug)]
pub struct Events {
    receiver: broadcast::Receiver<SystemEvent>,
    missed: u64,
}

impl Events {
    /// The next event, or `None` once the system is gone.
    pub async fn recv(&mut self) -> Option<SystemEvent> {
        loop {
            match self.receiver.recv().await {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(skipped)) => self.missed += skipped,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Waits for the first event that `wanted` accepts, skipping the others.
    pub async fn wait_for(
        &mut self,
        mut wanted: impl FnMut(&SystemEvent) -> bool,
    ) -> Option<SystemEvent> {
        while let Some(event) = self.recv().await {
            if wanted(&event) {
                return Some(event);
            }
        }
        None
    }

    /// How many events this reader skipped because it fell behind.
    pub fn missed(&self) -> u64 {
        self.missed
    }
}
