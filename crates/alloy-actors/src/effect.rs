//! Effects: what a behavior returns, and how effects compose.
//!
//! [`Effect::and_then`] is the bind of the seed's `actor { }` computation
//! expression. Side effects of `ContinueWith` accumulate in order; `Stop`,
//! `Restart` and `Escalate` short-circuit: nothing bound after them runs.
//! The operations ([`Effect::tell`], [`Effect::spawn`],
//! [`Effect::schedule_once`], [`Effect::stop`], ...) are binds of one step
//! each, so a handler reads top to bottom:
//!
//! ```
//! use alloy_actors::{ActorRef, Effect, Message};
//! # #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
//! # struct Count(i64);
//! # impl Message for Count { const TYPE_NAME: &'static str = "example.Count"; }
//!
//! fn answer(count: i64, reply_to: &ActorRef<Count>) -> Effect<i64> {
//!     Effect::from(count).tell(reply_to, Count(count)).info("answered")
//! }
//! # let probe = ActorRef::new("test/probe#0".parse().unwrap());
//! # assert_eq!(answer(3, &probe).side_effects().len(), 2);
//! ```
//!
//! Every variant carries the state the actor holds at that point. The seed
//! keeps state in a mutable cell beside the effect; in Rust the handler owns
//! the state it was given, so the state travels in the effect. That is what
//! lets a runtime call `PostStop` after a `Stop`, or resume an actor after an
//! `Escalate`, with the state the handler left.

use std::time::Duration;

use crate::{
    ActorError, ActorId, ActorPriority, ActorRef, AnyMessage, AnySpec, LogLevel, Message,
    SideEffect, SpawnReply, TimerKey,
};

/// The result of handling one message or lifecycle event.
#[derive(Debug)]
#[must_use = "an effect does nothing until a runtime interprets it"]
pub enum Effect<S> {
    /// Keep going with this state.
    Continue(S),
    /// Keep going with this state, after performing these side effects in order.
    ContinueWith(S, Vec<SideEffect>),
    /// Stop the actor normally after performing the side effects bound before
    /// the stop (a final reply still goes out). The runtime delivers
    /// `PostStop` with `state`.
    Stop {
        /// The state at the stop, handed to the `PostStop` hook.
        state: S,
        /// Why the actor stops.
        reason: String,
        /// Side effects bound before the stop, performed before stopping.
        effects: Vec<SideEffect>,
    },
    /// Restart the actor: `PreRestart` with this state, children stopped,
    /// a fresh state from `init`, then `PostRestart`. Side effects bound
    /// before it are discarded with the old incarnation.
    Restart(S),
    /// Fail: hand `error` to the actor's error policy and supervisor. Side
    /// effects bound before it are discarded, as the message failed; `state`
    /// is what a `Resume` policy continues with.
    Escalate {
        /// The state when the failure was raised.
        state: S,
        /// The failure.
        error: ActorError,
    },
    /// Returned from the `PreStart` hook: do not run at all, as an OTP
    /// child whose `init` returns `ignore`. The supervisor keeps the child
    /// listed, not running, and never restarts it on its own; a spawn of it
    /// succeeds. Side effects bound before it are discarded. Returned from
    /// anywhere else, it stops the actor normally.
    Ignore(S),
}

impl<S> From<S> for Effect<S> {
    fn from(state: S) -> Self {
        Effect::Continue(state)
    }
}

impl<S> Effect<S> {
    /// Binds the next step: runs `next` with the state if the effect is still
    /// continuing, accumulating side effects in order; otherwise returns the
    /// short-circuiting effect unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use alloy_actors::Effect;
    ///
    /// let effect = Effect::from(1).and_then(|n| Effect::from(n + 1).info("added"));
    /// assert_eq!(effect.state(), &2);
    /// assert_eq!(effect.side_effects().len(), 1);
    ///
    /// let stopped = Effect::from(1).stop("done").and_then(|n| Effect::from(n + 1));
    /// assert!(stopped.is_stop());
    /// assert_eq!(stopped.state(), &1);
    /// ```
    pub fn and_then(self, next: impl FnOnce(S) -> Effect<S>) -> Effect<S> {
        match self {
            Effect::Continue(state) => next(state),
            Effect::ContinueWith(state, mut effects) => match next(state) {
                Effect::Continue(state) => Effect::ContinueWith(state, effects),
                Effect::ContinueWith(state, more) => {
                    effects.extend(more);
                    Effect::ContinueWith(state, effects)
                }
                Effect::Stop {
                    state,
                    reason,
                    effects: more,
                } => {
                    effects.extend(more);
                    Effect::Stop {
                        state,
                        reason,
                        effects,
                    }
                }
                other @ (Effect::Restart(_) | Effect::Escalate { .. } | Effect::Ignore(_)) => other,
            },
            other => other,
        }
    }

    /// Changes the state if the effect is still continuing.
    pub fn map(self, change: impl FnOnce(S) -> S) -> Effect<S> {
        self.and_then(|state| Effect::Continue(change(state)))
    }

    /// Adds one side effect if the effect is still continuing.
    pub fn with(self, side_effect: SideEffect) -> Effect<S> {
        self.and_then(|state| Effect::ContinueWith(state, vec![side_effect]))
    }

    /// Tells `target` a message at normal priority.
    pub fn tell<M: Message>(self, target: &ActorRef<M>, message: M) -> Effect<S> {
        self.tell_with_priority(target, message, ActorPriority::Normal)
    }

    /// Tells `target` a message at the given priority.
    pub fn tell_with_priority<M: Message>(
        self,
        target: &ActorRef<M>,
        message: M,
        priority: ActorPriority,
    ) -> Effect<S> {
        self.with(SideEffect::Tell {
            target: target.id().clone(),
            message: AnyMessage::new(message),
            priority,
        })
    }

    /// Starts a child from `spec`, supervised by this actor.
    pub fn spawn(self, spec: impl Into<AnySpec>) -> Effect<S> {
        self.with(SideEffect::Spawn {
            spec: spec.into(),
            reply_to: None,
        })
    }

    /// Starts a child and tells `reply_to` its id once it runs.
    pub fn spawn_and_notify<M: Message + From<crate::Spawned>>(
        self,
        spec: impl Into<AnySpec>,
        reply_to: &ActorRef<M>,
    ) -> Effect<S> {
        self.with(SideEffect::Spawn {
            spec: spec.into(),
            reply_to: Some(SpawnReply::to(reply_to)),
        })
    }

    /// Watches `target`: `notify` gets a [`Terminated`](crate::Terminated)
    /// notice when it stops for good, is unknown, or its system's link is
    /// lost. Watching an actor of another system needs
    /// [`Capability::Remote`](crate::Capability::Remote).
    pub fn watch<M: Message + From<crate::Terminated>>(
        self,
        target: &ActorId,
        notify: &ActorRef<M>,
    ) -> Effect<S> {
        self.with(SideEffect::Watch {
            target: target.clone(),
            notify: crate::WatchReply::to(notify),
        })
    }

    /// Sends `message` to `target` once, after `delay`.
    pub fn schedule_once<M: Message>(
        self,
        delay: Duration,
        target: &ActorRef<M>,
        message: M,
    ) -> Effect<S> {
        self.with(SideEffect::Schedule {
            timer: None,
            delay,
            target: target.id().clone(),
            message: AnyMessage::new(message),
        })
    }

    /// Sends `message` to `target` after `delay` under a timer key, replacing
    /// any pending timer with the same key; [`Effect::cancel_timer`] cancels it.
    pub fn schedule<M: Message>(
        self,
        timer: impl Into<TimerKey>,
        delay: Duration,
        target: &ActorRef<M>,
        message: M,
    ) -> Effect<S> {
        self.with(SideEffect::Schedule {
            timer: Some(timer.into()),
            delay,
            target: target.id().clone(),
            message: AnyMessage::new(message),
        })
    }

    /// Cancels the pending timer under `timer`, if any.
    pub fn cancel_timer(self, timer: impl Into<TimerKey>) -> Effect<S> {
        self.with(SideEffect::CancelTimer {
            timer: timer.into(),
        })
    }

    /// Writes a log line at `level`.
    pub fn log(self, level: LogLevel, text: impl Into<String>) -> Effect<S> {
        self.with(SideEffect::Log {
            level,
            text: text.into(),
        })
    }

    /// Writes an info log line.
    pub fn info(self, text: impl Into<String>) -> Effect<S> {
        self.log(LogLevel::Info, text)
    }

    /// Stops the actor normally, keeping the side effects bound so far.
    pub fn stop(self, reason: impl Into<String>) -> Effect<S> {
        let reason = reason.into();
        self.and_then(|state| Effect::Stop {
            state,
            reason,
            effects: Vec::new(),
        })
    }

    /// Restarts the actor (see [`Effect::Restart`]).
    pub fn restart(self) -> Effect<S> {
        self.and_then(Effect::Restart)
    }

    /// Declines to run (see [`Effect::Ignore`]).
    pub fn ignore(self) -> Effect<S> {
        self.and_then(Effect::Ignore)
    }

    /// Fails with `error` (see [`Effect::Escalate`]).
    pub fn escalate(self, error: impl Into<ActorError>) -> Effect<S> {
        let error = error.into();
        self.and_then(|state| Effect::Escalate { state, error })
    }

    /// The state this effect carries.
    pub fn state(&self) -> &S {
        match self {
            Effect::Continue(state)
            | Effect::ContinueWith(state, _)
            | Effect::Stop { state, .. }
            | Effect::Restart(state)
            | Effect::Ignore(state)
            | Effect::Escalate { state, .. } => state,
        }
    }

    /// The side effects this effect will perform (none for restart and escalate).
    pub fn side_effects(&self) -> &[SideEffect] {
        match self {
            Effect::ContinueWith(_, effects) | Effect::Stop { effects, .. } => effects,
            Effect::Continue(_)
            | Effect::Restart(_)
            | Effect::Ignore(_)
            | Effect::Escalate { .. } => &[],
        }
    }

    /// Whether the actor keeps running after this effect.
    pub fn is_continue(&self) -> bool {
        matches!(self, Effect::Continue(_) | Effect::ContinueWith(..))
    }

    /// Whether this is a stop.
    pub fn is_stop(&self) -> bool {
        matches!(self, Effect::Stop { .. })
    }

    /// Splits the effect into its state, its side effects and what follows.
    pub fn into_parts(self) -> (S, Vec<SideEffect>, Control) {
        match self {
            Effect::Continue(state) => (state, Vec::new(), Control::Continue),
            Effect::ContinueWith(state, effects) => (state, effects, Control::Continue),
            Effect::Stop {
                state,
                reason,
                effects,
            } => (state, effects, Control::Stop(reason)),
            Effect::Restart(state) => (state, Vec::new(), Control::Restart),
            Effect::Ignore(state) => (state, Vec::new(), Control::Ignore),
            Effect::Escalate { state, error } => (state, Vec::new(), Control::Escalate(error)),
        }
    }
}

/// What happens to an actor after an effect, without the state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Control {
    /// It keeps running.
    Continue,
    /// It stops normally, for this reason.
    Stop(String),
    /// It restarts.
    Restart,
    /// It failed with this error.
    Escalate(ActorError),
    /// It declines to run (see [`Effect::Ignore`]).
    Ignore,
}

impl SideEffect {
    /// The actor this side effect sends to, if it sends anything.
    pub fn target(&self) -> Option<&ActorId> {
        match self {
            SideEffect::Tell { target, .. } | SideEffect::Schedule { target, .. } => Some(target),
            SideEffect::Spawn { reply_to, .. } => reply_to.as_ref().map(SpawnReply::target),
            SideEffect::Watch { target, .. } => Some(target),
            SideEffect::CancelTimer { .. } | SideEffect::Log { .. } => None,
        }
    }
}
