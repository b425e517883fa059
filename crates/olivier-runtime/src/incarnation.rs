//! One incarnation's outcomes carried out: capabilities checked, the state
//! committed, side effects performed, the error policy applied; and the
//! lifecycle hooks a supervisor runs.
//!
//! Whoever holds a [`Body`] settles its outcomes here, from any thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use alloy_actors::runtime::{Failure, Outcome, Recovery};
use alloy_actors::{ActorError, ActorId, ActorPriority, LifecycleEvent, LogLevel, SideEffect};

use crate::SystemEvent;
use crate::body::{Body, ExitCause, Settled};
use crate::prospero;
use crate::system::SystemInner;

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
                body.keep_timer(timer, task.abort_handle());
            }
            SideEffect::CancelTimer { timer } => body.cancel_timer(&timer),
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
