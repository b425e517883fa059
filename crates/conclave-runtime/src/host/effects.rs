//! What an outcome makes the host do: side effects, stop, restart or
//! recovery, and the spawning of children.

use alloy_actors::runtime::{DynActor, Outcome, Recovery};
use alloy_actors::{
    ActorError, AnySpec, Behavior, LifecycleEvent, LogLevel, RestartReason, SideEffect, SpawnReply,
};

use super::capabilities;
use super::children::ChildLink;
use super::loaded::Loaded;
use super::outbox::Outbox;
use crate::limits;
use crate::wire::{self, ErrorCode, SystemMsg};

impl<B: Behavior> Loaded<B>
where
    B::State: Sync,
{
    /// Interprets an outcome: side effects, stop, restart or recovery.
    pub(crate) fn settle(
        &mut self,
        outcome: Outcome,
        envelope: Option<&wire::OwnedEnvelope>,
        now_ms: u64,
        outbox: &mut Outbox,
    ) {
        // A refused side effect is the actor's failure, none of the
        // outcome's effects performed (Olivier's `settle`).
        let outcome = self.checked(outcome);
        match outcome {
            Outcome::Continue(effects) => self.perform(effects, now_ms, outbox),
            Outcome::Stop { reason, effects } => {
                self.perform(effects, now_ms, outbox);
                let last = self.cell.lifecycle(LifecycleEvent::PostStop);
                self.follow(last, now_ms, outbox);
                self.stop_itself(reason);
            }
            // The behavior's own restart: the explicit reset to `init`.
            Outcome::Restart => self.restart(RestartReason::Requested, now_ms, outbox),
            Outcome::Ignore => {
                // An object cannot decline to exist: a normal stop.
                self.stop_itself("ignored".to_owned());
            }
            Outcome::Failed(failure) => {
                worker::console_error!("{}: {failure}", self.id);
                if let Some(envelope) = envelope {
                    outbox.refuse(envelope, ErrorCode::ActorFailed, failure.to_string());
                }
                match self.cell.recover() {
                    Recovery::Resumed => {}
                    Recovery::Restarted => {
                        // `RestartWith`: the policy's state, stored after `PostRestart`.
                        self.record.restarts += 1;
                        let after = self.cell.lifecycle(LifecycleEvent::PostRestart);
                        self.follow(after, now_ms, outbox);
                    }
                    Recovery::Escalate => {
                        // What the failed handler left is never stored.
                        self.revert_to_committed();
                        self.escalate(&failure.to_string(), now_ms, outbox);
                    }
                    Recovery::Stop | _ => {
                        self.cell.discard();
                        self.stopped = Some(failure.to_string());
                    }
                }
            }
            other => worker::console_warn!("{}: outcome not supported: {other:?}", self.id),
        }
    }

    /// The outcome, or the failure a refused side effect of it is.
    fn checked(&self, outcome: Outcome) -> Outcome {
        let effects = match &outcome {
            Outcome::Continue(effects) | Outcome::Stop { effects, .. } => effects,
            _ => return outcome,
        };
        match capabilities::allowed(self.capabilities, &self.id, effects) {
            Ok(()) => outcome,
            Err(failure) => Outcome::Failed(failure),
        }
    }

    /// The actor stops normally, on its own: its parent is told (a
    /// permanent child is then restarted).
    fn stop_itself(&mut self, reason: String) {
        self.cell.discard();
        if self.parent.is_some() {
            self.stopped_itself = Some(reason.clone());
        }
        self.stopped = Some(reason);
    }

    /// Performs a lifecycle hook's effects; its other outcomes are only
    /// logged, and so are effects it was not allowed (dropped, as Olivier
    /// drops a cleanup hook's).
    pub(super) fn follow(&mut self, outcome: Outcome, now_ms: u64, outbox: &mut Outbox) {
        match outcome {
            Outcome::Continue(effects) => {
                match capabilities::allowed(self.capabilities, &self.id, &effects) {
                    Ok(()) => self.perform(effects, now_ms, outbox),
                    Err(failure) => {
                        worker::console_warn!("{}: lifecycle hook refused: {failure}", self.id);
                    }
                }
            }
            other => worker::console_warn!("{}: lifecycle hook ignored: {other:?}", self.id),
        }
    }

    fn perform(&mut self, effects: Vec<SideEffect>, now_ms: u64, outbox: &mut Outbox) {
        for effect in effects {
            match effect {
                SideEffect::Tell {
                    target,
                    message,
                    priority,
                } => outbox.tell(
                    &self.id,
                    &target,
                    &message,
                    wire::priority(priority),
                    now_ms,
                ),
                SideEffect::Schedule {
                    timer,
                    delay,
                    target,
                    message,
                } => match wire::to_vec("message", &message) {
                    Ok(payload) => {
                        let envelope = wire::tell(
                            &self.id.to_string(),
                            &target.to_string(),
                            message.type_name(),
                            wire::Priority::Normal,
                            now_ms,
                            payload,
                        );
                        let bytes = wire::encode_stored(&envelope);
                        let delay = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
                        let key = timer.map(|key| key.as_str().to_owned());
                        self.schedule(now_ms.saturating_add(delay), key, bytes);
                    }
                    Err(error) => worker::console_error!("{}: timer: {error}", self.id),
                },
                SideEffect::CancelTimer { timer } => {
                    self.timers.cancel(timer.as_str());
                }
                SideEffect::Log { level, text } => log(&self.id, level, &text),
                SideEffect::Spawn { spec, reply_to } => {
                    self.spawn(&spec, reply_to.as_ref(), now_ms, outbox);
                }
                other => worker::console_warn!("{}: side effect not supported: {other:?}", self.id),
            }
        }
    }

    /// Schedules a behavior's timer, unless [`limits::MAX_PENDING_TIMERS`]
    /// of them are pending: then it is logged, counted and reported to the
    /// sender of the message being handled.
    fn schedule(&mut self, due_ms: u64, key: Option<String>, payload: Vec<u8>) {
        // Every pending ask has one deadline in the queue; the rest are the behavior's.
        let pending = self.timers.len().saturating_sub(self.asks.len());
        let replaces = key
            .as_deref()
            .is_some_and(|key| self.timers.contains_key(key));
        match limits::admit_timer(pending, replaces) {
            Ok(()) => self.timers.schedule(due_ms, key, payload),
            Err(error) => {
                worker::console_warn!("{}: {error}", self.id);
                self.refusals.count(&error);
                self.refused_now.0 += 1;
                self.refused_now.1 = Some(error);
            }
        }
    }

    fn spawn(
        &mut self,
        spec: &AnySpec,
        reply_to: Option<&SpawnReply>,
        now_ms: u64,
        outbox: &mut Outbox,
    ) {
        let class = spec.config().kind().to_owned();
        if !crate::route::is_class(&class) {
            worker::console_error!(
                "{}: cannot spawn kind `{class}`: on Conclave a spec's kind names the child's \
                 Durable Object binding, such as `COUNTER`",
                self.id
            );
            return;
        }
        let name = spec.config().name().map_or_else(
            || format!("{}-{}", class.to_lowercase(), self.children.len() + 1),
            str::to_owned,
        );
        let child = match self.id.child(&name, 0) {
            Ok(child) => child,
            Err(error) => {
                worker::console_error!("{}: cannot spawn `{name}`: {error}", self.id);
                return;
            }
        };
        let address = child.to_string();
        let restart = spec.config().restart_type();
        match self.children.iter_mut().find(|link| link.id == address) {
            Some(link) => link.running = true,
            None => {
                self.children
                    .push(ChildLink::new(address.clone(), class.clone(), restart));
            }
        }
        self.core.add_child(child.clone(), restart);
        let start = wire::system(&self.id.to_string(), &address, &SystemMsg::Start);
        outbox.start_child(&class, start, spec.config().capabilities());
        if let Some(reply) = reply_to {
            outbox.tell(
                &self.id,
                reply.target(),
                &reply.notice(child),
                wire::Priority::Normal,
                now_ms,
            );
        }
    }
}

/// An error the runtime reports in the actor's name.
pub(super) fn error(text: &str) -> ActorError {
    ActorError::msg(text)
}

fn log(id: &alloy_actors::ActorId, level: LogLevel, text: &str) {
    match level {
        LogLevel::Error => worker::console_error!("{id}: {text}"),
        LogLevel::Warn => worker::console_warn!("{id}: {text}"),
        LogLevel::Info => worker::console_log!("{id}: {text}"),
        LogLevel::Debug | LogLevel::Trace => worker::console_debug!("{id}: {text}"),
    }
}
