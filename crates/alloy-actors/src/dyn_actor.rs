//! The type-erased interface runtimes drive: [`DynBehavior`] and [`DynActor`].
//!
//! A runtime that spawns actors from [`AnySpec`](crate::AnySpec)s does not
//! know their state or message types. It instantiates a [`DynActor`], which
//! owns the state, calls the behavior, catches panics, applies the error
//! policy's state changes, and hands back an [`Outcome`]: the side effects to
//! perform and what happens to the actor next. A typed message is lent with a
//! [`MessageSlot`], so delivery costs no allocation.

use std::any::{Any, TypeId};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::runtime::MessageSlot;
use crate::{
    ActorError, ActorId, AnyMessage, Behavior, Context, Control, Effect, ErrorPolicy,
    ErrorPolicyKind, LifecycleEvent, Message, RestartReason, SideEffect,
};

/// A behavior with its types erased: a factory of [`DynActor`]s.
pub trait DynBehavior: Send + Sync + 'static {
    /// The stable type name of the messages it accepts.
    fn message_type_name(&self) -> &'static str;

    /// The Rust type id of the messages it accepts.
    fn message_type_id(&self) -> TypeId;

    /// What its error policy does first on a failure.
    fn error_policy(&self) -> ErrorPolicyKind;

    /// A new, not yet started actor with this behavior.
    fn instantiate(&self, id: ActorId, parent: Option<ActorId>) -> Box<dyn DynActor>;

    /// Decodes one message of the accepted type from any serde format.
    ///
    /// # Errors
    ///
    /// When the input does not hold a message of the accepted type.
    fn decode_message(
        &self,
        input: &mut dyn erased_serde::Deserializer<'_>,
    ) -> Result<AnyMessage, erased_serde::Error>;
}

/// One actor instance with its types erased, as a runtime drives it.
///
/// The runtime calls [`start`](DynActor::start) once, then
/// [`receive`](DynActor::receive) per message and the lifecycle methods as
/// events happen; it performs the side effects of each [`Outcome`] in order.
pub trait DynActor: Send {
    /// The actor's id.
    fn id(&self) -> &ActorId;

    /// The stable type name of the messages it accepts.
    fn message_type_name(&self) -> &'static str;

    /// Creates the initial state and delivers `PreStart`.
    fn start(&mut self) -> Outcome;

    /// Handles one message.
    ///
    /// # Errors
    ///
    /// [`WrongMessageType`] when the slot does not hold the accepted type;
    /// the message stays in the slot.
    fn receive(&mut self, message: &mut MessageSlot<'_>) -> Result<Outcome, WrongMessageType>;

    /// Delivers a lifecycle event. When the state was lost to a panic, the
    /// hook is skipped and the outcome is an empty continue.
    fn lifecycle(&mut self, event: LifecycleEvent) -> Outcome;

    /// Applies the first step of the error policy after a failure outcome
    /// (from the behavior, or a runtime refusing an outcome): `Resume` keeps
    /// the state an escalation carried, or else returns to the state from
    /// before the message; `RestartWith` installs the policy's state; the
    /// runtime performs what the returned action says.
    fn recover(&mut self) -> Recovery;

    /// Replaces the state with a fresh one from `init` (a supervisor restart);
    /// the runtime then delivers `PostRestart`.
    fn reset(&mut self) -> Result<(), Failure>;

    /// Whether the actor holds a state (false after a panic, before a reset).
    fn has_state(&self) -> bool;

    /// Drops the state: the actor is gone.
    fn discard(&mut self);

    /// Serializes the state with any serde format; `false` when there is none.
    ///
    /// # Errors
    ///
    /// When the serializer fails.
    fn save_state(
        &self,
        output: &mut dyn erased_serde::Serializer,
    ) -> Result<bool, erased_serde::Error>;

    /// Replaces the state with one decoded from any serde format.
    ///
    /// # Errors
    ///
    /// When the input does not hold a state of the behavior's type.
    fn load_state(
        &mut self,
        input: &mut dyn erased_serde::Deserializer<'_>,
    ) -> Result<(), erased_serde::Error>;
}

/// What a runtime does after an actor handled an input, its state stored.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Perform these side effects; the actor keeps running.
    Continue(Vec<SideEffect>),
    /// Perform these side effects, then stop the actor normally.
    Stop {
        /// Why it stops.
        reason: String,
        /// Side effects to perform first.
        effects: Vec<SideEffect>,
    },
    /// Restart the actor (its behavior asked).
    Restart,
    /// The actor declines to run (OTP's `ignore`, from `PreStart`; see
    /// [`Effect::Ignore`]); elsewhere the runtime treats it as a normal stop.
    Ignore,
    /// The actor failed; call [`DynActor::recover`].
    Failed(Failure),
}

/// How an actor failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// Its behavior returned [`Effect::Escalate`].
    Escalated(ActorError),
    /// Its behavior panicked; the text is the panic message.
    Panicked(String),
}

impl Failure {
    /// The failure as an [`ActorError`], for supervisors and restart reasons.
    pub fn to_error(&self) -> ActorError {
        match self {
            Failure::Escalated(error) => error.clone(),
            Failure::Panicked(text) => ActorError::msg(format!("panicked: {text}")),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Escalated(error) => write!(f, "escalated: {error}"),
            Failure::Panicked(text) => write!(f, "panicked: {text}"),
        }
    }
}

/// What the error policy leaves the runtime to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recovery {
    /// The actor resumed with its surviving state; take the next message.
    Resumed,
    /// The actor holds the policy's restart state: stop its children, then
    /// deliver `PostRestart`.
    Restarted,
    /// Hand the failure to the supervisor.
    Escalate,
    /// Stop the actor as failed.
    Stop,
}

/// A message of the wrong type reached an actor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("actor accepts `{expected}` but was sent `{found}`")]
pub struct WrongMessageType {
    /// The type the actor accepts.
    pub expected: &'static str,
    /// The type it was sent.
    pub found: &'static str,
}

/// The [`DynBehavior`] of a typed behavior and its error policy.
pub(crate) struct BehaviorFactory<B: Behavior> {
    behavior: Arc<B>,
    policy: Arc<ErrorPolicy<B::State>>,
    snapshots: bool,
}

impl<B: Behavior> BehaviorFactory<B> {
    pub(crate) fn new(behavior: Arc<B>, policy: ErrorPolicy<B::State>, snapshots: bool) -> Self {
        Self {
            behavior,
            policy: Arc::new(policy),
            snapshots,
        }
    }
}

impl<B: Behavior> DynBehavior for BehaviorFactory<B> {
    fn message_type_name(&self) -> &'static str {
        <B::Message as Message>::TYPE_NAME
    }

    fn message_type_id(&self) -> TypeId {
        TypeId::of::<B::Message>()
    }

    fn error_policy(&self) -> ErrorPolicyKind {
        self.policy.kind()
    }

    fn instantiate(&self, id: ActorId, parent: Option<ActorId>) -> Box<dyn DynActor> {
        Box::new(
            BehaviorCell::<B>::new(
                Arc::clone(&self.behavior),
                Arc::clone(&self.policy),
                Context::new(id, parent),
            )
            .keep_snapshots(self.snapshots),
        )
    }

    fn decode_message(
        &self,
        input: &mut dyn erased_serde::Deserializer<'_>,
    ) -> Result<AnyMessage, erased_serde::Error> {
        erased_serde::deserialize::<B::Message>(input).map(AnyMessage::new)
    }
}

/// A typed behavior, its state and context: the [`DynActor`] every spec makes.
pub struct BehaviorCell<B: Behavior> {
    behavior: Arc<B>,
    policy: Arc<ErrorPolicy<B::State>>,
    ctx: Context<B::Message>,
    state: Option<B::State>,
    /// The state before the current message: a `Resume` returns to it, and
    /// after a panic (which loses the state the handler owned) it is the
    /// last good state the cleanup hook gets, as OTP's `terminate` does.
    snapshot: Option<B::State>,
    /// Whether a snapshot is taken before each message (a clone of the
    /// state); always under `Resume`.
    snapshots: bool,
}

impl<B: Behavior> BehaviorCell<B> {
    /// A cell for `behavior` with `policy`, not yet started.
    pub fn new(
        behavior: Arc<B>,
        policy: Arc<ErrorPolicy<B::State>>,
        ctx: Context<B::Message>,
    ) -> Self {
        Self {
            behavior,
            policy,
            ctx,
            state: None,
            snapshot: None,
            snapshots: true,
        }
    }

    /// Whether the cell copies the state before each message (the default):
    /// after a panic, the cleanup hook (`PreRestart` or `PostStop`) then runs
    /// with the last good state. Without it a state lost to a panic skips
    /// the hook. `Resume` always copies, to return to the state before.
    pub fn keep_snapshots(mut self, snapshots: bool) -> Self {
        self.snapshots = snapshots;
        self
    }

    /// The current state, if the actor holds one.
    pub fn state(&self) -> Option<&B::State> {
        self.state.as_ref()
    }

    /// The context the behavior sees.
    pub fn context(&self) -> &Context<B::Message> {
        &self.ctx
    }

    /// Handles a typed message.
    pub fn receive_typed(&mut self, message: B::Message) -> Outcome {
        let Some(state) = self.state.take() else {
            return Outcome::Failed(Failure::Escalated(ActorError::msg(
                "actor received a message while it held no state",
            )));
        };
        if self.snapshots || matches!(*self.policy, ErrorPolicy::Resume) {
            self.snapshot = Some(state.clone());
        }
        let behavior = &self.behavior;
        let ctx = &self.ctx;
        let result = catch_unwind(AssertUnwindSafe(|| behavior.receive(ctx, state, message)));
        self.settle(result)
    }

    fn settle(&mut self, result: Result<Effect<B::State>, Box<dyn Any + Send>>) -> Outcome {
        match result {
            Ok(effect) => {
                let (state, effects, control) = effect.into_parts();
                self.state = Some(state);
                if !matches!(*self.policy, ErrorPolicy::Resume) {
                    // Only a panic needed it: no second copy while idle.
                    self.snapshot = None;
                }
                // Under `Resume` the snapshot from before the message stays
                // until the next one: if the runtime then refuses the
                // outcome (a missing capability, say), `recover` returns
                // to it rather than keep the refused state.
                match control {
                    Control::Continue => Outcome::Continue(effects),
                    Control::Stop(reason) => Outcome::Stop { reason, effects },
                    Control::Restart => Outcome::Restart,
                    Control::Ignore => Outcome::Ignore,
                    Control::Escalate(error) => {
                        // The handler chose the state it fails with.
                        self.snapshot = None;
                        Outcome::Failed(Failure::Escalated(error))
                    }
                }
            }
            Err(panic) => {
                // The handler owned the state and lost it: the snapshot, if
                // one was kept, is the last good state.
                self.state = self.snapshot.take();
                Outcome::Failed(Failure::Panicked(panic_text(panic.as_ref())))
            }
        }
    }
}

/// The text of a panic payload.
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

impl<B: Behavior> DynActor for BehaviorCell<B> {
    fn id(&self) -> &ActorId {
        self.ctx.id()
    }

    fn message_type_name(&self) -> &'static str {
        <B::Message as Message>::TYPE_NAME
    }

    fn start(&mut self) -> Outcome {
        if let Err(failure) = self.reset() {
            return Outcome::Failed(failure);
        }
        self.lifecycle(LifecycleEvent::PreStart)
    }

    fn receive(&mut self, message: &mut MessageSlot<'_>) -> Result<Outcome, WrongMessageType> {
        match message.take::<B::Message>() {
            Some(message) => Ok(self.receive_typed(message)),
            None => Err(WrongMessageType {
                expected: <B::Message as Message>::TYPE_NAME,
                found: message.type_name(),
            }),
        }
    }

    fn lifecycle(&mut self, event: LifecycleEvent) -> Outcome {
        self.snapshot = None;
        let Some(state) = self.state.take() else {
            return Outcome::Continue(Vec::new());
        };
        let behavior = &self.behavior;
        let ctx = &self.ctx;
        let result = catch_unwind(AssertUnwindSafe(|| behavior.lifecycle(ctx, state, event)));
        self.settle(result)
    }

    fn recover(&mut self) -> Recovery {
        match &*self.policy {
            ErrorPolicy::Resume => {
                if let Some(snapshot) = self.snapshot.take() {
                    self.state = Some(snapshot);
                }
                if self.state.is_some() {
                    Recovery::Resumed
                } else {
                    // Nothing survived (a panic outside `receive`): escalate.
                    Recovery::Escalate
                }
            }
            ErrorPolicy::RestartWith(fresh) => {
                self.snapshot = None;
                self.state = Some(fresh.clone());
                Recovery::Restarted
            }
            ErrorPolicy::Escalate => Recovery::Escalate,
            ErrorPolicy::Stop => Recovery::Stop,
        }
    }

    fn reset(&mut self) -> Result<(), Failure> {
        self.snapshot = None;
        let behavior = &self.behavior;
        match catch_unwind(AssertUnwindSafe(|| behavior.init())) {
            Ok(state) => {
                self.state = Some(state);
                Ok(())
            }
            Err(panic) => {
                self.state = None;
                Err(Failure::Panicked(panic_text(panic.as_ref())))
            }
        }
    }

    fn has_state(&self) -> bool {
        self.state.is_some()
    }

    fn discard(&mut self) {
        self.state = None;
        self.snapshot = None;
    }

    fn save_state(
        &self,
        output: &mut dyn erased_serde::Serializer,
    ) -> Result<bool, erased_serde::Error> {
        match &self.state {
            Some(state) => erased_serde::Serialize::erased_serialize(state, output).map(|()| true),
            None => Ok(false),
        }
    }

    fn load_state(
        &mut self,
        input: &mut dyn erased_serde::Deserializer<'_>,
    ) -> Result<(), erased_serde::Error> {
        self.state = Some(erased_serde::deserialize::<B::State>(input)?);
        self.snapshot = None;
        Ok(())
    }
}

impl<B: Behavior> fmt::Debug for BehaviorCell<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BehaviorCell")
            .field("behavior", &std::any::type_name::<B>())
            .field("id", self.ctx.id())
            .field("has_state", &self.state.is_some())
            .finish()
    }
}

impl RestartReason {
    /// The reason for restarting after `failure`.
    pub fn from_failure(failure: &Failure) -> Self {
        RestartReason::Failed(failure.to_error())
    }
}
