//! The behavior test kit: drive a behavior with messages, lifecycle events
//! and a virtual clock, and assert on the states and effects it returns.
//!
//! No runtime, no network, no real time: pure data in, pure data out. The kit
//! interprets effects the way a runtime would, but observably:
//!
//! - tells to other actors land in an [outbox](TestKit::outbox); tells to the
//!   actor itself wait in its own inbox until [`TestKit::drain_self`];
//! - timers wait on a virtual clock; [`TestKit::advance`] moves it and fires
//!   every timer that comes due, in due order (a timer to the actor itself is
//!   delivered, one to another actor lands in the outbox);
//! - spawned children are recorded and supervised by the shared
//!   [`SupervisorCore`], so [`TestKit::child_exited`] answers what a runtime's
//!   supervisor would do, on the virtual clock;
//! - a failure (an escalation, a panic in the handler, a missing capability)
//!   is data on the [`Step`], and the spec's [`ErrorPolicy`](crate::ErrorPolicy)
//!   is applied as a runtime would.
//!
//! ```
//! use std::time::Duration;
//! use alloy_actors::testkit::TestKit;
//! use alloy_actors::{Behavior, Context, Effect, Message};
//! # use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
//! enum Alarm { Arm, Ring }
//! impl Message for Alarm { const TYPE_NAME: &'static str = "example.Alarm"; }
//!
//! struct Clock;
//! impl Behavior for Clock {
//!     type State = u32; // rings so far
//!     type Message = Alarm;
//!     fn init(&self) -> u32 { 0 }
//!     fn receive(&self, ctx: &Context<Alarm>, rings: u32, msg: Alarm) -> Effect<u32> {
//!         match msg {
//!             Alarm::Arm => Effect::from(rings).schedule_once(Duration::from_secs(60), &ctx.myself(), Alarm::Ring),
//!             Alarm::Ring => Effect::from(rings + 1),
//!         }
//!     }
//! }
//!
//! let mut kit = TestKit::new(Clock);
//! let me = kit.myself();
//! kit.send(Alarm::Arm).assert_scheduled(Duration::from_secs(60), &me, &Alarm::Ring);
//! assert!(kit.advance(Duration::from_secs(59)).is_empty());
//! assert_eq!(kit.advance(Duration::from_secs(1)).len(), 1);
//! assert_eq!(kit.state(), Some(&1));
//! ```

mod step;

use std::collections::VecDeque;
use std::time::Duration;

pub use step::{Input, Step, StepOutcome};

use crate::runtime::{
    BehaviorCell, ChildExit, Directive, DynActor, Failure, MessageSlot, Outcome, Recovery,
    SupervisorCore,
};
use crate::{
    ActorError, ActorId, ActorRef, ActorSpec, AnyMessage, AnySpec, Behavior, Capabilities, Context,
    LifecycleEvent, Message, RestartReason, SideEffect, SupervisionStrategy, TimerKey,
};

/// Where the actor under test stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// It takes messages.
    Running,
    /// It stopped, for this reason; messages sent now are not delivered.
    Stopped {
        /// Why.
        reason: String,
    },
    /// It failed and its error policy handed the failure to the supervisor;
    /// call [`TestKit::restart`] or [`TestKit::stop`] as the supervisor would.
    Escalated(Failure),
    /// Its `PreStart` returned [`Effect::Ignore`](crate::Effect::Ignore):
    /// it never ran, as an OTP child whose `init` returned `ignore`.
    Ignored,
}

/// The stop reason of an [`Effect::Ignore`](crate::Effect::Ignore) returned
/// anywhere but `PreStart`.
pub const IGNORED: &str = "ignored";

/// A message the actor sent to another actor.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// When, on the virtual clock.
    pub at: Duration,
    /// To whom.
    pub target: ActorId,
    /// What.
    pub message: AnyMessage,
}

/// A child the actor spawned.
#[derive(Debug, Clone)]
pub struct ChildRecord {
    /// The id the kit gave it.
    pub id: ActorId,
    /// Its spec.
    pub spec: AnySpec,
}

/// A timer waiting on the virtual clock.
#[derive(Debug, Clone)]
pub struct PendingTimer {
    /// When it comes due.
    pub due: Duration,
    /// Its key, if it has one.
    pub key: Option<TimerKey>,
    /// Who it sends to.
    pub target: ActorId,
    /// What it sends.
    pub message: AnyMessage,
    order: u64,
}

/// Drives one behavior with no runtime (see the [module docs](self)).
pub struct TestKit<B: Behavior> {
    cell: BehaviorCell<B>,
    capabilities: Capabilities,
    status: Status,
    now: Duration,
    timers: Vec<PendingTimer>,
    timer_order: u64,
    steps: Vec<Step>,
    outbox: Vec<Delivery>,
    inbox: VecDeque<AnyMessage>,
    children: Vec<ChildRecord>,
    /// The watches in place: the watched actor, and who to tell.
    watches: Vec<(ActorId, crate::WatchReply)>,
    supervisor: SupervisorCore,
    next_child: u64,
    restarting: bool,
}

impl<B: Behavior> TestKit<B> {
    /// Starts `behavior` with the default spec (init, then `PreStart`).
    pub fn new(behavior: B) -> Self {
        Self::from_spec(ActorSpec::new(behavior))
    }

    /// Starts the actor described by `spec`: its name, error policy,
    /// capabilities and supervision strategy apply.
    ///
    /// # Panics
    ///
    /// When the spec's name is not a valid actor name (it holds `/`, `#`
    /// or whitespace): a mistake in the test's setup.
    pub fn from_spec(spec: ActorSpec<B>) -> Self {
        let config = spec.config().clone();
        let parent = ActorId::new("test", 0).unwrap_or_else(|_| unreachable_id());
        let name = config.name().unwrap_or("actor");
        let id = parent.child(name, 0).unwrap_or_else(|error| {
            panic!("spec name {name:?} is not a valid actor name: {error}")
        });
        let cell = BehaviorCell::new(
            spec.behavior().clone(),
            std::sync::Arc::new(spec.policy().clone()),
            Context::new(id, Some(parent)),
        );
        let mut kit = Self {
            cell,
            capabilities: config.capabilities(),
            status: Status::Running,
            now: Duration::ZERO,
            timers: Vec::new(),
            timer_order: 0,
            steps: Vec::new(),
            outbox: Vec::new(),
            inbox: VecDeque::new(),
            children: Vec::new(),
            watches: Vec::new(),
            supervisor: SupervisorCore::new(config.supervision().copied().unwrap_or_default()),
            next_child: 0,
            restarting: false,
        };
        let outcome = kit.cell.start();
        kit.settle(Input::Start, outcome);
        kit
    }

    /// The actor's id (`test/<name>#0`).
    pub fn id(&self) -> &ActorId {
        self.cell.context().id()
    }

    /// A typed reference to the actor under test.
    pub fn myself(&self) -> ActorRef<B::Message> {
        self.cell.context().myself()
    }

    /// A reference to a stand-in actor named `name`, to pass as a `reply_to`
    /// and then look for in the outbox.
    pub fn probe<M: Message>(&self, name: &str) -> ActorRef<M> {
        let id = ActorId::new("test/probes", 0)
            .and_then(|probes| probes.child(name, 0))
            .unwrap_or_else(|error| {
                panic!("probe name {name:?} is not a valid actor name: {error}")
            });
        ActorRef::new(id)
    }

    /// The current state, or `None` after a panic lost it (or after a stop).
    pub fn state(&self) -> Option<&B::State> {
        self.cell.state()
    }

    /// Where the actor stands.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The virtual time since the kit started.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// Every step so far, oldest first (the start is the first).
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The most recent step.
    pub fn last_step(&self) -> &Step {
        self.steps.last().unwrap_or_else(|| unreachable_no_step())
    }

    /// Messages sent to other actors, oldest first.
    pub fn outbox(&self) -> &[Delivery] {
        &self.outbox
    }

    /// Takes the outbox, leaving it empty.
    pub fn take_outbox(&mut self) -> Vec<Delivery> {
        std::mem::take(&mut self.outbox)
    }

    /// The messages `target` received, of type `M`, oldest first.
    pub fn received_by<M: Message>(&self, target: &ActorRef<M>) -> Vec<&M> {
        self.outbox
            .iter()
            .filter(|delivery| &delivery.target == target.id())
            .filter_map(|delivery| delivery.message.downcast_ref::<M>())
            .collect()
    }

    /// Messages the actor sent to itself that wait for [`TestKit::drain_self`].
    pub fn self_inbox_len(&self) -> usize {
        self.inbox.len()
    }

    /// The actors the behavior watches ([`SideEffect::Watch`]), in the
    /// order it asked.
    pub fn watched(&self) -> Vec<ActorId> {
        self.watches
            .iter()
            .map(|(actor, _)| actor.clone())
            .collect()
    }

    /// Plays a watched actor's end: each of its watchers is sent its
    /// [`Terminated`](crate::Terminated) notice, once (to the actor
    /// itself, which [`TestKit::drain_self`] then handles, or to the
    /// outbox); answers how many were.
    ///
    /// ```
    /// use alloy_actors::testkit::TestKit;
    /// use alloy_actors::{ActorId, Behavior, Context, Effect, Message, Terminated};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Debug, Clone, Serialize, Deserialize)]
    /// enum Msg { Watch(ActorId), Down(Terminated) }
    /// impl From<Terminated> for Msg { fn from(t: Terminated) -> Self { Msg::Down(t) } }
    /// impl Message for Msg { const TYPE_NAME: &'static str = "doc.Msg"; }
    ///
    /// struct Watcher;
    /// impl Behavior for Watcher {
    ///     type State = u32;
    ///     type Message = Msg;
    ///     fn init(&self) -> u32 { 0 }
    ///     fn receive(&self, ctx: &Context<Msg>, downs: u32, msg: Msg) -> Effect<u32> {
    ///         match msg {
    ///             Msg::Watch(target) => Effect::from(downs).watch(&target, &ctx.myself()),
    ///             Msg::Down(_) => Effect::from(downs + 1),
    ///         }
    ///     }
    /// }
    ///
    /// let mut kit = TestKit::new(Watcher);
    /// let worker: ActorId = "test/worker#1".parse()?;
    /// kit.send(Msg::Watch(worker.clone()));
    /// assert_eq!(kit.watched(), [worker.clone()]);
    /// assert_eq!(kit.terminate(&worker, "it stopped"), 1);
    /// kit.drain_self(10);
    /// assert_eq!(kit.state(), Some(&1));
    /// assert!(kit.watched().is_empty());
    /// # Ok::<(), alloy_actors::ActorIdError>(())
    /// ```
    pub fn terminate(&mut self, actor: &ActorId, reason: &str) -> usize {
        let (ended, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.watches)
            .into_iter()
            .partition(|(watched, _)| watched == actor);
        self.watches = kept;
        for (_, notify) in &ended {
            let notice = notify.notice(actor.clone(), reason);
            self.send_to(&notify.target().clone(), notice);
        }
        ended.len()
    }

    /// The children spawned so far, in start order.
    pub fn children(&self) -> &[ChildRecord] {
        &self.children
    }

    /// Whether child `id` is listed and running, as its supervisor sees it
    /// (`Some(false)`: listed, not running, as a transient child that ended
    /// normally).
    pub fn child_running(&self, id: &ActorId) -> Option<bool> {
        self.supervisor.child(id).map(|child| child.running)
    }

    /// Timers waiting on the virtual clock, soonest first.
    pub fn pending_timers(&self) -> &[PendingTimer] {
        &self.timers
    }

    /// Delivers one message and returns the step it made.
    pub fn send(&mut self, message: B::Message) -> &Step {
        self.deliver(AnyMessage::new(message), false)
    }

    /// Delivers a lifecycle event and returns the step it made.
    pub fn lifecycle(&mut self, event: LifecycleEvent) -> &Step {
        let outcome = self.cell.lifecycle(event.clone());
        self.settle(Input::Lifecycle(event), outcome)
    }

    /// Delivers the messages the actor sent to itself, until none are left
    /// (at most `limit`, so a behavior that tells itself forever still ends),
    /// and returns the steps they made.
    pub fn drain_self(&mut self, limit: usize) -> &[Step] {
        let first = self.steps.len();
        for _ in 0..limit {
            let Some(message) = self.inbox.pop_front() else {
                break;
            };
            self.deliver(message, false);
        }
        &self.steps[first..]
    }

    /// Moves the virtual clock forward by `by`, firing every timer that comes
    /// due, in due order, and returns the steps the actor made.
    pub fn advance(&mut self, by: Duration) -> &[Step] {
        let first = self.steps.len();
        let until = self.now.saturating_add(by);
        while let Some(next) = self.timers.first() {
            if next.due > until {
                break;
            }
            let timer = self.timers.remove(0);
            self.now = timer.due;
            if &timer.target == self.id() {
                self.deliver(timer.message, true);
            } else {
                self.outbox.push(Delivery {
                    at: self.now,
                    target: timer.target,
                    message: timer.message,
                });
            }
        }
        self.now = until;
        &self.steps[first..]
    }

    /// Restarts the actor as its supervisor would after an escalation:
    /// `PreRestart` if its state survived, children stopped, timers cancelled,
    /// a fresh state from `init`, then `PostRestart`.
    pub fn restart(&mut self) -> &Step {
        let reason = match &self.status {
            Status::Escalated(failure) => RestartReason::from_failure(failure),
            _ => RestartReason::Requested,
        };
        self.restart_with(reason)
    }

    /// Stops the actor from outside: `PostStop`, then it is gone.
    pub fn stop(&mut self) -> &Step {
        self.status = Status::Stopped {
            reason: "stopped by the test".into(),
        };
        self.timers.clear();
        let outcome = self.cell.lifecycle(LifecycleEvent::PostStop);
        self.settle(Input::Lifecycle(LifecycleEvent::PostStop), outcome);
        self.cell.discard();
        self.last_step()
    }

    /// Tells the kit's supervisor that child `child` exited with `exit`, and
    /// returns what a runtime's supervisor would do about it now.
    pub fn child_exited(&mut self, child: &ActorId, exit: ChildExit) -> Directive {
        let directive = self.supervisor.child_exited(child, &exit, self.now);
        match &directive {
            Directive::Restart { start, .. } => {
                for id in start {
                    self.supervisor.child_started(id);
                }
            }
            Directive::GiveUp { reason, .. } => {
                // The actor gives up on its children and fails to its own supervisor.
                self.status = Status::Escalated(Failure::Escalated(reason.clone()));
            }
            Directive::Nothing => {}
        }
        self.children
            .retain(|record| self.supervisor.contains(&record.id));
        directive
    }

    /// The supervision strategy the actor applies to its children.
    pub fn supervision(&self) -> SupervisionStrategy {
        self.supervisor.strategy()
    }

    fn deliver(&mut self, message: AnyMessage, from_timer: bool) -> &Step {
        let input = if from_timer {
            Input::Timer(message.clone())
        } else {
            Input::Message(message.clone())
        };
        if self.status != Status::Running {
            self.steps.push(Step::new(
                input,
                self.now,
                StepOutcome::NotDelivered(self.status.clone()),
                Vec::new(),
                None,
            ));
            return self.last_step();
        }
        let mut slot = MessageSlot::erased(message);
        let outcome = match self.cell.receive(&mut slot) {
            Ok(outcome) => outcome,
            Err(wrong) => Outcome::Failed(Failure::Escalated(ActorError::new(wrong))),
        };
        self.settle(input, outcome)
    }

    /// Records a step and interprets its outcome the way a runtime would.
    fn settle(&mut self, input: Input, outcome: Outcome) -> &Step {
        let (outcome, effects) = match outcome {
            Outcome::Continue(effects) => (StepOutcome::Continued, effects),
            Outcome::Stop { reason, effects } => (StepOutcome::Stopped(reason), effects),
            Outcome::Restart => (StepOutcome::Restarted, Vec::new()),
            Outcome::Failed(failure) => (StepOutcome::Failed(failure), Vec::new()),
            Outcome::Ignore if matches!(input, Input::Lifecycle(LifecycleEvent::PreStart)) => {
                (StepOutcome::Ignored, Vec::new())
            }
            Outcome::Ignore => (StepOutcome::Stopped(IGNORED.to_owned()), Vec::new()),
        };
        let (outcome, effects) = match self.capabilities.check(self.id(), &effects) {
            Ok(()) => (outcome, effects),
            Err(denied) => (
                StepOutcome::Failed(Failure::Escalated(ActorError::new(denied))),
                Vec::new(),
            ),
        };
        self.perform(&effects);
        let post_stop = matches!(input, Input::Lifecycle(LifecycleEvent::PostStop));
        let recovery = match &outcome {
            StepOutcome::Failed(_) => Some(self.cell.recover()),
            _ => None,
        };
        self.steps.push(Step::new(
            input,
            self.now,
            outcome.clone(),
            effects,
            recovery,
        ));
        let index = self.steps.len() - 1;
        match (outcome, recovery) {
            (StepOutcome::Stopped(reason), _) => {
                self.timers.clear();
                if !post_stop {
                    let hook = self.cell.lifecycle(LifecycleEvent::PostStop);
                    self.settle(Input::Lifecycle(LifecycleEvent::PostStop), hook);
                }
                self.status = Status::Stopped { reason };
                self.cell.discard();
            }
            (StepOutcome::Ignored, _) => {
                // OTP's `ignore`: no process, so no stop hook either.
                self.timers.clear();
                self.status = Status::Ignored;
                self.cell.discard();
            }
            (StepOutcome::Restarted, _) => {
                self.restart_with(RestartReason::Requested);
            }
            (StepOutcome::Failed(_), Some(Recovery::Restarted)) => {
                // The policy already installed its state: no init.
                self.forget_incarnation();
                let hook = self.cell.lifecycle(LifecycleEvent::PostRestart);
                self.settle(Input::Lifecycle(LifecycleEvent::PostRestart), hook);
            }
            (StepOutcome::Failed(failure), Some(Recovery::Escalate)) => {
                self.status = Status::Escalated(failure);
            }
            (StepOutcome::Failed(failure), Some(Recovery::Stop)) => {
                self.timers.clear();
                self.status = Status::Stopped {
                    reason: failure.to_string(),
                };
                self.cell.discard();
            }
            _ => {}
        }
        &self.steps[index]
    }

    fn restart_with(&mut self, reason: RestartReason) -> &Step {
        if self.restarting {
            // A restart hook asked to restart again: a runtime would loop forever.
            let failure =
                Failure::Escalated(ActorError::msg("a restart hook asked for another restart"));
            self.steps.push(Step::new(
                Input::Lifecycle(LifecycleEvent::PostRestart),
                self.now,
                StepOutcome::Failed(failure.clone()),
                Vec::new(),
                None,
            ));
            self.status = Status::Escalated(failure);
            return self.last_step();
        }
        self.restarting = true;
        self.restart_once(reason);
        self.restarting = false;
        self.last_step()
    }

    fn restart_once(&mut self, reason: RestartReason) {
        if self.cell.has_state() {
            let event = LifecycleEvent::PreRestart { reason };
            let hook = self.cell.lifecycle(event.clone());
            self.settle(Input::Lifecycle(event), hook);
        }
        self.forget_incarnation();
        self.status = Status::Running;
        if let Err(failure) = self.cell.reset() {
            self.steps.push(Step::new(
                Input::Start,
                self.now,
                StepOutcome::Failed(failure.clone()),
                Vec::new(),
                None,
            ));
            self.status = Status::Escalated(failure);
            return;
        }
        let hook = self.cell.lifecycle(LifecycleEvent::PostRestart);
        self.settle(Input::Lifecycle(LifecycleEvent::PostRestart), hook);
    }

    /// Drops what belonged to the incarnation that is restarting: its
    /// children (stopped by the runtime, so their supervision history goes
    /// too), its timers and the messages it sent itself.
    fn forget_incarnation(&mut self) {
        self.children.clear();
        self.supervisor = SupervisorCore::new(self.supervisor.strategy());
        self.timers.clear();
        self.inbox.clear();
    }

    fn perform(&mut self, effects: &[SideEffect]) {
        for effect in effects {
            match effect {
                SideEffect::Tell {
                    target, message, ..
                } => self.send_to(target, message.clone()),
                SideEffect::Spawn { spec, reply_to } => {
                    let name = match spec.config().name() {
                        Some(name) => name.to_owned(),
                        None => format!("${}", self.next_child),
                    };
                    self.next_child += 1;
                    let id = self.id().child(&name, 0).unwrap_or_else(|error| {
                        panic!("child spec name {name:?} is not a valid actor name: {error}")
                    });
                    self.supervisor
                        .add_child(id.clone(), spec.config().restart_type());
                    self.children.push(ChildRecord {
                        id: id.clone(),
                        spec: spec.clone(),
                    });
                    if let Some(reply_to) = reply_to {
                        let notice = reply_to.notice(id);
                        self.send_to(&reply_to.target().clone(), notice);
                    }
                }
                SideEffect::Schedule {
                    timer,
                    delay,
                    target,
                    message,
                } => {
                    if let Some(key) = timer {
                        self.timers
                            .retain(|pending| pending.key.as_ref() != Some(key));
                    }
                    self.timer_order += 1;
                    self.timers.push(PendingTimer {
                        due: self.now.saturating_add(*delay),
                        key: timer.clone(),
                        target: target.clone(),
                        message: message.clone(),
                        order: self.timer_order,
                    });
                    self.timers
                        .sort_by_key(|pending| (pending.due, pending.order));
                }
                SideEffect::CancelTimer { timer } => {
                    self.timers
                        .retain(|pending| pending.key.as_ref() != Some(timer));
                }
                SideEffect::Watch { target, notify } => {
                    self.watches.push((target.clone(), notify.clone()));
                }
                SideEffect::Log { .. } => {}
            }
        }
    }

    fn send_to(&mut self, target: &ActorId, message: AnyMessage) {
        if target == self.id() {
            self.inbox.push_back(message);
        } else {
            self.outbox.push(Delivery {
                at: self.now,
                target: target.clone(),
                message,
            });
        }
    }
}

impl<B: Behavior> std::fmt::Debug for TestKit<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKit")
            .field("id", self.id())
            .field("status", &self.status)
            .field("now", &self.now)
            .field("steps", &self.steps.len())
            .finish_non_exhaustive()
    }
}

#[cold]
fn unreachable_id() -> ! {
    unreachable!("the test kit's own actor names are valid")
}

#[cold]
fn unreachable_no_step() -> ! {
    unreachable!("the kit records a step when it starts")
}
