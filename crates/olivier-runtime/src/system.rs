//! The actor system: spawn, tell, send, ask, stop, and what it observes.

mod builder;

use std::any::TypeId;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use alloy_actors::{
    ActorId, ActorPriority, ActorRef, ActorSpec, AnyMessage, AnySpec, Behavior, Message,
    RestartType, SpawnReply, SupervisionStrategy,
};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot, watch};

pub use builder::ActorSystemBuilder;

use crate::dead_letters::{DeadLetter, DeadLetterHub, DeadLetterReason, DeadLetters};
use crate::events::{EventHub, Events};
use crate::mailbox::{Envelope, Pushed, Refused};
use crate::metrics::{self, Metrics, TypeSnapshot};
use crate::persistence::Persistence;
use crate::platform::ProsperoPriority;
use crate::prospero::{self, Command, SupervisorMessage};
use crate::registry::{self, ActorCell, Answer, AskFailure, Entry, Registry, ReplySlot};
use crate::supervisor::{ChildError, ChildSummary, SupervisorSpec};
use crate::{AskError, SpawnError, StopError, Supervisor, SystemEvent, SystemFailure, TellError};

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

/// What every handle, task and Prospero share.
pub(crate) struct SystemInner {
    pub(crate) root: ActorId,
    pub(crate) registry: Registry,
    pub(crate) dead_letters: DeadLetterHub,
    pub(crate) events: EventHub,
    pub(crate) handle: Handle,
    pub(crate) default_supervision: SupervisionStrategy,
    pub(crate) persistence: Persistence,
    /// Each actor's arena budget.
    pub(crate) arena: builder::ArenaBudgets,
    /// The explicit supervisors whose process runs (added and removed by
    /// Prospero), so a spawn under a stopped one is refused up front.
    pub(crate) supervisors: parking_lot::Mutex<std::collections::HashSet<ActorId>>,
    pub(crate) metrics: Arc<Metrics>,
    /// Connections to other systems (`remote.rs`).
    pub(crate) remote: crate::remote::Remote,
    metrics_addr: std::sync::OnceLock<SocketAddr>,
    prospero: mpsc::UnboundedSender<Command>,
    priority: std::sync::OnceLock<ProsperoPriority>,
    exit: watch::Sender<Option<Result<(), SystemFailure>>>,
    next_instance: AtomicU64,
    /// The id made last by `child_id`: siblings spawned under the same name
    /// share its path allocation (per system, so ids of two systems never
    /// share one and the delivery cache's identity match stays exact).
    last_child: parking_lot::Mutex<Option<ActorId>>,
    /// Woken whenever a task hands an actor's body back through its
    /// mailbox (Prospero waits on it while it stops a task): one wake-up
    /// for the system rather than a channel per running actor.
    pub(crate) handed_back: tokio::sync::Notify,
}

/// A message that did not reach a mailbox, and why.
#[derive(Debug)]
pub(crate) struct Undelivered {
    pub(crate) reason: DeadLetterReason,
    pub(crate) message: AnyMessage,
}

impl SystemInner {
    /// Sends a command to Prospero; false once Prospero has ended.
    pub(crate) fn command(&self, command: Command) -> bool {
        self.prospero.send(command).is_ok()
    }

    /// Hands a child started elsewhere to its supervisor process; false
    /// (the child stopped) once Prospero has ended.
    pub(crate) fn adopt(
        self: &Arc<Self>,
        supervisor: &ActorId,
        started: Box<prospero::Started>,
        notify: Option<SpawnReply>,
        adopted: Option<oneshot::Sender<()>>,
    ) -> bool {
        let command = Command::Supervisor {
            supervisor: supervisor.clone(),
            message: SupervisorMessage::Adopt {
                started,
                notify,
                adopted,
            },
        };
        match self.prospero.send(command) {
            Ok(()) => true,
            Err(mpsc::error::SendError(command)) => {
                if let Command::Supervisor {
                    message: SupervisorMessage::Adopt { started, .. },
                    ..
                } = command
                {
                    started.abandon(self);
                }
                false
            }
        }
    }

    /// Whether `id` belongs to this system (its first path segment is
    /// this system's name).
    pub(crate) fn is_local(&self, id: &ActorId) -> bool {
        id.path()
            .strip_prefix(self.root.path())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// A fresh id for a child of `parent` started from `spec`.
    pub(crate) fn child_id(&self, parent: &ActorId, spec: &AnySpec) -> Result<ActorId, SpawnError> {
        let instance = self.next_instance.fetch_add(1, Ordering::Relaxed);
        let name = match spec.config().name() {
            Some(name) => name,
            None => default_name(spec.config().kind()),
        };
        let mut last = self.last_child.lock();
        if let Some(sibling) = last.as_ref()
            && is_child_path(sibling.path(), parent.path(), name)
        {
            // The same (valid) path: share it rather than copy it.
            return Ok(sibling.with_instance(instance));
        }
        let id = parent
            .child(name, instance)
            .map_err(|source| SpawnError::InvalidName {
                name: name.to_owned(),
                source,
            })?;
        *last = Some(id.clone());
        Ok(id)
    }

    /// Puts a message into its target's mailbox (or ask slot), applying the
    /// backpressure policy; messages the policy drops become dead letters here.
    pub(crate) fn deliver(
        &self,
        target: &ActorId,
        message: AnyMessage,
        priority: ActorPriority,
        sender: Option<&ActorId>,
    ) -> Result<(), Undelivered> {
        // Another system's actor goes to the transport; this also keeps
        // the per-thread cache, shared by every system in the process, to
        // this system's ids.
        if !self.is_local(target) {
            return self.remote.send(target, message, priority, sender);
        }
        let message = match registry::remembered(target) {
            Some(cell) => match self.deliver_to(&cell, target, message, priority, sender) {
                Err(Undelivered {
                    reason: DeadLetterReason::ActorStopped,
                    message,
                }) => {
                    // Closed: ask the registry, as if nothing was remembered.
                    registry::forget();
                    message
                }
                delivered => return delivered,
            },
            None => message,
        };
        let cell = match self.registry.get(target) {
            None => {
                return Err(Undelivered {
                    reason: DeadLetterReason::UnknownActor,
                    message,
                });
            }
            Some(Entry::Reply(slot)) => {
                return slot.deliver(message).map_err(|message| Undelivered {
                    reason: DeadLetterReason::UnknownActor,
                    message,
                });
            }
            Some(Entry::Actor(cell)) => cell,
        };
        registry::remember(&cell, target);
        self.deliver_to(&cell, target, message, priority, sender)
    }

    /// Puts a message into `cell`'s mailbox, applying its policy.
    fn deliver_to(
        &self,
        cell: &ActorCell,
        target: &ActorId,
        message: AnyMessage,
        priority: ActorPriority,
        sender: Option<&ActorId>,
    ) -> Result<(), Undelivered> {
        if message.type_id() != cell.message_type {
            return Err(Undelivered {
                reason: DeadLetterReason::WrongMessageType {
                    expected: cell.message_type_name(),
                },
                message,
            });
        }
        let capacity = cell.mailbox.policy().capacity().unwrap_or(usize::MAX);
        let envelope = Envelope {
            message,
            sender: sender.cloned(),
        };
        match cell.mailbox.push(envelope, priority) {
            Ok(pushed) => {
                self.pushed(cell, target, pushed);
                Ok(())
            }
            Err(Refused::Full(envelope)) => Err(Undelivered {
                reason: DeadLetterReason::Rejected { capacity },
                message: envelope.message,
            }),
            Err(Refused::Closed(envelope)) => Err(Undelivered {
                reason: DeadLetterReason::ActorStopped,
                message: envelope.message,
            }),
        }
    }

    /// Counts an accepted push and records what the policy pushed out.
    fn pushed(&self, cell: &ActorCell, target: &ActorId, pushed: Pushed) {
        let capacity = cell.mailbox.policy().capacity().unwrap_or(usize::MAX);
        match pushed {
            Pushed::Queued => cell.stats.received(),
            Pushed::Evicted(victim) => {
                cell.stats.received();
                self.dead_letter(target, victim, DeadLetterReason::EvictedOldest { capacity });
            }
            Pushed::Dropped(newest) => {
                self.dead_letter(target, newest, DeadLetterReason::DroppedNewest { capacity });
            }
        }
    }

    /// Delivers an erased message; what is not delivered becomes a dead letter.
    pub(crate) fn tell_erased(
        &self,
        target: &ActorId,
        message: AnyMessage,
        priority: ActorPriority,
        sender: Option<&ActorId>,
    ) {
        if let Err(undelivered) = self.deliver(target, message, priority, sender) {
            self.dead_letter_record(DeadLetter {
                target: target.clone(),
                sender: sender.cloned(),
                message: undelivered.message,
                reason: undelivered.reason,
            });
        }
    }

    fn dead_letter(&self, target: &ActorId, envelope: Envelope, reason: DeadLetterReason) {
        self.dead_letter_record(DeadLetter {
            target: target.clone(),
            sender: envelope.sender,
            message: envelope.message,
            reason,
        });
    }

    /// Records a dead letter; when it is the request of one of this
    /// system's asks (its sender is the ask's reply id), that ask fails now
    /// with the reason instead of waiting out its timeout.
    pub(crate) fn dead_letter_record(&self, letter: DeadLetter) {
        if let Some(sender) = &letter.sender {
            self.fail_ask(sender, AskFailure::Dropped(letter.reason.clone()));
        }
        self.dead_letters.record(letter);
    }

    /// Ends the ask whose reply id is `reply_id` with `failure`; nothing
    /// when `reply_id` is not a pending ask of this system.
    pub(crate) fn fail_ask(&self, reply_id: &ActorId, failure: AskFailure) {
        if reply_id.is_ask_reply()
            && self.is_local(reply_id)
            && let Some(Entry::Reply(slot)) = self.registry.get(reply_id)
        {
            slot.fail(failure);
        }
    }

    /// Sends what a closed mailbox still held to dead letters.
    pub(crate) fn bury(&self, target: &ActorId, drained: Vec<Envelope>) {
        for envelope in drained {
            self.dead_letter(target, envelope, DeadLetterReason::ActorStopped);
        }
    }

    /// Records how the system ended (the first ending wins).
    pub(crate) fn finish(&self, failure: Option<SystemFailure>) {
        let result = match &failure {
            Some(failure) => Err(failure.clone()),
            None => Ok(()),
        };
        let changed = self.exit.send_if_modified(|exit| {
            if exit.is_none() {
                *exit = Some(result);
                true
            } else {
                false
            }
        });
        if changed {
            match &failure {
                Some(failure) => {
                    tracing::error!(target: "olivier::system", system = %self.root, %failure, "actor system shut down");
                }
                None => {
                    tracing::info!(target: "olivier::system", system = %self.root, "actor system shut down")
                }
            }
            self.events.emit(SystemEvent::ShutDown { failure });
        }
    }

    /// A receiver of how the system ended (`None` while it runs).
    pub(crate) fn exit_watch(&self) -> watch::Receiver<Option<Result<(), SystemFailure>>> {
        self.exit.subscribe()
    }

    /// Every actor type's metrics as Prometheus text.
    pub(crate) fn metrics_text(&self) -> String {
        metrics::export::render(&self.metrics, &self.registry)
    }

    pub(crate) fn reply_id(&self) -> ActorId {
        let correlation = self.next_instance.fetch_add(1, Ordering::Relaxed);
        self.registry.reply_id(correlation)
    }

    /// An ask's answer as the type the ask awaits; another type is a dead
    /// letter and [`AskError::WrongReplyType`].
    fn typed_reply<R: Message>(
        &self,
        target: &ActorId,
        reply_id: &ActorId,
        message: AnyMessage,
    ) -> Result<R, AskError> {
        crate::remote::decoded_reply::<R>(message).map_err(|other| {
            let found = other.type_name();
            self.dead_letters.record(DeadLetter {
                target: reply_id.clone(),
                sender: Some(target.clone()),
                message: other,
                reason: DeadLetterReason::WrongMessageType {
                    expected: R::TYPE_NAME,
                },
            });
            AskError::WrongReplyType {
                target: target.clone(),
                expected: R::TYPE_NAME,
                found,
            }
        })
    }

    /// Turns an undelivered typed message into its error, recording a dead letter.
    fn refuse<M: Message>(&self, target: &ActorId, undelivered: Undelivered) -> TellError<M> {
        let found = undelivered.message.type_name();
        self.dead_letters.record(DeadLetter {
            target: target.clone(),
            sender: None,
            message: undelivered.message.clone(),
            reason: undelivered.reason.clone(),
        });
        let message = take_back::<M>(undelivered.message);
        let target = target.clone();
        match undelivered.reason {
            DeadLetterReason::Rejected { capacity } => TellError::MailboxFull {
                target,
                capacity,
                message,
            },
            DeadLetterReason::WrongMessageType { expected } => TellError::WrongMessageType {
                target,
                expected,
                found,
                message,
            },
            DeadLetterReason::Unreachable(error) => TellError::Unreachable {
                target,
                error,
                message,
            },
            _ => TellError::UnknownActor { target, message },
        }
    }
}

/// The error of an ask whose request will never be answered.
pub(crate) fn failed_ask(target: &ActorId, failure: AskFailure) -> AskError {
    let target = target.clone();
    match failure {
        AskFailure::HandlerFailed(error) => AskError::HandlerFailed { target, error },
        AskFailure::Dropped(DeadLetterReason::ActorStopped) => AskError::ActorStopped { target },
        AskFailure::Dropped(DeadLetterReason::UnknownActor) => AskError::UnknownActor { target },
        AskFailure::Dropped(reason) => AskError::Dropped { target, reason },
    }
}

/// The message a typed send erased, taken back out.
fn take_back<M: Message>(message: AnyMessage) -> M {
    match message.downcast::<M>() {
        Ok(message) => message,
        Err(_) => erased_type_changed(),
    }
}

#[cold]
fn erased_type_changed() -> ! {
    unreachable!("a message erased by a typed send came back with another type")
}

/// Whether `path` is `parent/name`.
fn is_child_path(path: &str, parent: &str, name: &str) -> bool {
    path.len() == parent.len() + 1 + name.len()
        && path.starts_with(parent)
        && path.as_bytes()[parent.len()] == b'/'
        && path.ends_with(name)
}

fn default_name(kind: &str) -> &str {
    let last = kind.rsplit(['.', ':']).next().unwrap_or(kind);
    if last.is_empty()
        || last.contains(|c: char| c == '/' || c == '#' || c.is_whitespace() || c.is_control())
    {
        "actor"
    } else {
        last
    }
}

impl ActorSystem {
    /// A builder with the defaults: name `olivier`, one-for-one supervision
    /// allowing 3 restarts a minute, the current tokio runtime.
    pub fn builder() -> ActorSystemBuilder {
        ActorSystemBuilder::default()
    }

    /// What every handle shares (for the `remote` module's methods).
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
        let started = prospero::start_child(&self.inner, supervisor, spec, id.clone())?;
        // Returns once the supervisor adopted the actor and started its task.
        let (adopted, answer) = oneshot::channel();
        if !self.inner.adopt(supervisor, started, None, Some(adopted)) {
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

    /// Starts an explicit supervisor under the root: a supervision subtree
    /// with its own strategy, whose children are spawned through it.
    ///
    /// # Errors
    ///
    /// [`SpawnError::ShutDown`].
    pub async fn supervisor(
        &self,
        strategy: SupervisionStrategy,
    ) -> Result<Supervisor, SpawnError> {
        let root = self.inner.root.clone();
        self.supervisor_under(&root, strategy).await
    }

    /// Starts an explicit supervisor under the root from `spec`: its
    /// restart type, then its children one at a time in order, all or
    /// nothing as OTP's `start_link`: when a child fails to start, the
    /// children already started are stopped in reverse order, the
    /// supervisor is stopped, and the start fails.
    ///
    /// # Errors
    ///
    /// [`SpawnError::StartFailed`] naming the child that did not start,
    /// [`SpawnError::InvalidName`], [`SpawnError::ShutDown`].
    pub async fn start_supervisor(&self, spec: SupervisorSpec) -> Result<Supervisor, SpawnError> {
        let root = self.inner.root.clone();
        self.start_supervisor_under(&root, spec).await
    }

    pub(crate) async fn start_supervisor_under(
        &self,
        parent: &ActorId,
        spec: SupervisorSpec,
    ) -> Result<Supervisor, SpawnError> {
        let (strategy, restart, children) = spec.into_parts();
        let supervisor = self.supervisor_with(parent, strategy, restart).await?;
        for child in children {
            if let Err(error) = self.spawn_under(supervisor.id(), child).await {
                // Roll back: the started children stop in reverse order.
                let _ = self.stop(supervisor.id()).await;
                return Err(error);
            }
        }
        Ok(supervisor)
    }

    /// The root's children in start order, running or not (OTP's
    /// `which_children` on the top supervisor).
    ///
    /// # Errors
    ///
    /// [`ChildError::SupervisorGone`] once the system has shut down.
    pub async fn which_children(&self) -> Result<Vec<ChildSummary>, ChildError> {
        Supervisor::new(self.clone(), self.inner.root.clone())
            .which_children()
            .await
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

    pub(crate) async fn supervisor_under(
        &self,
        parent: &ActorId,
        strategy: SupervisionStrategy,
    ) -> Result<Supervisor, SpawnError> {
        self.supervisor_with(parent, strategy, RestartType::Permanent)
            .await
    }

    async fn supervisor_with(
        &self,
        parent: &ActorId,
        strategy: SupervisionStrategy,
        restart: RestartType,
    ) -> Result<Supervisor, SpawnError> {
        let instance = self.inner.next_instance.fetch_add(1, Ordering::Relaxed);
        let id =
            parent
                .child("supervisor", instance)
                .map_err(|source| SpawnError::InvalidName {
                    name: "supervisor".to_owned(),
                    source,
                })?;
        let (reply, answer) = oneshot::channel();
        let command = Command::Supervisor {
            supervisor: parent.clone(),
            message: SupervisorMessage::SpawnSupervisor {
                id: id.clone(),
                strategy,
                restart,
                reply,
            },
        };
        if !self.inner.command(command) {
            return Err(SpawnError::ShutDown);
        }
        answer.await.map_err(|_| SpawnError::ShutDown)??;
        Ok(Supervisor::new(self.clone(), id))
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

    /// Asks: builds the request around a temporary reply reference (whose
    /// instance number is the request's correlation id), sends it, and
    /// awaits the one answer.
    ///
    /// # Errors
    ///
    /// [`AskError::Timeout`], [`AskError::ActorStopped`] when the actor
    /// stops first, [`AskError::MailboxFull`], [`AskError::UnknownActor`],
    /// [`AskError::WrongMessageType`], [`AskError::WrongReplyType`]; for an
    /// actor of another system ([`crate::remote`]) [`AskError::Unreachable`],
    /// [`AskError::RefusedByPeer`], [`AskError::UndecodableReply`].
    pub async fn ask<M: Message, R: Message>(
        &self,
        target: &ActorRef<M>,
        request: impl FnOnce(ActorRef<R>) -> M,
        timeout: Duration,
    ) -> Result<R, AskError> {
        if !self.inner.is_local(target.id()) {
            return crate::remote::ask(&self.inner, target, request, timeout).await;
        }
        let reply_id = self.inner.reply_id();
        let deadline = tokio::time::Instant::now() + timeout;
        let (reply, answer) = oneshot::channel();
        self.inner.registry.insert(
            reply_id.clone(),
            Entry::Reply(Arc::new(ReplySlot::new(reply))),
        );
        let _slot = ReplyGuard {
            system: &self.inner,
            id: reply_id.clone(),
        };
        // The reply id is the request's sender, so a drop of the request or
        // a failure of its handler ends the ask at once (`fail_ask`).
        self.inner
            .deliver(
                target.id(),
                AnyMessage::new(request(ActorRef::new(reply_id.clone()))),
                ActorPriority::Normal,
                Some(&reply_id),
            )
            .map_err(|undelivered| self.inner.refuse::<M>(target.id(), undelivered))?;
        // The tell just remembered the cell on this thread.
        let cell =
            registry::remembered(target.id()).or_else(|| self.inner.registry.actor(target.id()));
        let stopped = async {
            match &cell {
                Some(cell) => cell.mailbox.closed().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            answer = answer => match answer {
                Ok(Answer::Reply(message)) => self.inner.typed_reply(target.id(), &reply_id, message),
                Ok(Answer::Failed(failure)) => Err(failed_ask(target.id(), failure)),
                Err(_) => Err(AskError::ActorStopped { target: target.id().clone() }),
            },
            () = stopped => Err(AskError::ActorStopped { target: target.id().clone() }),
            () = tokio::time::sleep_until(deadline) => Err(AskError::Timeout { target: target.id().clone(), after: timeout }),
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

    /// A stream of the [`SystemEvent`]s emitted from now on.
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

/// Removes an ask's reply slot however the ask ends.
struct ReplyGuard<'a> {
    system: &'a SystemInner,
    id: ActorId,
}

impl Drop for ReplyGuard<'_> {
    fn drop(&mut self) {
        self.system.registry.remove(&self.id);
    }
}
