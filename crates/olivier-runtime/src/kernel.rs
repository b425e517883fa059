//! The kernel every layer shares: the system's state ([`SystemInner`]),
//! delivery into mailboxes and reply slots, dead letters, and the way out
//! to other systems ([`Outbound`], which the remote transport implements).
//!
//! It knows nothing of supervision processes, the actor loop or the
//! transports above it: they import the kernel, never the other way.

use std::any::Any;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use std::collections::HashMap;

use alloy_actors::{
    ActorId, ActorPriority, AnyMessage, AnySpec, Message, SupervisionStrategy, WatchReply,
};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

use crate::arena::ArenaBudget;
use crate::dead_letters::{DeadLetter, DeadLetterHub, DeadLetterReason};
use crate::error::{AskError, SpawnError, SystemFailure, TellError};
use crate::events::{EventHub, SystemEvent};
use crate::mailbox::{Envelope, Pushed, Refused};
use crate::metrics::{self, Metrics};
use crate::persistence::Persistence;
use crate::platform::ProsperoPriority;
use crate::protocol::Command;
use crate::registry::{self, ActorCell, AskFailure, Entry, Registry};
use crate::remote::stats::RemoteStats;

/// The way to actors of other systems: the remote transport implements it,
/// so the kernel delivers to it without depending on it.
pub(crate) trait Outbound: Send + Sync + fmt::Debug {
    /// Sends a tell (or an ask's answer) to an actor of another system.
    fn send(
        &self,
        target: &ActorId,
        message: AnyMessage,
        priority: ActorPriority,
        sender: Option<&ActorId>,
    ) -> Result<(), Undelivered>;
    /// Remembers how to decode the messages `spec`'s actor accepts.
    fn learn(&self, spec: &AnySpec);
    /// Asks `target`'s system to say when `target` ends; an error (no
    /// link, say) means no word will come.
    fn watch(&self, target: &ActorId) -> Result<(), String>;
    /// What the transport refused, dropped or lost so far.
    fn stats(&self) -> RemoteStats;
    /// A local actor ended: tell the systems that watch it.
    fn actor_gone(&self, actor: &ActorId, reason: &str);
    /// The transport itself, for its own modules.
    fn as_any(&self) -> &dyn Any;
    /// The system has ended: release what outlives it (socket files).
    fn finish(&self);
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
    pub(crate) arena: ArenaBudgets,
    /// The explicit supervisors whose process runs (added and removed by
    /// Prospero), so a spawn under a stopped one is refused up front.
    pub(crate) supervisors: parking_lot::Mutex<std::collections::HashSet<ActorId>>,
    pub(crate) metrics: Arc<Metrics>,
    /// Connections to other systems (`remote.rs`).
    pub(crate) remote: Arc<dyn Outbound>,
    pub(crate) metrics_addr: std::sync::OnceLock<SocketAddr>,
    pub(crate) prospero: mpsc::UnboundedSender<Command>,
    pub(crate) priority: std::sync::OnceLock<ProsperoPriority>,
    pub(crate) exit: watch::Sender<Option<Result<(), SystemFailure>>>,
    pub(crate) next_instance: AtomicU64,
    /// The id made last by `child_id`: siblings spawned under the same name
    /// share its path allocation (per system, so ids of two systems never
    /// share one and the delivery cache's identity match stays exact).
    pub(crate) last_child: parking_lot::Mutex<Option<ActorId>>,
    /// Woken whenever a task hands an actor's body back through its
    /// mailbox (Prospero waits on it while it stops a task): one wake-up
    /// for the system rather than a channel per running actor.
    pub(crate) handed_back: tokio::sync::Notify,
    /// Who watches which actor (of this system or another).
    pub(crate) watchers: parking_lot::Mutex<HashMap<ActorId, Vec<WatchReply>>>,
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
                // A registered name: delivered to the actor it stands for now.
                if let Some(actor) = self.registry.resolve(target) {
                    return self.deliver(&actor, message, priority, sender);
                }
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
    pub(crate) fn pushed(&self, cell: &ActorCell, target: &ActorId, pushed: Pushed) {
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

    /// Watches `target` for `notify` ([`SideEffect::Watch`](alloy_actors::SideEffect::Watch)):
    /// a [`Terminated`](alloy_actors::Terminated) notice comes when it
    /// ends, at once when it is unknown or out of reach.
    pub(crate) fn watch(&self, target: &ActorId, notify: WatchReply) {
        if self.is_local(target) {
            let actor = self
                .registry
                .resolve(target)
                .unwrap_or_else(|| target.clone());
            if !Self::add_watcher(&mut self.watchers.lock(), &actor, notify) {
                return;
            }
            // Checked after the watch is in place, so an end in between is
            // not missed.
            if self.registry.actor(&actor).is_none() {
                self.terminated(&actor, "no such actor: it never ran, or it has stopped");
            }
            return;
        }
        let first = {
            let mut watchers = self.watchers.lock();
            let first = !watchers.contains_key(target);
            if !Self::add_watcher(&mut watchers, target, notify) {
                return;
            }
            first
        };
        // One Watch frame per remote target, however many watch it here.
        if first && let Err(reason) = self.remote.watch(target) {
            self.terminated(target, &reason);
        }
    }

    /// Adds `notify` to `actor`'s watchers; false when it watches already
    /// (one notice comes, whatever the number of watch calls).
    fn add_watcher(
        watchers: &mut HashMap<ActorId, Vec<WatchReply>>,
        actor: &ActorId,
        notify: WatchReply,
    ) -> bool {
        let list = watchers.entry(actor.clone()).or_default();
        if list.iter().any(|known| known.target() == notify.target()) {
            return false;
        }
        list.push(notify);
        true
    }

    /// `actor` ended for good: its id goes, and its watchers hear it,
    /// here and on other systems.
    pub(crate) fn actor_gone(&self, actor: &ActorId, reason: &str) {
        self.registry.remove(actor);
        self.terminated(actor, reason);
        self.remote.actor_gone(actor, reason);
        // Its own watches go with it.
        let mut watchers = self.watchers.lock();
        if !watchers.is_empty() {
            watchers.retain(|_, list| {
                list.retain(|notify| notify.target() != actor);
                !list.is_empty()
            });
        }
    }

    /// Tells every watcher of `actor` that it ended.
    pub(crate) fn terminated(&self, actor: &ActorId, reason: &str) {
        let watchers = self.watchers.lock().remove(actor);
        for notify in watchers.into_iter().flatten() {
            self.notify_terminated(&notify, actor, reason);
        }
    }

    /// The link to `system` was lost: every watcher of its actors hears it.
    pub(crate) fn system_lost(&self, system: &str) {
        let lost: Vec<(ActorId, Vec<WatchReply>)> = {
            let mut watchers = self.watchers.lock();
            let keys: Vec<ActorId> = watchers
                .keys()
                .filter(|actor| actor.system() == system)
                .cloned()
                .collect();
            keys.into_iter()
                .filter_map(|actor| watchers.remove(&actor).map(|list| (actor, list)))
                .collect()
        };
        let reason = format!("the link to system `{system}` was lost");
        for (actor, list) in lost {
            for notify in list {
                self.notify_terminated(&notify, &actor, &reason);
            }
        }
    }

    fn notify_terminated(&self, notify: &WatchReply, actor: &ActorId, reason: &str) {
        let notice = notify.notice(actor.clone(), reason);
        self.tell_erased(notify.target(), notice, ActorPriority::Control, None);
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
        // Before the ending is visible: whoever waits for it finds the
        // transport's files gone.
        if self.exit.borrow().is_none() {
            self.remote.finish();
        }
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
        metrics::export::render(&self.metrics, &self.registry, self.remote.stats())
    }

    /// A fresh reply id for an ask: its instance is random, so no one can
    /// answer an ask whose id it was not given.
    pub(crate) fn reply_id(&self) -> ActorId {
        self.registry.reply_id(crate::random::unguessable_u64())
    }

    /// Turns an undelivered typed message into its error, recording a dead letter.
    pub(crate) fn refuse<M: Message>(
        &self,
        target: &ActorId,
        undelivered: Undelivered,
    ) -> TellError<M> {
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
pub(crate) fn take_back<M: Message>(message: AnyMessage) -> M {
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

/// The arena budgets: the system's default and per-path overrides.
#[derive(Debug, Clone, Default)]
pub(crate) struct ArenaBudgets {
    pub(crate) default: ArenaBudget,
    pub(crate) per_path: std::collections::HashMap<String, ArenaBudget>,
}

impl ArenaBudgets {
    /// The budget of the actor `id`.
    pub(crate) fn of(&self, id: &ActorId) -> ArenaBudget {
        if self.per_path.is_empty() {
            return self.default;
        }
        self.per_path
            .get(id.path())
            .copied()
            .unwrap_or(self.default)
    }
}

/// Removes an ask's reply slot from the registry however the ask ends.
pub(crate) struct ReplyGuard<'a> {
    pub(crate) system: &'a SystemInner,
    pub(crate) id: ActorId,
}

impl Drop for ReplyGuard<'_> {
    fn drop(&mut self) {
        self.system.registry.remove(&self.id);
    }
}
