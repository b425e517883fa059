//! One incarnation's outcomes carried out: capabilities checked, the state
//! committed, side effects performed, the error policy applied; and the
//! lifecycle hooks a supervisor runs.
//!
//! Whoever holds a [`Body`] settles its outcomes here, from any thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use alloy_actors::runtime::{DynBehavior, Failure, Outcome, Recovery};
use alloy_actors::{
    ActorError, ActorId, ActorPriority, AnySpec, Capabilities, LifecycleEvent, LogLevel,
    SideEffect, SpawnReply,
};
use tokio::sync::{mpsc, oneshot};

use crate::body::{Body, ExitCause, Settled};
use crate::error::SpawnError;
use crate::events::SystemEvent;
use crate::kernel::SystemInner;
use crate::persistence::Durable;
use crate::protocol::{Command, Started, SupervisorMessage};
use crate::registry::{ActorCell, Entry};

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

/// Decides, once, between a hook run off Prospero's thread and its
/// deadline: either the hook settles its outcome (and its supervisor waits
/// for that to end), or the supervisor cuts it off (and nothing of its
/// outcome is committed or performed). A commit can never begin after
/// the cut-off, nor a cut-off after a commit began.
#[derive(Debug, Default)]
pub(crate) struct HookRace(AtomicU8);

impl HookRace {
    const RUNNING: u8 = 0;
    const SETTLING: u8 = 1;
    const CUT: u8 = 2;

    /// The hook's side, when its handler returned: true if it may settle.
    pub(crate) fn settle(&self) -> bool {
        self.0
            .compare_exchange(
                Self::RUNNING,
                Self::SETTLING,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    /// The supervisor's side, at the deadline: true if the hook is cut
    /// off; false if it is already settling (the supervisor then waits).
    pub(crate) fn cut(&self) -> bool {
        self.0
            .compare_exchange(
                Self::RUNNING,
                Self::CUT,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }
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
    race: &HookRace,
) -> Option<Settled> {
    let outcome = body.actor.lifecycle(event);
    if !race.settle() {
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
                    if let Ok(started) = start_child(system, me, spec, child)
                        && !adopt(system, me, started, reply_to, None)
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
                body.keep_timer(timer, task.abort_handle());
            }
            SideEffect::CancelTimer { timer } => body.cancel_timer(&timer),
            SideEffect::Watch { target, notify } => system.watch(&target, notify),
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

/// Starts the actor `id` from `spec` under `parent` on the calling thread
/// (`init`, the stored state of a durable actor, `PreStart`; registered, so
/// its mailbox takes messages); its supervisor adopts it from the returned
/// [`Started`] and starts its task.
///
/// # Errors
///
/// [`SpawnError::StartFailed`] when it does not start: the actor is not added.
pub(crate) fn start_child(
    system: &Arc<SystemInner>,
    parent: &ActorId,
    spec: AnySpec,
    id: ActorId,
) -> Result<Box<Started>, SpawnError> {
    let durable = system
        .persistence
        .bind(&id, spec.config().capabilities())
        .map_err(|error| refused(id.clone(), error))?;
    let cell = Arc::new(ActorCell::new(
        id.clone(),
        parent.clone(),
        &spec,
        system.metrics.of(spec.message_type_name()),
    ));
    system.remote.learn(&spec);
    system
        .registry
        .insert(id.clone(), Entry::Actor(Arc::clone(&cell)));
    let from = (&**spec.behavior(), spec.config().capabilities());
    let mut body = instantiate(system, from, &id, parent, durable.clone(), &cell);
    let outcome = start(&mut body);
    let ended = match outcome {
        // OTP's `ignore`: listed by its supervisor, never run.
        Outcome::Ignore => Some(ExitCause::Ignored),
        outcome => match settle(system, &mut body, outcome) {
            Settled::Exit(ExitCause::Failed(error)) => {
                // As OTP's start_child: a child whose start fails is not added.
                body.cancel_timers();
                system.actor_gone(&id, "it failed to start");
                system.bury(&id, cell.mailbox.close());
                return Err(refused(id, error));
            }
            Settled::Exit(cause) => Some(cause),
            Settled::Running | Settled::Resumed(_) => None,
        },
    };
    Ok(Box::new(Started {
        spec,
        cell,
        body,
        durable,
        ended,
    }))
}

/// A fresh body for the actor `id` from its spec's behavior and
/// capabilities (boxed: it moves between Prospero and the actor's task, and
/// an idle task's future stays small).
pub(crate) fn instantiate(
    system: &SystemInner,
    (behavior, capabilities): (&dyn DynBehavior, Capabilities),
    id: &ActorId,
    parent: &ActorId,
    durable: Option<Durable>,
    cell: &ActorCell,
) -> Box<Body> {
    Box::new(Body::new(
        behavior.instantiate(id.clone(), Some(parent.clone())),
        capabilities,
        durable,
        Arc::clone(&cell.stats),
        system.arena.of(id),
    ))
}

/// A new actor's first state: `init`, then the stored state for a durable
/// actor that has one, then `PreStart` (as `DynActor::start`, with the
/// rehydration in between).
fn start(body: &mut Body) -> Outcome {
    if let Err(failure) = body.actor.reset() {
        return Outcome::Failed(failure);
    }
    if let Some(durable) = &mut body.durable
        && let Err(error) = durable.rehydrate(body.actor.as_mut())
    {
        return Outcome::Failed(Failure::Escalated(ActorError::new(error)));
    }
    body.actor.lifecycle(LifecycleEvent::PreStart)
}

/// The error of a spawn whose actor did not start (logged).
fn refused(actor: ActorId, error: ActorError) -> SpawnError {
    tracing::warn!(target: "olivier::prospero", %actor, %error, "actor failed to start");
    SpawnError::StartFailed { actor, error }
}

/// Hands a child started elsewhere to its supervisor process; false
/// (the child stopped) once Prospero has ended.
pub(crate) fn adopt(
    system: &Arc<SystemInner>,
    supervisor: &ActorId,
    started: Box<Started>,
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
    match system.prospero.send(command) {
        Ok(()) => true,
        Err(mpsc::error::SendError(command)) => {
            if let Command::Supervisor {
                message: SupervisorMessage::Adopt { started, .. },
                ..
            } = command
            {
                abandon(started, system);
            }
            false
        }
    }
}

/// Stops a child whose supervisor cannot adopt it (it has stopped, or
/// the system shuts down): it gets `PostStop`, and what its mailbox
/// held becomes dead letters.
pub(crate) fn abandon(started: Box<Started>, system: &Arc<SystemInner>) {
    let Started { cell, mut body, .. } = *started;
    tracing::warn!(target: "olivier::prospero", actor = %cell.id, "a spawned actor was stopped: its supervisor could not adopt it");
    post_stop_here(system, &mut body);
    system.actor_gone(&cell.id, "its supervisor could not adopt it");
    system.bury(&cell.id, cell.mailbox.close());
}

/// Delivers `PostStop` on this thread (once: the state is dropped after
/// it) and cancels timers: for a spawned actor that was never adopted.
fn post_stop_here(system: &Arc<SystemInner>, body: &mut Body) {
    if body.actor.has_state() {
        let _ = lifecycle(system, body, LifecycleEvent::PostStop);
        body.actor.discard();
    }
    body.cancel_timers();
}
