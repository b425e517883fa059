//! Supervision in an object: `SYSTEM` envelopes between parents and
//! children, the directives of the [`SupervisorCore`], escalation, and the
//! actor's own restarts (from its last stored state, see docs/conclave.md).
//!
//! [`SupervisorCore`]: alloy_actors::runtime::SupervisorCore

use std::time::Duration;

use alloy_actors::runtime::{ChildExit, Directive, DynActor};
use alloy_actors::{ActorError, ActorId, Behavior, LifecycleEvent, RestartReason};

use super::effects::error;
use super::loaded::Loaded;
use super::outbox::Outbox;
use crate::wire::{self, ErrorCode, OwnedEnvelope, SystemMsg};

impl<B: Behavior> Loaded<B>
where
    B::State: Sync,
{
    /// Handles a `SYSTEM` envelope: start, child exits, restart, stop.
    pub(crate) fn system(&mut self, envelope: &OwnedEnvelope, now_ms: u64, outbox: &mut Outbox) {
        let message = match wire::from_slice::<SystemMsg>("system message", &envelope.payload) {
            Ok(message) => message,
            Err(error) => {
                worker::console_error!("{}: {error}", self.id);
                return;
            }
        };
        let me = self.id.to_string();
        match message {
            // Loading already created the state of a new child; a stopped
            // one (its supervisor gave up on it) is spawned again afresh.
            SystemMsg::Start => {
                if self.stopped.take().is_some() {
                    let outcome = self.cell.start();
                    self.settle(outcome, None, now_ms, outbox);
                }
            }
            SystemMsg::ChildFailed { child, error: text } => {
                let exit = ChildExit::Failed(error(&text));
                self.child_exited(&child, &exit, &text, now_ms, outbox);
            }
            SystemMsg::ChildStopped { child, reason } => {
                let exit = ChildExit::Normal {
                    reason: reason.clone(),
                };
                self.child_exited(&child, &exit, &reason, now_ms, outbox);
            }
            SystemMsg::Restarted { child } => {
                if let Some(link) = self.children.iter_mut().find(|link| link.id == child) {
                    link.restarts += 1;
                    link.running = true;
                }
            }
            SystemMsg::Restart { failed, reason } => {
                let reason = restart_reason(&me, self.parent.as_ref(), &failed, reason);
                self.stopped = None;
                self.restart(reason, now_ms, outbox);
            }
            SystemMsg::AskExpired {
                client,
                correlation,
            } => {
                let before = self.asks.len();
                self.asks
                    .retain(|ask| !(ask.client == client && ask.correlation == correlation));
                if self.asks.len() != before {
                    let mut timeout = wire::error_for(
                        None,
                        &me,
                        ErrorCode::Timeout,
                        "no reply before the ask's deadline".to_owned(),
                    );
                    timeout.target = client;
                    timeout.correlation = Some(correlation);
                    outbox.push(timeout);
                }
            }
            SystemMsg::Stop { reason } => {
                let last = self.cell.lifecycle(LifecycleEvent::PostStop);
                self.follow(last, now_ms, outbox);
                self.cell.discard();
                self.stopped = Some(reason);
            }
        }
    }

    /// A child exited: the core decides, this actor carries it out.
    fn child_exited(
        &mut self,
        child: &str,
        exit: &ChildExit,
        why: &str,
        now_ms: u64,
        outbox: &mut Outbox,
    ) {
        let Ok(child) = child.parse::<ActorId>() else {
            return;
        };
        let me = self.id.to_string();
        let now = Duration::from_millis(now_ms);
        match self.core.child_exited(&child, exit, now) {
            Directive::Nothing => {}
            Directive::Restart { failed, start, .. } => {
                for id in start {
                    self.core.child_started(&id);
                    let restart = SystemMsg::Restart {
                        failed: failed.to_string(),
                        reason: why.to_owned(),
                    };
                    outbox.push(wire::system(&me, &id.to_string(), &restart));
                }
            }
            Directive::GiveUp { mut stop, reason } => {
                // The failed child's object still lives, waiting for a
                // restart that will not come: it is stopped first.
                if !stop.contains(&child) {
                    stop.insert(0, child.clone());
                }
                for id in stop {
                    let address = id.to_string();
                    let Some(link) = self.children.iter().find(|l| l.id == address) else {
                        continue;
                    };
                    let message = SystemMsg::Stop {
                        reason: reason.to_string(),
                    };
                    // Sent by class: the links are gone when the outbox is flushed.
                    outbox.child(&link.class, wire::system(&me, &address, &message));
                }
                self.give_up_children();
                self.escalate(&reason.to_string(), now_ms, outbox);
            }
            other => {
                worker::console_warn!("{}: directive not supported: {other:?}", self.id);
            }
        }
        self.sync_children();
    }

    /// Copies the core's view (removed temporary children, who runs) into
    /// the stored links.
    fn sync_children(&mut self) {
        let core = &self.core;
        self.children.retain(|link| {
            link.id
                .parse::<ActorId>()
                .is_ok_and(|id| core.contains(&id))
        });
        for link in &mut self.children {
            if let Ok(id) = link.id.parse::<ActorId>()
                && let Some(info) = core.child(&id)
            {
                link.running = info.running;
            }
        }
    }

    /// After the restart intensity was exceeded: the stopped children are
    /// forgotten and the window starts empty, as a supervisor's next
    /// incarnation would (its behavior spawns again what it needs).
    fn give_up_children(&mut self) {
        for link in self.children.drain(..) {
            if let Ok(id) = link.id.parse::<ActorId>() {
                self.core.remove_child(&id);
            }
        }
        self.core.restore_restart_times(std::iter::empty());
    }

    /// Hands a failure to the parent, or, for a root actor, restarts it
    /// as a one-for-one supervisor would.
    pub(super) fn escalate(&mut self, text: &str, now_ms: u64, outbox: &mut Outbox) {
        match &self.parent {
            Some(parent) => {
                let failed = SystemMsg::ChildFailed {
                    child: self.id.to_string(),
                    error: text.to_owned(),
                };
                let envelope = wire::system(&self.id.to_string(), &parent.to_string(), &failed);
                outbox.escalate(envelope, text.to_owned());
            }
            None => self.restart(RestartReason::Failed(ActorError::msg(text)), now_ms, outbox),
        }
    }

    /// Restarts the actor: `PreRestart`, then `init`'s state and, unless the
    /// behavior asked for the reset itself, its last stored state back (the
    /// recovery point), then `PostRestart`. Its children restart with it
    /// (as in OTP), and its parent is told the restart is done.
    pub(super) fn restart(&mut self, reason: RestartReason, now_ms: u64, outbox: &mut Outbox) {
        let reset = matches!(reason, RestartReason::Requested);
        let before = self.cell.lifecycle(LifecycleEvent::PreRestart { reason });
        self.follow(before, now_ms, outbox);
        if let Err(failure) = self.cell.reset() {
            worker::console_error!("{}: init failed on restart: {failure}", self.id);
            self.stopped = Some(failure.to_string());
            return;
        }
        if !reset {
            self.revert_to_committed();
        }
        self.record.restarts += 1;
        let after = self.cell.lifecycle(LifecycleEvent::PostRestart);
        self.follow(after, now_ms, outbox);
        self.restart_children(outbox);
        if let Some(parent) = &self.parent {
            let me = self.id.to_string();
            let done = SystemMsg::Restarted { child: me.clone() };
            outbox.push(wire::system(&me, &parent.to_string(), &done));
        }
    }

    /// Restarts every child with this supervisor.
    fn restart_children(&mut self, outbox: &mut Outbox) {
        let me = self.id.to_string();
        for link in &mut self.children {
            if let Ok(id) = link.id.parse::<ActorId>() {
                self.core.child_started(&id);
            }
            link.running = true;
            let restart = SystemMsg::Restart {
                failed: me.clone(),
                reason: "its supervisor restarted".to_owned(),
            };
            outbox.child(&link.class, wire::system(&me, &link.id, &restart));
        }
    }
}

/// Why a `SYSTEM Restart` restarts actor `me` (child of `parent`): its own
/// failure, its supervisor's restart, or a sibling's failure.
pub(crate) fn restart_reason(
    me: &str,
    parent: Option<&ActorId>,
    failed: &str,
    reason: String,
) -> RestartReason {
    if failed == me {
        return RestartReason::Failed(ActorError::msg(reason));
    }
    match failed.parse::<ActorId>() {
        Ok(supervisor) if Some(&supervisor) == parent => {
            RestartReason::SupervisorRestarted { supervisor }
        }
        Ok(sibling) => RestartReason::SiblingFailed { sibling },
        Err(_) => RestartReason::Failed(ActorError::msg(reason)),
    }
}

#[cfg(test)]
mod tests;
