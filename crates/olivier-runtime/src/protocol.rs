//! What the layers say to Prospero: commands, the messages a supervisor
//! process handles, and a child on its way to adoption. Data only.

use std::sync::Arc;

use alloy_actors::{ActorError, ActorId, AnySpec, RestartType, SpawnReply, SupervisionStrategy};
use tokio::sync::oneshot;

use crate::body::{Body, ExitCause};
use crate::children::{ChildError, ChildSummary};
use crate::error::{SpawnError, StopError};
use crate::persistence::Durable;
use crate::registry::ActorCell;

/// What the rest of the runtime asks of Prospero.
#[derive(Debug)]
pub(crate) enum Command {
    /// A message for the supervisor process of `supervisor` (created on
    /// first use for an actor that spawns).
    Supervisor {
        supervisor: ActorId,
        message: SupervisorMessage,
    },
    /// Stop an actor or supervisor for good (its supervisor does it).
    Stop {
        target: ActorId,
        reply: oneshot::Sender<Result<(), StopError>>,
    },
    /// Kill an actor or supervisor at once (its supervisor does it).
    Kill {
        target: ActorId,
        reply: oneshot::Sender<Result<(), StopError>>,
    },
    /// Stop everything, root last, and end Prospero.
    Shutdown,
}

/// What a supervisor process handles, one at a time.
#[derive(Debug)]
pub(crate) enum SupervisorMessage {
    /// Adopt a child started on the thread that spawned it.
    Adopt {
        started: Box<Started>,
        notify: Option<SpawnReply>,
        /// Answered once the child is adopted (its task started).
        adopted: Option<oneshot::Sender<()>>,
    },
    /// Start a child supervisor.
    SpawnSupervisor {
        id: ActorId,
        strategy: SupervisionStrategy,
        restart: RestartType,
        reply: oneshot::Sender<Result<(), SpawnError>>,
    },
    /// Kill one child at once (no hook), as an exit with reason `killed`.
    KillChild {
        child: ActorId,
        reply: oneshot::Sender<Result<(), StopError>>,
    },
    /// Stop one child and keep it listed, not running (OTP's
    /// `terminate_child`).
    TerminateChild {
        child: ActorId,
        reply: oneshot::Sender<Result<(), ChildError>>,
    },
    /// Start a listed child that is not running (OTP's `restart_child`).
    RestartChild {
        child: ActorId,
        reply: oneshot::Sender<Result<(), ChildError>>,
    },
    /// Remove a listed child that is not running (OTP's `delete_child`).
    DeleteChild {
        child: ActorId,
        reply: oneshot::Sender<Result<(), ChildError>>,
    },
    /// The children, in start order (OTP's `which_children`).
    WhichChildren {
        reply: oneshot::Sender<Vec<ChildSummary>>,
    },
    /// A child's task ended on its own (stop, failure, restart request).
    ChildExited { child: ActorId, incarnation: u64 },
    /// A child supervisor exceeded its restart intensity.
    ChildGaveUp { child: ActorId, reason: ActorError },
    /// Stop one child for good.
    StopChild {
        child: ActorId,
        reply: oneshot::Sender<Result<(), StopError>>,
    },
    /// Stop every child in reverse start order; `last` ends the process.
    StopAll {
        last: bool,
        reply: oneshot::Sender<()>,
    },
    /// Restart an explicit supervisor: start its children again in order.
    Restart {
        reply: oneshot::Sender<Result<(), ActorError>>,
    },
}

/// A child started on the thread that spawned it (its hooks ran, its
/// mailbox takes messages), on its way to its supervisor process, which
/// adopts it and starts its task.
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) spec: AnySpec,
    pub(crate) cell: Arc<ActorCell>,
    pub(crate) body: Box<Body>,
    pub(crate) durable: Option<Durable>,
    /// How it already ended, when its `PreStart` stopped or restarted it.
    pub(crate) ended: Option<ExitCause>,
}

impl Started {
    /// The started actor's id.
    pub(crate) fn id(&self) -> &ActorId {
        &self.cell.id
    }
}
