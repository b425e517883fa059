//! The actor as loaded from storage, and what one message does to it.

use std::sync::Arc;

use alloy_actors::{
    ActorId, Behavior, BehaviorCell, DynActor, LifecycleEvent, LogLevel, Outcome, Recovery,
    RestartReason, SideEffect,
};
use serde_bytes::ByteBuf;
use worker::{State, Storage};

use super::outbox::Outbox;
use super::{actor_id, cell};
use crate::timers::TimerQueue;
use crate::wire::{self, Envelope, ErrorCode, Kind, VERSION, WireError};

const IDENTITY_KEY: &str = "identity";
const STATE_KEY: &str = "state";
const TIMERS_KEY: &str = "timers";
const HANDLED_KEY: &str = "handled";
const STOPPED_KEY: &str = "stopped";

/// Why the actor could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum LoadError {
    /// The object was reached without the gateway naming it, and it has no stored name.
    #[error("the object has no stored identity and the request named none")]
    NoIdentity,
    /// The stored or given name is not an actor id.
    #[error("bad actor name: {0}")]
    BadName(#[from] alloy_actors::ActorIdError),
    /// Stored bytes do not decode.
    #[error("stored data: {0}")]
    Decode(#[from] WireError),
    /// Storage failed.
    #[error("storage: {0}")]
    Storage(#[from] worker::Error),
}

/// The actor in memory: its cell, timers and counters.
pub(crate) struct Loaded<B: Behavior> {
    pub(crate) id: ActorId,
    name: String,
    cell: BehaviorCell<B>,
    pub(crate) timers: TimerQueue,
    pub(crate) handled: u64,
    stopped: Option<String>,
    /// The alarm time last set, so it is only moved when the queue's head moves.
    pub(crate) alarm_ms: Option<u64>,
    fresh: bool,
}

impl<B: Behavior> Loaded<B>
where
    B::State: Sync,
{
    /// Loads the actor (or prepares a fresh one) from storage.
    pub(crate) async fn load(
        state: &State,
        behavior: Arc<B>,
        identity: Option<&str>,
    ) -> Result<Self, LoadError> {
        let storage = state.storage();
        let name = match (storage.get::<String>(IDENTITY_KEY).await?, identity) {
            (Some(stored), _) => stored,
            (None, Some(given)) => {
                storage.put(IDENTITY_KEY, given).await?;
                given.to_owned()
            }
            (None, None) => return Err(LoadError::NoIdentity),
        };
        let id = actor_id(&name)?;
        let mut cell = cell(behavior, id.clone());
        let stored = storage.get::<ByteBuf>(STATE_KEY).await?;
        let fresh = stored.is_none();
        if let Some(bytes) = stored {
            wire::load_state(&mut cell as &mut dyn DynActor, &bytes)?;
        }
        let timers = match storage.get::<ByteBuf>(TIMERS_KEY).await? {
            Some(bytes) => wire::from_slice("timer queue", &bytes)?,
            None => TimerQueue::new(),
        };
        let handled = storage.get::<u64>(HANDLED_KEY).await?.unwrap_or(0);
        let stopped = storage.get::<String>(STOPPED_KEY).await?;
        let alarm_ms = storage
            .get_alarm()
            .await?
            .and_then(|ms| u64::try_from(ms).ok());
        Ok(Self {
            id,
            name,
            cell,
            timers,
            handled,
            stopped,
            alarm_ms,
            fresh,
        })
    }

    /// `<CLASS>/<name>`.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Whether no state was stored yet.
    pub(crate) fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// Creates the first state (init, then `PreStart`).
    pub(crate) fn cell_start(&mut self) -> Outcome {
        self.fresh = false;
        self.cell.start()
    }

    /// Handles one checked envelope.
    pub(crate) fn receive(
        &mut self,
        envelope: &Envelope,
        now_ms: u64,
        outbox: &mut Outbox,
    ) -> Result<(), (ErrorCode, String)> {
        if let Some(reason) = &self.stopped {
            return Err((
                ErrorCode::ActorStopped,
                format!("the actor stopped: {reason}"),
            ));
        }
        let message = wire::from_slice::<B::Message>("message", &envelope.payload)
            .map_err(|error| (ErrorCode::MalformedPayload, error.to_string()))?;
        self.handled += 1;
        let outcome = self.cell.receive_typed(message);
        self.settle(outcome, Some(envelope), now_ms, outbox);
        Ok(())
    }

    /// Interprets an outcome: side effects, stop, restart or recovery.
    pub(crate) fn settle(
        &mut self,
        outcome: Outcome,
        envelope: Option<&Envelope>,
        now_ms: u64,
        outbox: &mut Outbox,
    ) {
        match outcome {
            Outcome::Continue(effects) => self.perform(effects, now_ms, outbox),
            Outcome::Stop { reason, effects } => {
                self.perform(effects, now_ms, outbox);
                let last = self.cell.lifecycle(LifecycleEvent::PostStop);
                self.follow(last, now_ms, outbox);
                self.cell.discard();
                self.stopped = Some(reason);
            }
            Outcome::Restart => self.restart(RestartReason::Requested, now_ms, outbox),
            Outcome::Failed(failure) => {
                worker::console_error!("{}: {failure}", self.id);
                if let Some(envelope) = envelope {
                    outbox.refuse(envelope, ErrorCode::ActorFailed, failure.to_string());
                }
                match self.cell.recover() {
                    Recovery::Resumed => {}
                    Recovery::Restarted => {
                        let after = self.cell.lifecycle(LifecycleEvent::PostRestart);
                        self.follow(after, now_ms, outbox);
                    }
                    // No supervisor object above this one yet: the failure
                    // restarts the actor through `init`, as a one-for-one
                    // supervisor would.
                    Recovery::Escalate => {
                        self.restart(RestartReason::from_failure(&failure), now_ms, outbox);
                    }
                    Recovery::Stop => {
                        self.cell.discard();
                        self.stopped = Some(failure.to_string());
                    }
                }
            }
        }
    }

    fn restart(&mut self, reason: RestartReason, now_ms: u64, outbox: &mut Outbox) {
        let before = self.cell.lifecycle(LifecycleEvent::PreRestart { reason });
        self.follow(before, now_ms, outbox);
        if let Err(failure) = self.cell.reset() {
            worker::console_error!("{}: init failed on restart: {failure}", self.id);
            self.stopped = Some(failure.to_string());
            return;
        }
        let after = self.cell.lifecycle(LifecycleEvent::PostRestart);
        self.follow(after, now_ms, outbox);
    }

    /// Performs a lifecycle hook's effects; its other outcomes are only logged.
    fn follow(&mut self, outcome: Outcome, now_ms: u64, outbox: &mut Outbox) {
        match outcome {
            Outcome::Continue(effects) => self.perform(effects, now_ms, outbox),
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
                } => outbox.tell(&self.id, &target, &message, priority as u8, now_ms),
                SideEffect::Schedule {
                    timer,
                    delay,
                    target,
                    message,
                } => match wire::to_vec("message", &message) {
                    Ok(payload) => {
                        let envelope = Envelope {
                            version: VERSION,
                            kind: Kind::Tell,
                            priority: 2,
                            source: self.id.to_string(),
                            target: target.to_string(),
                            correlation: None,
                            message_type: message.type_name().to_owned(),
                            timestamp_ns: now_ms.saturating_mul(1_000_000),
                            payload,
                        };
                        match envelope.encode() {
                            Ok(bytes) => {
                                let delay = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
                                let key = timer.map(|key| key.as_str().to_owned());
                                self.timers
                                    .schedule(now_ms.saturating_add(delay), key, bytes);
                            }
                            Err(error) => worker::console_error!("{}: timer: {error}", self.id),
                        }
                    }
                    Err(error) => worker::console_error!("{}: timer: {error}", self.id),
                },
                SideEffect::CancelTimer { timer } => {
                    self.timers.cancel(timer.as_str());
                }
                SideEffect::Log { level, text } => log(&self.id, level, &text),
                SideEffect::Spawn { spec, .. } => worker::console_error!(
                    "{}: Spawn of `{}` is not supported on Conclave yet",
                    self.id,
                    spec.config().kind()
                ),
            }
        }
    }

    /// What to store now.
    pub(crate) fn snapshot(&self) -> worker::Result<Snapshot> {
        let encode_error = |error: WireError| worker::Error::RustError(error.to_string());
        let state = match self.cell.state() {
            Some(state) => Some(ByteBuf::from(
                wire::to_vec("state", state).map_err(encode_error)?,
            )),
            None => None,
        };
        Ok(Snapshot {
            state,
            timers: ByteBuf::from(wire::to_vec("timer queue", &self.timers).map_err(encode_error)?),
            handled: self.handled,
            stopped: self.stopped.clone(),
        })
    }

    /// The new alarm time, when the queue's head moved.
    pub(crate) fn alarm_change(&mut self) -> Option<u64> {
        let next = self.timers.next_due()?;
        if self.alarm_ms == Some(next) {
            return None;
        }
        self.alarm_ms = Some(next);
        Some(next)
    }
}

fn log(id: &ActorId, level: LogLevel, text: &str) {
    match level {
        LogLevel::Error => worker::console_error!("{id}: {text}"),
        LogLevel::Warn => worker::console_warn!("{id}: {text}"),
        LogLevel::Info => worker::console_log!("{id}: {text}"),
        LogLevel::Debug | LogLevel::Trace => worker::console_debug!("{id}: {text}"),
    }
}

/// Everything stored after a message, written in one transaction.
#[derive(Debug)]
pub(crate) struct Snapshot {
    state: Option<ByteBuf>,
    timers: ByteBuf,
    handled: u64,
    stopped: Option<String>,
}

impl Snapshot {
    /// Writes it atomically; returns once storage has it.
    pub(crate) async fn write(self, storage: &Storage) -> worker::Result<()> {
        storage
            .transaction(move |txn| async move {
                if let Some(state) = self.state {
                    txn.put(STATE_KEY, state).await?;
                }
                txn.put(TIMERS_KEY, self.timers).await?;
                txn.put(HANDLED_KEY, self.handled).await?;
                if let Some(reason) = self.stopped {
                    txn.put(STOPPED_KEY, reason).await?;
                }
                Ok(())
            })
            .await
    }
}
