//! The actor in memory, and what one message does to it.

use std::time::Duration;

use alloy_actors::runtime::{BehaviorCell, DynActor, Failure, Outcome, SupervisorCore};
use alloy_actors::{ActorId, Behavior, Capabilities};
use serde_bytes::ByteBuf;

use super::asks::{self, PendingAsk};
use super::children::ChildLink;
use super::handling::HandlingMark;
use super::outbox::{Outbox, Routes};
use super::store::{Record, Snapshot};
use crate::health::ChildHealth;
use crate::limits::{self, LimitError, Refusals};
use crate::timers::TimerQueue;
use crate::wire::{self, ErrorCode, Kind, OwnedEnvelope, SystemMsg, WireError};

/// The actor in memory: its cell, timers and counters.
pub(crate) struct Loaded<B: Behavior> {
    pub(crate) id: ActorId,
    pub(super) name: String,
    pub(super) parent: Option<ActorId>,
    /// The binding that hosts this actor, when known.
    pub(super) class: Option<String>,
    /// The binding that hosts the parent, when known.
    pub(super) parent_class: Option<String>,
    /// What it may do: checked on every outcome (see `capabilities`).
    pub(super) capabilities: Capabilities,
    pub(super) children: Vec<ChildLink>,
    pub(super) asks: Vec<PendingAsk>,
    pub(super) core: SupervisorCore,
    pub(super) cell: BehaviorCell<B>,
    /// The state bytes last stored: the recovery point of a restart.
    pub(super) committed: Option<Vec<u8>>,
    pub(crate) timers: TimerQueue,
    pub(crate) handled: u64,
    /// What the caps refused, over the actor's stored life.
    pub(crate) refusals: Refusals,
    /// Its restarts and dead letters.
    pub(crate) record: Record,
    /// The mark found at load: the previous instance died handling it.
    pub(super) interrupted: Option<HandlingMark>,
    /// Timers the message being handled had refused, and the last refusal.
    pub(super) refused_now: (usize, Option<LimitError>),
    pub(super) stopped: Option<String>,
    /// Why the actor stopped itself normally, until its parent is told.
    pub(super) stopped_itself: Option<String>,
    /// The alarm time last set, so it is only moved when the queue's head moves.
    pub(crate) alarm_ms: Option<u64>,
}

impl<B: Behavior> Loaded<B>
where
    B::State: Sync,
{
    /// `<CLASS>/<name>`.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Where the parent's object is: (its class, its path), when this
    /// actor has a parent and knows the parent's class.
    pub(crate) fn parent_object(&self) -> Option<(String, String)> {
        let parent = self.parent.as_ref()?.to_string();
        let path = super::outbox::path_of(&parent)?.to_owned();
        Some((self.parent_class.clone()?, path))
    }

    /// Why the actor stopped, if it did.
    pub(crate) fn stopped(&self) -> Option<&str> {
        self.stopped.as_deref()
    }

    /// Why it stopped itself normally, once: its parent is to be told.
    pub(crate) fn take_stopped_itself(&mut self) -> Option<String> {
        self.stopped_itself.take()
    }

    /// How many children it supervises.
    pub(crate) fn child_count(&self) -> usize {
        self.children.len()
    }

    /// Its children as `which_children` lists them.
    pub(crate) fn which_children(&self) -> Vec<ChildHealth> {
        self.children.iter().map(ChildLink::health).collect()
    }

    /// The restarts of its children inside the restart-intensity window at `now_ms`.
    pub(crate) fn recent_restarts(&self, now_ms: u64) -> usize {
        self.core.recent_restarts(Duration::from_millis(now_ms))
    }

    /// Whether no state was stored yet (and none was created).
    pub(crate) fn is_fresh(&self) -> bool {
        self.committed.is_none() && !self.cell.has_state() && self.stopped.is_none()
    }

    /// Creates the first state (init, then `PreStart`).
    pub(crate) fn cell_start(&mut self) -> Outcome {
        self.cell.start()
    }

    /// Where addresses lead from here.
    pub(crate) fn routes(&self) -> Routes {
        Routes {
            me: self.id.to_string(),
            class: self.class.clone(),
            parent: self.parent.as_ref().map(ToString::to_string),
            children: self
                .children
                .iter()
                .map(|link| (link.id.clone(), link.class.clone()))
                .collect(),
        }
    }

    /// Takes a checked envelope's message, unless the actor stopped or the
    /// payload does not decode.
    pub(crate) fn admit(
        &self,
        envelope: &OwnedEnvelope,
    ) -> Result<B::Message, (ErrorCode, String)> {
        if let Some(reason) = &self.stopped {
            return Err((
                ErrorCode::ActorStopped,
                format!("the actor stopped: {reason}"),
            ));
        }
        wire::from_slice::<B::Message>("message", &envelope.payload)
            .map_err(|error| (ErrorCode::MalformedPayload, error.to_string()))
    }

    /// Handles one admitted message.
    pub(crate) fn handle(
        &mut self,
        message: B::Message,
        envelope: &OwnedEnvelope,
        now_ms: u64,
        outbox: &mut Outbox,
    ) {
        self.handled += 1;
        self.refused_now = (0, None);
        let outcome = self.cell.receive_typed(message);
        self.settle(outcome, Some(envelope), now_ms, outbox);
        if let (count, Some(error)) = std::mem::take(&mut self.refused_now) {
            let detail = format!("{count} timer(s) not scheduled: {error}");
            outbox.refuse(envelope, error.code(), detail);
        }
    }

    /// The previous instance died in a handler (its mark was found at
    /// load): that message is a dead letter, and the actor fails as if the
    /// handler had returned the failure.
    pub(crate) fn recover_interrupted(&mut self, now_ms: u64, outbox: &mut Outbox) {
        let Some(mark) = self.interrupted.take() else {
            return;
        };
        let failure = mark.failure();
        worker::console_error!("{}: {failure}; the message is a dead letter", self.id);
        self.record.dead_letters.count(failure.clone());
        self.handled += 1;
        let stand_in = mark.stand_in();
        self.settle(
            Outcome::Failed(Failure::Panicked(failure)),
            Some(&stand_in),
            now_ms,
            outbox,
        );
    }

    /// After an ASK was handled: if nothing answers its sender yet, the ask
    /// waits for a later tell to that client, until `deadline_ms`.
    /// Past [`limits::MAX_PENDING_ASKS`] the ask is answered `ERROR
    /// TooManyPendingAsks` instead.
    pub(crate) fn await_reply(
        &mut self,
        ask: &OwnedEnvelope,
        outbox: &mut Outbox,
        deadline_ms: u64,
    ) {
        let Some(correlation) = ask.correlation else {
            return;
        };
        if ask.kind != Kind::Ask || outbox.has_message_for(&ask.source) {
            return;
        }
        if let Err(error) = limits::admit_ask(self.asks.len()) {
            worker::console_warn!("{}: ask from {}: {error}", self.id, ask.source);
            self.refusals.count(&error);
            outbox.refuse(ask, error.code(), error.to_string());
            return;
        }
        self.asks.push(PendingAsk {
            client: ask.source.clone(),
            correlation,
        });
        let expired = SystemMsg::AskExpired {
            client: ask.source.clone(),
            correlation,
        };
        let me = self.id.to_string();
        let bytes = wire::encode_stored(&wire::system(&me, &me, &expired));
        self.timers
            .schedule(deadline_ms, Some(asks::timer_key(&correlation)), bytes);
    }

    /// Turns tells to clients with pending asks into their `REPLY`s (oldest
    /// ask first) and cancels those asks' deadlines.
    pub(crate) fn claim_replies<'a>(
        &mut self,
        envelopes: impl Iterator<Item = &'a mut OwnedEnvelope>,
    ) {
        for key in asks::claim(&mut self.asks, envelopes) {
            self.timers.cancel(&key);
        }
    }

    /// Puts the last stored state back into the cell (the recovery point),
    /// or `init`'s when none was stored.
    pub(super) fn revert_to_committed(&mut self) {
        let Some(bytes) = self.committed.clone() else {
            return;
        };
        if let Err(error) = wire::load_state(&mut self.cell as &mut dyn DynActor, &bytes) {
            worker::console_error!("{}: the stored state does not load: {error}", self.id);
        }
    }

    /// What to store now; the state it holds becomes the recovery point.
    pub(crate) fn snapshot(&mut self) -> worker::Result<Snapshot> {
        let state = match self.cell.state() {
            Some(state) => {
                let bytes = wire::to_vec("state", state).map_err(encode_error)?;
                self.committed = Some(bytes.clone());
                Some(ByteBuf::from(bytes))
            }
            None => None,
        };
        Ok(Snapshot {
            children: bytes("children", &self.children)?,
            asks: bytes("pending asks", &self.asks)?,
            restarts: bytes("restart times", &self.restart_millis())?,
            state,
            timers: bytes("timer queue", &self.timers)?,
            handled: self.handled,
            refusals: bytes("refusals", &self.refusals)?,
            record: bytes("record", &self.record)?,
            stopped: self.stopped.clone(),
        })
    }

    /// The supervisor's recorded restarts, in wall-clock ms.
    fn restart_millis(&self) -> Vec<u64> {
        self.core
            .restart_times()
            .map(|at| u64::try_from(at.as_millis()).unwrap_or(u64::MAX))
            .collect()
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

fn encode_error(error: WireError) -> worker::Error {
    worker::Error::RustError(error.to_string())
}

fn bytes<T: serde::Serialize + ?Sized>(what: &'static str, value: &T) -> worker::Result<ByteBuf> {
    wire::to_vec(what, value)
        .map(ByteBuf::from)
        .map_err(encode_error)
}
