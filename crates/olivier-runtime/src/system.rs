//! The actor system: spawn, tell, send, ask, stop, and what it observes.

use std::any::TypeId;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use alloy_actors::{
    ActorId, ActorPriority, ActorRef, ActorSpec, AnyMessage, AnySpec, Behavior, Message,
};
use tokio::sync::oneshot;

use crate::dead_letters::{DeadLetterReason, DeadLetters};
use crate::error::{SpawnError, StopError, SystemFailure, TellError};
use crate::events::Events;
use crate::incarnation::{adopt, start_child};
use crate::kernel::{SystemInner, Undelivered};
use crate::mailbox::{Envelope, Refused};
use crate::metrics::{self, TypeSnapshot};
use crate::platform::ProsperoPriority;
use crate::protocol::Command;
use crate::registry::Entry;

/// A running Olivier actor system: cheap to clone, shared by every handle.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use alloy_actors::ActorSpec;
/// use alloy_counter::{Count, Counter, CounterMsg};
/// use olivier_runtime::ActorSystem;
///
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() -> anyhow::Result<()> {
/// let system = ActorSystem::builder().name("docs").build()?;
/// let counter = system.spawn(ActorSpec::new(Counter).name("counter")).await?;
/// system.tell(&counter, CounterMsg::Increment)?;
/// let count = system
///     .ask(&counter, |reply_to| CounterMsg::GetCount { reply_to }, Duration::from_secs(5))
///     .await?;
/// assert_eq!(count, Count(1));
/// system.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ActorSystem {
    inner: Arc<SystemInner>,
}

impl ActorSystem {
    /// A handle on a system's shared state.
    pub(crate) fn from_inner(inner: Arc<SystemInner>) -> Self {
        Self { inner }
    }

    /// What every handle shares (for the modules that add methods).
    pub(crate) fn inner(&self) -> &Arc<SystemInner> {
        &self.inner
    }

    /// The root id; top-level actors are its children.
    pub fn root(&self) -> &ActorId {
        &self.inner.root
    }

    /// How the Prospero thread's priority was set.
    pub fn prospero_priority(&self) -> &ProsperoPriority {
        self.inner
            .priority
            .get_or_init(|| ProsperoPriority::Unchanged {
                reason: "not reported".to_owned(),
            })
    }

    /// Spawns a top-level actor supervised by the root, once it has started
    /// (its `init` and `PreStart` ran).
    ///
    /// # Errors
    ///
    /// [`SpawnError::InvalidName`], [`SpawnError::StartFailed`] when `init`
    /// or `PreStart` fails (the actor is not added), [`SpawnError::ShutDown`].
    pub async fn spawn<B: Behavior>(
        &self,
        spec: ActorSpec<B>,
    ) -> Result<ActorRef<B::Message>, SpawnError> {
        let root = self.inner.root.clone();
        self.spawn_under(&root, spec.erase())
            .await
            .map(ActorRef::new)
    }

    /// Spawns a top-level actor from an erased spec.
    ///
    /// # Errors
    ///
    /// As [`ActorSystem::spawn`].
    pub async fn spawn_any(&self, spec: AnySpec) -> Result<ActorId, SpawnError> {
        let root = self.inner.root.clone();
        self.spawn_under(&root, spec).await
    }

    /// Starts the actor on this thread (`init`, the stored state of a
    /// durable actor, read off the async workers, and `PreStart`), then
    /// hands it to its supervisor process and waits until it is adopted.
    pub(crate) async fn spawn_under(
        &self,
        supervisor: &ActorId,
        spec: AnySpec,
    ) -> Result<ActorId, SpawnError> {
        if !self.is_running() {
            return Err(SpawnError::ShutDown);
        }
        // The supervisor's process adopts the child after this returns; one
        // known to be gone refuses it now (one that stops meanwhile stops
        // the child again, with its `PostStop`, and logs a warning).
        if supervisor != &self.inner.root && !self.inner.supervisors.lock().contains(supervisor) {
            return Err(SpawnError::SupervisorGone {
                supervisor: supervisor.clone(),
            });
        }
        let id = self.inner.child_id(supervisor, &spec)?;
        let started = start_child(&self.inner, supervisor, spec, id.clone())?;
        // Returns once the supervisor adopted the actor and started its task.
        let (adopted, answer) = oneshot::channel();
        if !adopt(&self.inner, supervisor, started, None, Some(adopted)) {
            return Err(SpawnError::ShutDown);
        }
        match answer.await {
            Ok(()) => Ok(id),
            Err(_) if self.is_running() => Err(SpawnError::SupervisorGone {
                supervisor: supervisor.clone(),
            }),
            Err(_) => Err(SpawnError::ShutDown),
        }
    }

    /// Kills an actor or supervisor at once, without its stop hook (OTP's
    /// `exit(Pid, kill)`): its supervisor sees an exit with reason
    /// `killed`, a failure, and restarts it as its restart type says.
    ///
    /// # Errors
    ///
    /// [`StopError::UnknownActor`], [`StopError::ShutDown`].
    pub async fn kill(&self, target: &ActorId) -> Result<(), StopError> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Kill {
            target: target.clone(),
            reply,
        };
        if !self.inner.command(command) {
            return Err(StopError::ShutDown);
        }
        answer.await.map_err(|_| StopError::ShutDown)?
    }

    /// Sends a message at normal priority, fire and forget.
    ///
    /// A full mailbox applies its policy: `DropOldest` and `DropNewest`
    /// accept the send and drop a message to dead letters; `Reject` answers
    /// with [`TellError::MailboxFull`].
    ///
    /// # Errors
    ///
    /// [`TellError`] with the message handed back; it is also counted as a
    /// dead letter.
    pub fn tell<M: Message>(&self, target: &ActorRef<M>, message: M) -> Result<(), TellError<M>> {
        self.tell_with_priority(target, message, ActorPriority::Normal)
    }

    /// Sends a message at `priority`; the mailbox serves more urgent
    /// priorities first.
    ///
    /// # Errors
    ///
    /// As [`ActorSystem::tell`].
    pub fn tell_with_priority<M: Message>(
        &self,
        target: &ActorRef<M>,
        message: M,
        priority: ActorPriority,
    ) -> Result<(), TellError<M>> {
        self.inner
            .deliver(target.id(), AnyMessage::new(message), priority, None)
            .map_err(|undelivered| self.inner.refuse(target.id(), undelivered))
    }

    /// Sends a message, waiting for room while the mailbox is full (whatever
    /// its policy).
    ///
    /// # Errors
    ///
    /// As [`ActorSystem::tell`], except that a full mailbox is waited on.
    pub async fn send<M: Message>(
        &self,
        target: &ActorRef<M>,
        message: M,
    ) -> Result<(), TellError<M>> {
        let cell = match self.inner.registry.get(target.id()) {
            Some(Entry::Actor(cell)) if cell.message_type == TypeId::of::<M>() => cell,
            _ => return self.tell(target, message),
        };
        let envelope = Envelope {
            message: AnyMessage::new(message),
            sender: None,
        };
        match cell
            .mailbox
            .push_waiting(envelope, ActorPriority::Normal)
            .await
        {
            Ok(pushed) => {
                self.inner.pushed(&cell, target.id(), pushed);
                Ok(())
            }
            Err(Refused::Full(envelope) | Refused::Closed(envelope)) => Err(self.inner.refuse(
                target.id(),
                Undelivered {
                    reason: DeadLetterReason::ActorStopped,
                    message: envelope.message,
                },
            )),
        }
    }

    /// Stops an actor or supervisor for good: its children first (reverse
    /// start order, depth first), then its `PostStop`; its supervisor will
    /// not restart it.
    ///
    /// # Errors
    ///
    /// [`StopError::UnknownActor`], [`StopError::ShutDown`].
    pub async fn stop(&self, target: &ActorId) -> Result<(), StopError> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Stop {
            target: target.clone(),
            reply,
        };
        if !self.inner.command(command) {
            return Err(StopError::ShutDown);
        }
        answer.await.map_err(|_| StopError::ShutDown)?
    }

    /// Stops every actor (reverse start order, depth first) and ends Prospero.
    ///
    /// # Errors
    ///
    /// The [`SystemFailure`] if the system had already ended on its own.
    pub async fn shutdown(&self) -> Result<(), SystemFailure> {
        self.inner.command(Command::Shutdown);
        self.terminated().await
    }

    /// Waits until the system has ended: after [`ActorSystem::shutdown`], or
    /// when the root supervisor gave up.
    ///
    /// # Errors
    ///
    /// The [`SystemFailure`] when the root gave up.
    pub async fn terminated(&self) -> Result<(), SystemFailure> {
        let mut exit = self.inner.exit.subscribe();
        let ended = exit.wait_for(Option::is_some).await;
        match ended {
            Ok(exit) => exit.clone().unwrap_or(Ok(())),
            Err(_) => Ok(()),
        }
    }

    /// Whether the system still runs.
    pub fn is_running(&self) -> bool {
        self.inner.exit.borrow().is_none()
    }

    /// Whether an actor with this id is alive (running or restarting).
    pub fn is_alive(&self, actor: &ActorId) -> bool {
        self.inner.registry.actor(actor).is_some()
    }

    /// How many user messages wait in an actor's mailbox.
    pub fn mailbox_depth(&self, actor: &ActorId) -> Option<usize> {
        self.inner
            .registry
            .actor(actor)
            .map(|cell| cell.mailbox.depth())
    }

    /// How many ids are registered (actors and pending asks).
    pub fn registered(&self) -> usize {
        self.inner.registry.len()
    }

    /// A stream of the dead letters recorded from now on.
    pub fn dead_letters(&self) -> DeadLetters {
        self.inner.dead_letters.subscribe()
    }

    /// How many messages became dead letters so far.
    pub fn dead_letter_count(&self) -> u64 {
        self.inner.dead_letters.count()
    }

    /// Every actor type's metrics (received, processed, errors, restarts,
    /// dead letters, mailbox depth, live actors, processing time), by type
    /// name.
    pub fn metrics(&self) -> Vec<TypeSnapshot> {
        metrics::export::snapshots(&self.inner.metrics, &self.inner.registry)
    }

    /// The metrics in the Prometheus text exposition format (0.0.4), as the
    /// endpoint serves them.
    pub fn metrics_text(&self) -> String {
        self.inner.metrics_text()
    }

    /// Where the metrics endpoint listens, when the builder enabled it.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.inner.metrics_addr.get().copied()
    }

    /// A stream of the [`SystemEvent`](crate::SystemEvent)s emitted from now on.
    pub fn events(&self) -> Events {
        self.inner.events.subscribe()
    }
}

impl fmt::Debug for ActorSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorSystem")
            .field("root", &self.inner.root)
            .field("registered", &self.inner.registry.len())
            .field("dead_letters", &self.inner.dead_letters.count())
            .finish_non_exhaustive()
    }
}
