//! One step of a behavior under test, and the assertions on it.

use std::fmt::Debug;
use std::time::Duration;

use super::Status;
use crate::runtime::{Failure, Recovery};
use crate::{
    ActorError, ActorRef, AnyMessage, AnySpec, LifecycleEvent, LogLevel, Message, SideEffect,
};

/// What the actor was given.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Input {
    /// It was started (init, then `PreStart`).
    Start,
    /// A message.
    Message(AnyMessage),
    /// A message from a timer that came due.
    Timer(AnyMessage),
    /// A lifecycle event.
    Lifecycle(LifecycleEvent),
}

/// How the step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepOutcome {
    /// The actor keeps running.
    Continued,
    /// The actor stopped itself, for this reason.
    Stopped(String),
    /// The actor asked to restart.
    Restarted,
    /// The actor's `PreStart` declined to run
    /// ([`Effect::Ignore`](crate::Effect::Ignore)).
    Ignored,
    /// The actor failed.
    Failed(Failure),
    /// The actor was not running, so the input was not delivered.
    NotDelivered(Status),
}

/// One input and everything the actor did with it.
#[derive(Debug, Clone)]
pub struct Step {
    input: Input,
    at: Duration,
    outcome: StepOutcome,
    effects: Vec<SideEffect>,
    recovery: Option<Recovery>,
}

impl Step {
    pub(super) fn new(
        input: Input,
        at: Duration,
        outcome: StepOutcome,
        effects: Vec<SideEffect>,
        recovery: Option<Recovery>,
    ) -> Self {
        Self {
            input,
            at,
            outcome,
            effects,
            recovery,
        }
    }

    /// What the actor was given.
    pub fn input(&self) -> &Input {
        &self.input
    }

    /// When, on the virtual clock.
    pub fn at(&self) -> Duration {
        self.at
    }

    /// How it ended.
    pub fn outcome(&self) -> &StepOutcome {
        &self.outcome
    }

    /// The side effects performed, in order (none when the step failed).
    pub fn effects(&self) -> &[SideEffect] {
        &self.effects
    }

    /// What the error policy did, when the step failed.
    pub fn recovery(&self) -> Option<Recovery> {
        self.recovery
    }

    /// The messages of type `M` told to `target` in this step.
    pub fn told<M: Message>(&self, target: &ActorRef<M>) -> Vec<&M> {
        self.effects
            .iter()
            .filter_map(|effect| match effect {
                SideEffect::Tell {
                    target: to,
                    message,
                    ..
                } if to == target.id() => message.downcast_ref::<M>(),
                _ => None,
            })
            .collect()
    }

    /// The specs of the children spawned in this step.
    pub fn spawned(&self) -> Vec<&AnySpec> {
        self.effects
            .iter()
            .filter_map(|effect| match effect {
                SideEffect::Spawn { spec, .. } => Some(spec),
                _ => None,
            })
            .collect()
    }

    /// The log lines written in this step.
    pub fn logs(&self) -> Vec<(LogLevel, &str)> {
        self.effects
            .iter()
            .filter_map(|effect| match effect {
                SideEffect::Log { level, text } => Some((*level, text.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Asserts that `message` was told to `target` in this step.
    ///
    /// # Panics
    ///
    /// When it was not, listing what was told instead.
    #[track_caller]
    pub fn assert_told<M: Message + PartialEq>(&self, target: &ActorRef<M>, message: &M) -> &Self {
        let told = self.told(target);
        assert!(
            told.contains(&message),
            "expected {message:?} told to {target}, but this step told it {told:?}; effects: {:?}",
            self.effects
        );
        self
    }

    /// Asserts that nothing was told to anyone in this step.
    ///
    /// # Panics
    ///
    /// When something was.
    #[track_caller]
    pub fn assert_no_tells(&self) -> &Self {
        let tells: Vec<_> = self
            .effects
            .iter()
            .filter(|effect| matches!(effect, SideEffect::Tell { .. }))
            .collect();
        assert!(tells.is_empty(), "expected no tells, found {tells:?}");
        self
    }

    /// Asserts that a child named `name` was spawned in this step.
    ///
    /// # Panics
    ///
    /// When none was.
    #[track_caller]
    pub fn assert_spawned(&self, name: &str) -> &Self {
        let names: Vec<_> = self
            .spawned()
            .iter()
            .map(|spec| spec.config().name())
            .collect();
        assert!(
            names.contains(&Some(name)),
            "expected a child named {name:?} spawned, found {names:?}"
        );
        self
    }

    /// Asserts that `message` was scheduled for `target` after `delay`.
    ///
    /// # Panics
    ///
    /// When it was not.
    #[track_caller]
    pub fn assert_scheduled<M: Message + PartialEq>(
        &self,
        delay: Duration,
        target: &ActorRef<M>,
        message: &M,
    ) -> &Self {
        let found = self.effects.iter().any(|effect| match effect {
            SideEffect::Schedule {
                delay: d,
                target: to,
                message: m,
                ..
            } => *d == delay && to == target.id() && m.downcast_ref::<M>() == Some(message),
            _ => false,
        });
        assert!(
            found,
            "expected {message:?} scheduled for {target} after {delay:?}; effects: {:?}",
            self.effects
        );
        self
    }

    /// Asserts that the actor keeps running after this step.
    ///
    /// # Panics
    ///
    /// When it does not.
    #[track_caller]
    pub fn assert_continued(&self) -> &Self {
        assert_eq!(
            self.outcome,
            StepOutcome::Continued,
            "expected the actor to continue"
        );
        self
    }

    /// Asserts that the actor stopped itself and returns the reason.
    ///
    /// # Panics
    ///
    /// When it did not.
    #[track_caller]
    pub fn assert_stopped(&self) -> &str {
        match &self.outcome {
            StepOutcome::Stopped(reason) => reason,
            other => panic!("expected the actor to stop, it ended with {other:?}"),
        }
    }

    /// Asserts that the actor escalated a failure and returns it.
    ///
    /// # Panics
    ///
    /// When it did not.
    #[track_caller]
    pub fn assert_escalated(&self) -> &ActorError {
        match &self.outcome {
            StepOutcome::Failed(Failure::Escalated(error)) => error,
            other => panic!("expected an escalation, the step ended with {other:?}"),
        }
    }

    /// Asserts that the handler panicked and returns the panic text.
    ///
    /// # Panics
    ///
    /// When it did not.
    #[track_caller]
    pub fn assert_panicked(&self) -> &str {
        match &self.outcome {
            StepOutcome::Failed(Failure::Panicked(text)) => text,
            other => panic!("expected a panic, the step ended with {other:?}"),
        }
    }

    /// Asserts that the actor asked to restart.
    ///
    /// # Panics
    ///
    /// When it did not.
    #[track_caller]
    pub fn assert_restarted(&self) -> &Self {
        assert_eq!(
            self.outcome,
            StepOutcome::Restarted,
            "expected the actor to restart"
        );
        self
    }

    /// The failure, if the step failed.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            StepOutcome::Failed(failure) => Some(failure),
            _ => None,
        }
    }

    /// Asserts that the step failed, whichever way, and returns the failure.
    ///
    /// # Panics
    ///
    /// When it did not.
    #[track_caller]
    pub fn assert_failed(&self) -> &Failure {
        self.failure()
            .unwrap_or_else(|| panic!("expected a failure, the step ended with {:?}", self.outcome))
    }

    /// Prints as `Debug` would; handy in assertion messages.
    pub fn describe(&self) -> String
    where
        Self: Debug,
    {
        format!("{self:?}")
    }
}
