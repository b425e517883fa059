//! The body of an actor: its erased behavior instance with its timers and
//! capabilities, and the interpretation of what it returns.
//!
//! A body has one owner at a time: the actor's task while it takes
//! messages, Prospero while it starts, restarts or stops. Whoever holds it
//! settles its outcomes with [`settle`], which performs side effects from
//! any thread.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use alloy_actors::runtime::{DynActor, Failure, Outcome, Recovery};
use alloy_actors::{
    ActorError, ActorId, ActorPriority, Capabilities, LifecycleEvent, LogLevel, SideEffect,
    TimerKey,
};
use tokio::task::AbortHandle;

use crate::SystemEvent;
use crate::arena::{ActorArena, ArenaBudget};
use crate::metrics::TypeStats;
use crate::persistence::Durable;
use crate::prospero;
use crate::system::SystemInner;

/// An actor instance and what the runtime keeps beside it.
pub(crate) struct Body {
    pub(crate) actor: Box<dyn DynActor>,
    pub(crate) capabilities: Capabilities,
    /// Where the state is committed, for a durable actor (boxed: most
    /// actors have none).
    pub(crate) durable: Option<Box<Durable>>,
    /// The counters of the actor's type.
    pub(crate) stats: Arc<TypeStats>,
    /// Per-message scratch memory under the actor's budget; reset after
    /// every message and on restart, released with the body.
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
    fn commit(&mut self) -> Result<(), Failure> {
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

/// Delivers a lifecycle event and settles its outcome.
pub(crate) fn lifecycle(
    system: &Arc<SystemInner>,
    body: &mut Body,
    event: LifecycleEvent,
) -> Settled {
    let outcome = body.actor.lifecycle(event);
    let settled = settle(system, body, outcome);
    body.arena.reset();
    settled
}

/// Delivers a hook run by a supervisor (off Prospero's thread, see
/// `prospero::process`), unless it was cut off meanwhile: a hook that
/// returns after its deadline has nothing of its outcome committed or
/// performed, as its actor was killed (`None` then).
///
/// With `commit` false the hook ends an incarnation (`PreRestart`, or
/// `PostStop` after a failure): its side effects are performed, but its
/// state is not committed, as that state is discarded: a durable actor's
/// recovery point stays the state its last handled message committed.
pub(crate) fn hook(
    system: &Arc<SystemInner>,
    body: &mut Body,
    event: LifecycleEvent,
    commit: bool,
    cut: &AtomicBool,
) -> Option<Settled> {
    let outcome = body.actor.lifecycle(event);
    if cut.load(Ordering::Acquire) {
        body.arena.reset();
        return None;
    }
    let settled = if matches!(outcome, Outcome::Ignore) && commit {
        // A start hook declined to run.
        Settled::Exit(ExitCause::Ignored)
    } else if commit {
        settle(system, body, outcome)
    } else {
        if let Outcome::Continue(effects) | Outcome::Stop { effects, .. } = outcome {
            match allowed(body, &effects) {
                Ok(()) => perform(system, body, effects),
                Err(failure) => {
                    let actor = body.actor.id().clone();
                    tracing::warn!(target: "olivier::actor", actor = %actor, %failure, "cleanup hook refused");
                }
            }
        }
        Settled::Running
    };
    body.arena.reset();
    Some(settled)
}

/// Checks capabilities, commits a durable actor's state, performs side
/// effects, and applies the error policy after a failure.
///
/// The state is committed before any side effect: a reply never leaves
/// before the state it reflects is stored. A failed commit puts the last
/// committed state back and fails the actor, its side effects dropped.
pub(crate) fn settle(system: &Arc<SystemInner>, body: &mut Body, outcome: Outcome) -> Settled {
    match outcome {
        Outcome::Continue(effects) => match allowed(body, &effects).and_then(|()| body.commit()) {
            Ok(()) => {
                perform(system, body, effects);
                Settled::Running
            }
            Err(failure) => fail(system, body, failure),
        },
        Outcome::Stop { reason, effects } => {
            match allowed(body, &effects).and_then(|()| body.commit()) {
                Ok(()) => {
                    perform(system, body, effects);
                    Settled::Exit(ExitCause::Stopped { reason })
                }
                Err(failure) => fail(system, body, failure),
            }
        }
        Outcome::Restart => Settled::Exit(ExitCause::RestartRequested),
        Outcome::Failed(failure) => fail(system, body, failure),
        Outcome::Ignore => Settled::Exit(ExitCause::Stopped {
            reason: "ignored".to_owned(),
        }),
        other => fail(
            system,
            body,
            Failure::Escalated(ActorError::msg(format!(
                "olivier does not know the outcome {other:?}"
            ))),
        ),
    }
}

fn allowed(body: &Body, effects: &[SideEffect]) -> Result<(), Failure> {
    body.capabilities
        .check(body.actor.id(), effects)
        .map_err(|denied| Failure::Escalated(ActorError::new(denied)))
}

fn fail(system: &Arc<SystemInner>, body: &mut Body, failure: Failure) -> Settled {
    let error = failure.to_error();
    body.stats.error();
    let actor = body.actor.id().clone();
    tracing::warn!(target: "olivier::actor", actor = %actor, %failure, "actor failed");
    system.events.emit(SystemEvent::Failed {
        actor,
        error: error.clone(),
    });
    match body.actor.recover() {
        // A resumed state may differ from the committed one (a handler
        // that escalated chose it): commit it; no side effects wait.
        Recovery::Resumed => match body.commit() {
            Ok(()) => Settled::Resumed(error),
            Err(failure) => Settled::Exit(ExitCause::Failed(failure.to_error())),
        },
        Recovery::Restarted => Settled::Exit(ExitCause::RestartedByPolicy(error)),
        Recovery::Escalate | Recovery::Stop | _ => Settled::Exit(ExitCause::Failed(error)),
    }
}

/// Performs side effects in order.
fn perform(system: &Arc<SystemInner>, body: &mut Body, effects: Vec<SideEffect>) {
    for effect in effects {
        let me = body.actor.id();
        match effect {
            SideEffect::Tell {
                target,
                message,
                priority,
            } => system.tell_erased(&target, message, priority, Some(me)),
            SideEffect::Spawn { spec, reply_to } => match system.child_id(me, &spec) {
                // Started here; its failure to start is logged as a warning.
                Ok(child) => {
                    if let Ok(started) = prospero::start_child(system, me, spec, child)
                        && !system.adopt(me, started, reply_to, None)
                    {
                        tracing::warn!(target: "olivier::actor", actor = %me, "spawn after shutdown ignored");
                    }
                }
                Err(error) => {
                    tracing::warn!(target: "olivier::actor", actor = %me, %error, "spawn refused");
                }
            },
            SideEffect::Schedule {
                timer,
                delay,
                target,
                message,
            } => {
                let sender = me.clone();
                let owner = Arc::clone(system);
                let task = system.handle.spawn(async move {
                    tokio::time::sleep(delay).await;
                    owner.tell_erased(&target, message, ActorPriority::Normal, Some(&sender));
                });
                let handle = task.abort_handle();
                match timer {
                    Some(key) => {
                        let timers = body.timers.get_or_insert_with(Box::default);
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
                        let timers = body.timers.get_or_insert_with(Box::default);
                        timers.unkeyed.retain(|timer| !timer.is_finished());
                        timers.unkeyed.push(handle);
                    }
                }
            }
            SideEffect::CancelTimer { timer } => {
                if let Some(pending) = body
                    .timers
                    .as_mut()
                    .and_then(|timers| timers.keyed.remove(&timer))
                {
                    pending.abort();
                }
            }
            SideEffect::Log { level, text } => log(me, level, &text),
            other => {
                tracing::warn!(target: "olivier::actor", actor = %me, ?other, "side effect not supported");
            }
        }
    }
}

fn log(actor: &ActorId, level: LogLevel, text: &str) {
    match level {
        LogLevel::Error => tracing::error!(target: "olivier::actor", actor = %actor, "{text}"),
        LogLevel::Warn => tracing::warn!(target: "olivier::actor", actor = %actor, "{text}"),
        LogLevel::Info => tracing::info!(target: "olivier::actor", actor = %actor, "{text}"),
        LogLevel::Debug => tracing::debug!(target: "olivier::actor", actor = %actor, "{text}"),
        LogLevel::Trace => tracing::trace!(target: "olivier::actor", actor = %actor, "{text}"),
    }
}
