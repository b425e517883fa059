//! The actor as loaded from storage, and what one message does to it.

use std::sync::Arc;
use std::time::Duration;

use alloy_actors::runtime::{
    BehaviorCell, ChildExit, Directive, DynActor, Outcome, Recovery, SupervisorCore,
};
use alloy_actors::{
    ActorError, ActorId, AnySpec, Behavior, LifecycleEvent, LogLevel, RestartReason, RestartType,
    SideEffect, SpawnReply, SupervisionStrategy,
};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use worker::{State, Storage};

use super::outbox::{Outbox, Routes};
use super::{actor_id, cell};
use crate::limits::{self, LimitError, Refusals};
use crate::timers::TimerQueue;
use crate::wire::{self, Envelope, ErrorCode, Kind, SystemMsg, WireError};

const IDENTITY_KEY: &str = "identity";
const STATE_KEY: &str = "state";
const TIMERS_KEY: &str = "timers";
const HANDLED_KEY: &str = "handled";
const STOPPED_KEY: &str = "stopped";
const PARENT_KEY: &str = "parent";
const CHILDREN_KEY: &str = "children";
const ASKS_KEY: &str = "asks";
const RESTARTS_KEY: &str = "restarts";
const REFUSALS_KEY: &str = "refusals";
const CLASS_KEY: &str = "class";
const PARENT_CLASS_KEY: &str = "parent_class";

/// What a request says about the actor of the object it reached (from the
/// gateway's or the parent's headers); stored the first time it is given.
#[derive(Debug, Clone, Default)]
pub(crate) struct Introduction {
    /// The actor's path, `<CLASS>/<name>[/...]`.
    pub(crate) identity: Option<String>,
    /// The parent's address.
    pub(crate) parent: Option<String>,
    /// The binding that hosts this actor (a child learns it from its parent).
    pub(crate) class: Option<String>,
    /// The binding that hosts the parent.
    pub(crate) parent_class: Option<String>,
}

/// The stored value of `key`, or else `given`, which is then stored.
async fn remember(
    storage: &Storage,
    key: &str,
    given: Option<&str>,
) -> worker::Result<Option<String>> {
    match (storage.get::<String>(key).await?, given) {
        (Some(stored), _) => Ok(Some(stored)),
        (None, Some(given)) => {
            storage.put(key, given).await?;
            Ok(Some(given.to_owned()))
        }
        (None, None) => Ok(None),
    }
}

/// An ask that got no reply while it was handled; a later tell to its
/// client becomes its `REPLY`, or its deadline answers `ERROR Timeout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingAsk {
    client: String,
    correlation: [u8; 16],
}

fn ask_timer_key(correlation: &[u8; 16]) -> String {
    let hex: String = correlation
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("conclave.ask.{hex}")
}

/// A parent-child link, stored by the parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChildLink {
    /// The child's address.
    id: String,
    /// The child's Durable Object class (binding).
    class: String,
    /// 0 permanent, 1 transient, 2 temporary.
    restart: u8,
}

fn restart_code(restart: RestartType) -> u8 {
    match restart {
        RestartType::Permanent => 0,
        RestartType::Transient => 1,
        RestartType::Temporary => 2,
    }
}

fn restart_type(code: u8) -> RestartType {
    match code {
        1 => RestartType::Transient,
        2 => RestartType::Temporary,
        _ => RestartType::Permanent,
    }
}

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
    parent: Option<ActorId>,
    /// The binding that hosts this actor, when known.
    class: Option<String>,
    /// The binding that hosts the parent, when known.
    parent_class: Option<String>,
    children: Vec<ChildLink>,
    asks: Vec<PendingAsk>,
    core: SupervisorCore,
    cell: BehaviorCell<B>,
    pub(crate) timers: TimerQueue,
    pub(crate) handled: u64,
    /// What the caps refused, over the actor's stored life.
    pub(crate) refusals: Refusals,
    /// Timers the message being handled had refused, and the last refusal.
    refused_now: (usize, Option<LimitError>),
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
        intro: &Introduction,
        strategy: SupervisionStrategy,
    ) -> Result<Self, LoadError> {
        let storage = state.storage();
        let name = remember(&storage, IDENTITY_KEY, intro.identity.as_deref())
            .await?
            .ok_or(LoadError::NoIdentity)?;
        let id = actor_id(&name)?;
        let parent = match remember(&storage, PARENT_KEY, intro.parent.as_deref()).await? {
            Some(address) => Some(address.parse::<ActorId>()?),
            None => None,
        };
        let class = match &parent {
            // A root actor's object is named by its path, `<CLASS>/<name>`.
            None => name.split('/').next().map(str::to_owned),
            Some(_) => remember(&storage, CLASS_KEY, intro.class.as_deref()).await?,
        };
        let parent_class = match &parent {
            None => None,
            Some(parent) => remember(&storage, PARENT_CLASS_KEY, intro.parent_class.as_deref())
                .await?
                .or_else(|| {
                    // A root parent's class is the first segment of its path.
                    let path = parent.to_string();
                    let path = super::outbox::path_of(&path)?;
                    (path.matches('/').count() == 1)
                        .then(|| path.split('/').next().map(str::to_owned))
                        .flatten()
                }),
        };
        let children: Vec<ChildLink> = match storage.get::<ByteBuf>(CHILDREN_KEY).await? {
            Some(bytes) => wire::from_slice("children", &bytes)?,
            None => Vec::new(),
        };
        let asks: Vec<PendingAsk> = match storage.get::<ByteBuf>(ASKS_KEY).await? {
            Some(bytes) => wire::from_slice("pending asks", &bytes)?,
            None => Vec::new(),
        };
        let restarts: Vec<u64> = match storage.get::<ByteBuf>(RESTARTS_KEY).await? {
            Some(bytes) => wire::from_slice("restart times", &bytes)?,
            None => Vec::new(),
        };
        let mut core = SupervisorCore::new(strategy);
        for child in &children {
            core.add_child(child.id.parse()?, restart_type(child.restart));
        }
        // The restart-intensity window survives eviction: its times are
        // wall-clock ms (Date.now), stored with the links.
        core.restore_restart_times(restarts.into_iter().map(Duration::from_millis));
        let mut cell = cell(behavior, id.clone(), parent.clone());
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
        let refusals = match storage.get::<ByteBuf>(REFUSALS_KEY).await? {
            Some(bytes) => wire::from_slice("refusals", &bytes)?,
            None => Refusals::default(),
        };
        let stopped = storage.get::<String>(STOPPED_KEY).await?;
        let alarm_ms = storage
            .get_alarm()
            .await?
            .and_then(|ms| u64::try_from(ms).ok());
        Ok(Self {
            id,
            name,
            parent,
            class,
            parent_class,
            children,
            asks,
            core,
            cell,
            timers,
            handled,
            refusals,
            refused_now: (0, None),
            stopped,
            alarm_ms,
            fresh,
        })
    }

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

    /// How many children it supervises.
    pub(crate) fn child_count(&self) -> usize {
        self.children.len()
    }

    /// The restarts of its children inside the restart-intensity window at `now_ms`.
    pub(crate) fn recent_restarts(&self, now_ms: u64) -> usize {
        self.core.recent_restarts(Duration::from_millis(now_ms))
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

    /// Handles a `SYSTEM` envelope: start, child failure, restart, stop.
    pub(crate) fn system(&mut self, envelope: &Envelope, now_ms: u64, outbox: &mut Outbox) {
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
            SystemMsg::ChildFailed { child, error } => {
                let Ok(child) = child.parse::<ActorId>() else {
                    return;
                };
                let exit = ChildExit::Failed(ActorError::msg(&error));
                let now = Duration::from_millis(now_ms);
                match self.core.child_exited(&child, &exit, now) {
                    Directive::Nothing => {}
                    Directive::Restart { failed, start, .. } => {
                        for id in start {
                            self.core.child_started(&id);
                            let restart = SystemMsg::Restart {
                                failed: failed.to_string(),
                                reason: error.clone(),
                            };
                            outbox.push(Envelope::system(&me, &id.to_string(), &restart));
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
                            outbox.child(&link.class, Envelope::system(&me, &address, &message));
                        }
                        self.give_up_children();
                        self.escalate(&reason.to_string(), now_ms, outbox);
                    }
                    other => {
                        worker::console_warn!("{}: directive not supported: {other:?}", self.id)
                    }
                }
            }
            SystemMsg::Restart { failed, reason } => {
                let reason = if failed == me {
                    RestartReason::Failed(ActorError::msg(reason))
                } else {
                    match failed.parse() {
                        Ok(sibling) => RestartReason::SiblingFailed { sibling },
                        Err(_) => RestartReason::Failed(ActorError::msg(reason)),
                    }
                };
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
                    let mut timeout = Envelope::error_for(
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
    /// through `init` as a one-for-one supervisor would.
    fn escalate(&mut self, error: &str, now_ms: u64, outbox: &mut Outbox) {
        match &self.parent {
            Some(parent) => {
                let failed = SystemMsg::ChildFailed {
                    child: self.id.to_string(),
                    error: error.to_owned(),
                };
                let envelope = Envelope::system(&self.id.to_string(), &parent.to_string(), &failed);
                outbox.escalate(envelope, error.to_owned());
            }
            None => self.restart(
                RestartReason::Failed(ActorError::msg(error)),
                now_ms,
                outbox,
            ),
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
        if !self.children.iter().any(|link| link.id == address) {
            let restart = spec.config().restart_type();
            self.children.push(ChildLink {
                id: address.clone(),
                class: class.clone(),
                restart: restart_code(restart),
            });
            self.core.add_child(child.clone(), restart);
        }
        let start = Envelope::system(&self.id.to_string(), &address, &SystemMsg::Start);
        outbox.child(&class, start);
        if let Some(reply) = reply_to {
            outbox.tell(&self.id, reply.target(), &reply.notice(child), 2, now_ms);
        }
    }

    /// After an ASK was handled: if nothing answers its sender yet, the ask
    /// waits for a later tell to that client, until `deadline_ms`.
    /// Past [`limits::MAX_PENDING_ASKS`] the ask is answered `ERROR
    /// TooManyPendingAsks` instead.
    pub(crate) fn await_reply(&mut self, ask: &Envelope, outbox: &mut Outbox, deadline_ms: u64) {
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
        match Envelope::system(&me, &me, &expired).encode() {
            Ok(bytes) => {
                let key = ask_timer_key(&correlation);
                self.timers.schedule(deadline_ms, Some(key), bytes);
            }
            Err(error) => worker::console_error!("{me}: ask deadline: {error}"),
        }
    }

    /// Turns tells to clients with pending asks into their `REPLY`s (oldest
    /// ask first) and cancels those asks' deadlines.
    pub(crate) fn claim_replies<'a>(&mut self, envelopes: impl Iterator<Item = &'a mut Envelope>) {
        for envelope in envelopes {
            // One that already carries a correlation answers its own ask.
            if envelope.kind != Kind::Tell && envelope.kind != Kind::Error
                || envelope.correlation.is_some()
            {
                continue;
            }
            let Some(at) = self
                .asks
                .iter()
                .position(|ask| ask.client == envelope.target)
            else {
                continue;
            };
            let ask = self.asks.remove(at);
            if envelope.kind == Kind::Tell {
                envelope.kind = Kind::Reply;
            }
            envelope.correlation = Some(ask.correlation);
            self.timers.cancel(&ask_timer_key(&ask.correlation));
        }
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
        self.refused_now = (0, None);
        let outcome = self.cell.receive_typed(message);
        self.settle(outcome, Some(envelope), now_ms, outbox);
        if let (count, Some(error)) = std::mem::take(&mut self.refused_now) {
            let detail = format!("{count} timer(s) not scheduled: {error}");
            outbox.refuse(envelope, error.code(), detail);
        }
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
            Outcome::Ignore => {
                // An object cannot decline to exist: a normal stop.
                self.cell.discard();
                self.stopped = Some("ignored".to_owned());
            }
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
                    Recovery::Escalate => {
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
                                self.schedule(now_ms.saturating_add(delay), key, bytes);
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
            children: ByteBuf::from(
                wire::to_vec("children", &self.children).map_err(encode_error)?,
            ),
            asks: ByteBuf::from(wire::to_vec("pending asks", &self.asks).map_err(encode_error)?),
            restarts: ByteBuf::from(
                wire::to_vec("restart times", &self.restart_millis()).map_err(encode_error)?,
            ),
            state,
            timers: ByteBuf::from(wire::to_vec("timer queue", &self.timers).map_err(encode_error)?),
            handled: self.handled,
            refusals: ByteBuf::from(
                wire::to_vec("refusals", &self.refusals).map_err(encode_error)?,
            ),
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
    children: ByteBuf,
    asks: ByteBuf,
    restarts: ByteBuf,
    state: Option<ByteBuf>,
    timers: ByteBuf,
    handled: u64,
    refusals: ByteBuf,
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
                txn.put(REFUSALS_KEY, self.refusals).await?;
                txn.put(CHILDREN_KEY, self.children).await?;
                txn.put(ASKS_KEY, self.asks).await?;
                txn.put(RESTARTS_KEY, self.restarts).await?;
                match self.stopped {
                    Some(reason) => txn.put(STOPPED_KEY, reason).await?,
                    None => {
                        txn.delete(STOPPED_KEY).await?;
                    }
                }
                Ok(())
            })
            .await
    }
}
