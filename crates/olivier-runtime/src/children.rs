//! What a supervisor tells of its children, and the errors of managing one.

use alloy_actors::{ActorError, ActorId, RestartType};

/// A supervisor's child as [`Supervisor::which_children`](crate::Supervisor::which_children) lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSummary {
    /// The child's id (kept across restarts).
    pub id: ActorId,
    /// An actor or a supervisor.
    pub kind: ChildKind,
    /// When it is restarted.
    pub restart: RestartType,
    /// Whether it runs now (a transient child that ended normally, a
    /// terminated or an ignored child is listed, not running).
    pub running: bool,
}

/// What a supervisor's child is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChildKind {
    /// An actor (OTP's `worker`).
    Worker,
    /// An explicit supervisor.
    Supervisor,
}

/// Why a request about one child of a supervisor failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChildError {
    /// The supervisor has no such child.
    #[error("the supervisor has no child `{child}`")]
    NotFound {
        /// The child asked for.
        child: ActorId,
    },
    /// The child is running (OTP's `{error, running}`).
    #[error("child `{child}` is running")]
    Running {
        /// The child.
        child: ActorId,
    },
    /// Its start failed; it stays listed, not running.
    #[error("child `{child}` failed to start: {error}")]
    StartFailed {
        /// The child.
        child: ActorId,
        /// Why.
        error: ActorError,
    },
    /// The supervisor has stopped, or the system shut down.
    #[error("supervisor `{supervisor}` has stopped")]
    SupervisorGone {
        /// The supervisor.
        supervisor: ActorId,
    },
}
