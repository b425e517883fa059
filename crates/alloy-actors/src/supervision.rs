//! Supervision: strategies, restart intensity, and the pure decision core
//! that every runtime drives.
//!
//! [`SupervisorCore`] follows Erlang/OTP's `supervisor` event for event: it is
//! told about child exits with a monotonic timestamp and answers with a
//! [`Directive`] (which children to stop, in which order, which to start, or
//! to give up). It performs nothing itself, so Olivier, Conclave and the test
//! kit share one implementation of the rules, and it is tested without any
//! runtime.
//!
//! Restart intensity uses a true sliding window: a restart counts while it is
//! less than `within` old at the moment of the next failure, measured on the
//! clock the runtime passes in (a monotonic one on native, the virtual clock
//! in the test kit). OTP rounds to whole seconds; this core does not.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::{ActorError, ActorId};

/// How a supervisor restarts its children when one fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SupervisionStrategy {
    /// Restart only the child that failed.
    OneForOne(RestartIntensity),
    /// Stop every other child (in reverse start order), then restart all of
    /// them in start order.
    AllForOne(RestartIntensity),
    /// Stop the children started after the failed one (in reverse start
    /// order), then restart the failed one and those after it in start order.
    RestForOne(RestartIntensity),
}

impl SupervisionStrategy {
    /// One-for-one allowing `max_restarts` within `within`.
    pub const fn one_for_one(max_restarts: u32, within: Duration) -> Self {
        Self::OneForOne(RestartIntensity::new(max_restarts, within))
    }

    /// All-for-one allowing `max_restarts` within `within`.
    pub const fn all_for_one(max_restarts: u32, within: Duration) -> Self {
        Self::AllForOne(RestartIntensity::new(max_restarts, within))
    }

    /// Rest-for-one allowing `max_restarts` within `within`.
    pub const fn rest_for_one(max_restarts: u32, within: Duration) -> Self {
        Self::RestForOne(RestartIntensity::new(max_restarts, within))
    }

    /// The restart limit.
    pub const fn intensity(&self) -> RestartIntensity {
        match self {
            Self::OneForOne(intensity)
            | Self::AllForOne(intensity)
            | Self::RestForOne(intensity) => *intensity,
        }
    }
}

impl Default for SupervisionStrategy {
    /// One-for-one, at most 3 restarts within 5 seconds.
    fn default() -> Self {
        Self::one_for_one(3, Duration::from_secs(5))
    }
}

/// At most `max_restarts` restarts within any window of length `within`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RestartIntensity {
    /// How many restarts the window allows; one more and the supervisor gives up.
    pub max_restarts: u32,
    /// The length of the sliding window.
    pub within: Duration,
}

impl RestartIntensity {
    /// A limit of `max_restarts` within `within`.
    pub const fn new(max_restarts: u32, within: Duration) -> Self {
        Self {
            max_restarts,
            within,
        }
    }
}

/// When a supervisor restarts a child (OTP's `restart` child option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RestartType {
    /// Always restarted, even after a normal stop.
    #[default]
    Permanent,
    /// Restarted only after a failure; after a normal stop it stays listed
    /// as not running (OTP keeps a transient child's spec).
    Transient,
    /// Never restarted; removed from the supervisor when it exits for any
    /// reason, including being stopped by a sibling's group restart.
    Temporary,
}

/// How a child ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChildExit {
    /// It stopped itself normally ([`Effect::Stop`](crate::Effect::Stop)).
    Normal {
        /// The reason it gave.
        reason: String,
    },
    /// It was shut down from outside, not by its own supervisor's plan, or
    /// (for a child supervisor) it gave up: OTP's `shutdown` exit reason,
    /// which is not a failure.
    Shutdown,
    /// It was killed from outside (OTP's `exit(Pid, kill)`, reason
    /// `killed`): a failure, as it did not stop on its own terms.
    Killed,
    /// It failed: an escalation, a panic, an exhausted error policy, or a
    /// start that failed.
    Failed(ActorError),
}

impl ChildExit {
    /// Whether the exit is a failure (what restarts a transient child).
    pub fn is_failure(&self) -> bool {
        matches!(self, ChildExit::Failed(_) | ChildExit::Killed)
    }
}

/// What a supervisor must do after a child exit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Directive {
    /// Nothing: the child stays down (if it is temporary it has been
    /// removed; a transient child that ended normally stays listed, not
    /// running).
    Nothing,
    /// Stop `stop` one at a time, in the order given (reverse start order),
    /// then start `start` in the order given (start order), reporting each
    /// start with [`SupervisorCore::child_started`] or
    /// [`SupervisorCore::start_failed`].
    Restart {
        /// The child whose exit caused the restart.
        failed: ActorId,
        /// Running siblings to stop first, in reverse start order.
        stop: Vec<ActorId>,
        /// Children to start, in start order.
        start: Vec<ActorId>,
    },
    /// The restart intensity is exceeded: stop `stop` in the order given
    /// (every running child, reverse start order), then fail to this
    /// supervisor's own supervisor with `reason`.
    GiveUp {
        /// Running children to stop, in reverse start order.
        stop: Vec<ActorId>,
        /// Why the supervisor gives up.
        reason: ActorError,
    },
}

/// A supervised child as the core sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildInfo {
    /// The child's id (kept across restarts).
    pub id: ActorId,
    /// Its restart type.
    pub restart: RestartType,
    /// Whether it is running now.
    pub running: bool,
}

/// The pure decision core of a supervisor: children in start order, the
/// restart history, and the strategy.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use alloy_actors::{ActorError, RestartType, SupervisionStrategy};
/// use alloy_actors::runtime::{ChildExit, Directive, SupervisorCore};
///
/// let mut core = SupervisorCore::new(SupervisionStrategy::all_for_one(1, Duration::from_secs(60)));
/// let [a, b, c] = ["sup/a#0", "sup/b#0", "sup/c#0"].map(|s| s.parse::<alloy_actors::ActorId>().unwrap());
/// for child in [&a, &b, &c] {
///     core.add_child(child.clone(), RestartType::Permanent);
/// }
/// let failed = ChildExit::Failed(ActorError::msg("boom"));
/// assert_eq!(
///     core.child_exited(&b, &failed, Duration::ZERO),
///     Directive::Restart { failed: b.clone(), stop: vec![c.clone(), a.clone()], start: vec![a.clone(), b.clone(), c.clone()] },
/// );
/// for child in [&a, &b, &c] {
///     core.child_started(child);
/// }
/// // A second failure within the minute exceeds the intensity of 1.
/// assert!(matches!(core.child_exited(&a, &failed, Duration::from_secs(1)), Directive::GiveUp { .. }));
/// ```
#[derive(Debug, Clone)]
pub struct SupervisorCore {
    strategy: SupervisionStrategy,
    /// Children in start order; a removed child leaves a hole until the
    /// next compaction, so adding and removing cost O(1) amortized even
    /// under a supervisor with 100,000 children.
    children: Vec<Option<ChildInfo>>,
    /// Where each child sits in `children`.
    index: HashMap<ActorId, usize>,
    restarts: VecDeque<Duration>,
}

impl SupervisorCore {
    /// A supervisor with no children.
    pub fn new(strategy: SupervisionStrategy) -> Self {
        Self {
            strategy,
            children: Vec::new(),
            index: HashMap::new(),
            restarts: VecDeque::new(),
        }
    }

    /// The strategy.
    pub fn strategy(&self) -> SupervisionStrategy {
        self.strategy
    }

    /// Adds a running child at the end of the start order (or, for an id it
    /// already has, marks it running with the new restart type in place).
    pub fn add_child(&mut self, id: ActorId, restart: RestartType) {
        if let Some(child) = self.child_mut(&id) {
            child.restart = restart;
            child.running = true;
            return;
        }
        self.index.insert(id.clone(), self.children.len());
        self.children.push(Some(ChildInfo {
            id,
            restart,
            running: true,
        }));
    }

    /// Records that a child the last directive asked to start is running.
    pub fn child_started(&mut self, id: &ActorId) {
        if let Some(child) = self.child_mut(id) {
            child.running = true;
        }
    }

    /// Records that a child is down without a decision: the supervisor
    /// stopped it on request (OTP's `terminate_child`) or its start returned
    /// `ignore`. It stays listed, in its place, until it is started again
    /// ([`child_started`](Self::child_started)) or removed.
    pub fn child_stopped(&mut self, id: &ActorId) {
        if let Some(child) = self.child_mut(id) {
            child.running = false;
        }
    }

    /// The child's entry, if it is listed.
    pub fn child(&self, id: &ActorId) -> Option<&ChildInfo> {
        let at = *self.index.get(id)?;
        self.children.get(at)?.as_ref()
    }

    /// Forgets a child (it was stopped on purpose and should not come back).
    pub fn remove_child(&mut self, id: &ActorId) -> bool {
        let Some(at) = self.index.remove(id) else {
            return false;
        };
        self.children[at] = None;
        self.compact_if_sparse();
        true
    }

    /// Whether `id` is one of the children.
    pub fn contains(&self, id: &ActorId) -> bool {
        self.index.contains_key(id)
    }

    /// How many children there are.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are no children.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The children in start order.
    pub fn children(&self) -> impl DoubleEndedIterator<Item = &ChildInfo> {
        self.children.iter().flatten()
    }

    /// The running children in reverse start order: the order to stop them in.
    pub fn stop_order(&self) -> Vec<ActorId> {
        self.children()
            .rev()
            .filter(|child| child.running)
            .map(|child| child.id.clone())
            .collect()
    }

    /// The restarts still inside the window at `now`.
    pub fn recent_restarts(&self, now: Duration) -> usize {
        let within = self.strategy.intensity().within;
        self.restarts
            .iter()
            .filter(|at| now.saturating_sub(**at) < within)
            .count()
    }

    /// The times of the restarts recorded so far, oldest first, on the clock
    /// the runtime passes in; a runtime that keeps the window across
    /// restarts of its own process stores these.
    pub fn restart_times(&self) -> impl ExactSizeIterator<Item = Duration> + '_ {
        self.restarts.iter().copied()
    }

    /// Replaces the recorded restarts with `times` (as
    /// [`restart_times`](Self::restart_times) gave them), so a supervisor
    /// rebuilt from storage keeps its restart-intensity window. Times are
    /// sorted; those already outside the window are dropped at the next exit.
    pub fn restore_restart_times(&mut self, times: impl IntoIterator<Item = Duration>) {
        let mut times: Vec<Duration> = times.into_iter().collect();
        times.sort_unstable();
        self.restarts = times.into();
    }

    /// Decides what to do after child `id` exited with `exit` at `now`.
    ///
    /// Exits of children that the supervisor stopped itself (as part of a
    /// directive or a shutdown) must not be reported here.
    pub fn child_exited(&mut self, id: &ActorId, exit: &ChildExit, now: Duration) -> Directive {
        let Some(&at) = self.index.get(id) else {
            return Directive::Nothing;
        };
        let Some(child) = self.children[at].as_mut() else {
            return Directive::Nothing;
        };
        child.running = false;
        let restart = match child.restart {
            RestartType::Permanent => true,
            RestartType::Transient => exit.is_failure(),
            RestartType::Temporary => false,
        };
        if !restart {
            // OTP: a temporary child is deleted; a transient one that ended
            // normally keeps its place, not running.
            if child.restart == RestartType::Temporary {
                self.remove_child(id);
            }
            return Directive::Nothing;
        }
        if !self.record_restart(now) {
            let stop = self.stop_order();
            for child in self.children.iter_mut().flatten() {
                child.running = false;
            }
            let intensity = self.strategy.intensity();
            return Directive::GiveUp {
                stop,
                reason: ActorError::msg(format!(
                    "reached the maximum restart intensity: more than {} restarts within {:?}",
                    intensity.max_restarts, intensity.within
                )),
            };
        }
        let affected = match self.strategy {
            SupervisionStrategy::OneForOne(_) => at..at + 1,
            SupervisionStrategy::AllForOne(_) => 0..self.children.len(),
            SupervisionStrategy::RestForOne(_) => at..self.children.len(),
        };
        let stop: Vec<ActorId> = self.children[affected.clone()]
            .iter()
            .flatten()
            .rev()
            .filter(|child| child.running)
            .map(|child| child.id.clone())
            .collect();
        // Temporary siblings stopped by a group restart are not restarted
        // (the failed child itself cannot be temporary: it returned above).
        let mut start = Vec::new();
        let mut removed = Vec::new();
        for child in self.children[affected].iter_mut().flatten() {
            child.running = false;
            if child.restart == RestartType::Temporary {
                removed.push(child.id.clone());
            } else {
                start.push(child.id.clone());
            }
        }
        for temporary in &removed {
            self.remove_child(temporary);
        }
        Directive::Restart {
            failed: id.clone(),
            stop,
            start,
        }
    }

    /// Decides what to do after starting child `id` failed during a restart:
    /// it counts as another restart of that child.
    pub fn start_failed(&mut self, id: &ActorId, error: ActorError, now: Duration) -> Directive {
        self.child_exited(id, &ChildExit::Failed(error), now)
    }

    fn child_mut(&mut self, id: &ActorId) -> Option<&mut ChildInfo> {
        let at = *self.index.get(id)?;
        self.children.get_mut(at)?.as_mut()
    }

    /// Closes the holes once they outnumber the children, re-indexing them.
    fn compact_if_sparse(&mut self) {
        if self.children.len() < 32 || self.index.len() * 2 > self.children.len() {
            return;
        }
        self.children.retain(Option::is_some);
        for (at, child) in self.children.iter().enumerate() {
            if let Some(child) = child {
                self.index.insert(child.id.clone(), at);
            }
        }
    }

    /// Records a restart at `now`; false when it exceeds the intensity.
    fn record_restart(&mut self, now: Duration) -> bool {
        let intensity = self.strategy.intensity();
        while let Some(oldest) = self.restarts.front() {
            if now.saturating_sub(*oldest) >= intensity.within {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        self.restarts.push_back(now);
        self.restarts.len() <= intensity.max_restarts as usize
    }
}

#[cfg(test)]
mod tests;
