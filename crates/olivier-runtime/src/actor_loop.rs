//! The actor's task: one message at a time, system requests first.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use alloy_actors::ActorError;
use alloy_actors::runtime::{Failure, MessageSlot, Outcome};

use crate::arena::ChargeScope;
use crate::body::{Body, ExitCause, Settled, TaskExit};
use crate::dead_letters::{DeadLetter, DeadLetterReason};
use crate::incarnation::settle;
use crate::kernel::SystemInner;
use crate::mailbox::{Envelope, Next};
use crate::protocol::{Command, SupervisorMessage};
use crate::registry::{ActorCell, AskFailure};

/// How many messages a task handles before it lets other tasks run.
const FAIR_SHARE: u32 = 64;

/// Takes what the current task of `cell` handed back, if it has.
pub(crate) fn take_exit(cell: &ActorCell) -> Option<TaskExit> {
    cell.mailbox.take_exit().map(|exit| *exit)
}

/// What an actor's task holds besides the body. Dropped without having
/// handed the body back, it hands back that the task ended, so Prospero
/// does not wait for it until the shutdown timeout.
struct Task {
    system: Arc<SystemInner>,
    cell: Arc<ActorCell>,
    incarnation: u64,
    handed_back: bool,
}

impl Task {
    /// Hands `exit` back to Prospero through the mailbox and wakes it;
    /// false (the exit dropped here) when the incarnation was superseded.
    fn hand_back(&mut self, exit: TaskExit) -> bool {
        self.handed_back = true;
        let taken = self
            .cell
            .mailbox
            .hand_back(self.incarnation, Box::new(exit))
            .is_ok();
        if taken {
            self.system.handed_back.notify_waiters();
        }
        taken
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if !self.handed_back {
            self.hand_back(TaskExit {
                body: None,
                cause: ExitCause::Failed(ActorError::msg(
                    "the actor's task ended without handing its state back",
                )),
            });
        }
    }
}

/// Runs incarnation `incarnation` of the actor until it yields, stops, fails
/// or restarts; hands its body back through its mailbox and, unless
/// Prospero asked for it, tells its supervisor.
///
/// Every idle actor's task holds this future, so it is kept small: the body
/// is boxed, and an `async move` block (unlike an `async fn`) does not copy
/// its arguments into a second set of locals.
pub(crate) fn run(
    system: Arc<SystemInner>,
    cell: Arc<ActorCell>,
    mut body: Box<Body>,
    incarnation: u64,
) -> impl Future<Output = ()> + Send + 'static {
    let mut task = Task {
        system,
        cell,
        incarnation,
        handed_back: false,
    };
    async move {
        let mut served = 0u32;
        // When the next message is ready at once, its processing starts when
        // the previous one ended: one clock read per message, not two.
        let mut previous_end: Option<Instant> = None;
        let cause = loop {
            // Ready at once while messages wait; when none does, the
            // waker is kept under the mailbox lock and the idle actor's
            // arena is noted.
            // (The arena is borrowed mutably: it is `Send`, not `Sync`.)
            let (idle_cell, arena, previous) = (&task.cell, &mut body.arena, &mut previous_end);
            let next = std::future::poll_fn(move |cx| {
                let polled = idle_cell.mailbox.poll_next(incarnation, cx);
                if polled.is_pending() {
                    *previous = None;
                    if !arena.is_idle() {
                        idle_cell.note_arena_bytes(arena.stats().reserved);
                    }
                }
                polled
            })
            .await;
            let envelope = match next {
                Next::User(envelope) => envelope,
                Next::Yield => break ExitCause::Yielded,
                // Aborted after a shutdown timeout: the body is dropped unheard.
                Next::Superseded => return,
            };
            let started = previous_end.unwrap_or_else(Instant::now);
            let ended = match handle(
                &task.system,
                &task.cell,
                &mut body,
                envelope,
                started,
                incarnation,
            ) {
                Handled::Running(ended) => ended,
                Handled::Exit(cause) => break cause,
                // Aborted while in the handler: its outcome is dropped unsettled.
                Handled::Superseded => return,
            };
            previous_end = Some(ended);
            served = served.wrapping_add(1);
            if served.is_multiple_of(FAIR_SHARE) {
                tokio::task::yield_now().await;
                previous_end = None;
            }
        };
        let asked = matches!(cause, ExitCause::Yielded);
        let exit = TaskExit {
            body: Some(body),
            cause,
        };
        if task.hand_back(exit) && !asked {
            task.system.command(Command::Supervisor {
                supervisor: task.cell.parent.clone(),
                message: SupervisorMessage::ChildExited {
                    child: task.cell.id.clone(),
                    incarnation,
                },
            });
        }
    }
}

/// How handling one message ended.
enum Handled {
    /// The actor takes its next message; the message ended at this instant.
    Running(Instant),
    /// The task ends.
    Exit(ExitCause),
    /// The task was superseded (aborted after a shutdown timeout) while the
    /// handler ran: nothing of the outcome was committed or performed.
    Superseded,
}

/// Handles one message inside its tracing span; counts it as processed,
/// timed from `started`.
///
/// The outcome is settled (state committed, side effects performed) only
/// if the task is still the actor's current incarnation when the handler
/// returns: an aborted task's late outcome never reaches the store or
/// other actors.
fn handle(
    system: &Arc<SystemInner>,
    cell: &ActorCell,
    body: &mut Body,
    envelope: Envelope,
    started: Instant,
    incarnation: u64,
) -> Handled {
    let span = tracing::trace_span!(
        "olivier.message",
        actor = %cell.id,
        actor_type = cell.message_type_name()
    );
    let _entered = span.enter();
    let Envelope { message, sender } = envelope;
    let mut slot = MessageSlot::erased(message);
    // The most the behavior holds at once while it handles the message
    // (frees subtracted; counted when `ArenaAlloc` is installed) is checked
    // against the actor's arena budget when it returns.
    let charge = ChargeScope::enter();
    let received = body.actor.receive(&mut slot);
    let charged = charge.exit();
    match received {
        Ok(outcome) => {
            if !cell.mailbox.is_current(incarnation) {
                // Killed while it handled an ask's request: the ask ends
                // now, as its answer will never come.
                if let Some(sender) = &sender {
                    system.fail_ask(sender, AskFailure::Dropped(DeadLetterReason::ActorStopped));
                }
                return Handled::Superseded;
            }
            let outcome = match body.arena.charge(charged) {
                Ok(()) => outcome,
                // Over budget: the outcome is refused as a failure (the
                // error policy's `Resume` goes back to the state before).
                Err(exhausted) => Outcome::Failed(Failure::Escalated(ActorError::new(exhausted))),
            };
            let settled = settle(system, body, outcome);
            body.arena.reset();
            if let (Some(error), Some(sender)) = (settled.failure(), &sender) {
                // An ask's request failed: the ask ends now, not at its timeout.
                system.fail_ask(sender, AskFailure::HandlerFailed(error.clone()));
            }
            let ended = Instant::now();
            cell.stats
                .processed(ended.saturating_duration_since(started));
            match settled {
                Settled::Running | Settled::Resumed(_) => Handled::Running(ended),
                Settled::Exit(cause) => Handled::Exit(cause),
            }
        }
        Err(wrong) => {
            if let Some(message) = slot.into_erased() {
                system.dead_letter_record(DeadLetter {
                    target: cell.id.clone(),
                    sender,
                    message,
                    reason: DeadLetterReason::WrongMessageType {
                        expected: wrong.expected,
                    },
                });
            }
            Handled::Running(started)
        }
    }
}

#[cfg(test)]
mod tests;
