//! Explicit supervisors: supervision subtrees built from the outside.

use std::sync::atomic::Ordering;

use alloy_actors::{
    ActorId, ActorRef, ActorSpec, AnySpec, Behavior, RestartType, SupervisionStrategy,
};
use tokio::sync::oneshot;

use crate::children::{ChildError, ChildSummary};
use crate::error::{SpawnError, StopError};
use crate::protocol::{Command, SupervisorMessage};
use crate::system::ActorSystem;

/// What starts an explicit supervisor: its strategy, how its own
/// supervisor restarts it, and the children it starts with.
///
/// Started with [`ActorSystem::start_supervisor`] (or
/// [`Supervisor::start_supervisor`]), all or nothing, as OTP's
/// `start_link`: the children start one at a time in order, and if one
/// fails to start, those already started are stopped in reverse order and
/// the start fails.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use alloy_actors::{ActorSpec, RestartType, SupervisionStrategy};
/// use alloy_counter::Counter;
/// use olivier_runtime::{ActorSystem, SupervisorSpec};
///
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() -> anyhow::Result<()> {
/// let system = ActorSystem::builder().build()?;
/// let team = system
///     .start_supervisor(
///         SupervisorSpec::new(SupervisionStrategy::one_for_one(3, Duration::from_secs(60)))
///             .restart_type(RestartType::Transient)
///             .child(ActorSpec::new(Counter).name("first"))
///             .child(ActorSpec::new(Counter).name("second")),
///     )
///     .await?;
/// let children = team.which_children().await?;
/// assert_eq!(children.len(), 2);
/// assert!(children.iter().all(|child| child.running));
/// system.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SupervisorSpec {
    strategy: SupervisionStrategy,
    restart: RestartType,
    children: Vec<AnySpec>,
}

impl SupervisorSpec {
    /// A permanent supervisor with this strategy and no children yet.
    pub fn new(strategy: SupervisionStrategy) -> Self {
        Self {
            strategy,
            restart: RestartType::Permanent,
            children: Vec::new(),
        }
    }

    /// When its own supervisor restarts it: a transient supervisor that
    /// gives up (an exit with `shutdown`) stays down, as in OTP.
    pub fn restart_type(mut self, restart: RestartType) -> Self {
        self.restart = restart;
        self
    }

    /// Adds a child, started after the ones before it.
    pub fn child(mut self, spec: impl Into<AnySpec>) -> Self {
        self.children.push(spec.into());
        self
    }

    pub(crate) fn into_parts(self) -> (SupervisionStrategy, RestartType, Vec<AnySpec>) {
        (self.strategy, self.restart, self.children)
    }
}

/// A handle to an explicit supervisor, from [`ActorSystem::supervisor`].
///
/// It runs as a process on the Prospero thread with its own strategy. Its
/// children are the actors and supervisors spawned through it; when its
/// restart intensity is exceeded it stops them and fails to its own
/// supervisor, which may restart it: its children then start again, in
/// start order, under the same ids.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use alloy_actors::{ActorSpec, SupervisionStrategy};
/// use alloy_counter::Counter;
/// use olivier_runtime::ActorSystem;
///
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() -> anyhow::Result<()> {
/// let system = ActorSystem::builder().build()?;
/// let team = system.supervisor(SupervisionStrategy::all_for_one(3, Duration::from_secs(60))).await?;
/// let first = team.spawn(ActorSpec::new(Counter).name("first")).await?;
/// assert!(first.id().is_descendant_of(team.id()));
/// system.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Supervisor {
    system: ActorSystem,
    id: ActorId,
}

impl Supervisor {
    pub(crate) fn new(system: ActorSystem, id: ActorId) -> Self {
        Self { system, id }
    }

    /// The supervisor's id.
    pub fn id(&self) -> &ActorId {
        &self.id
    }

    /// Spawns a child actor under this supervisor.
    ///
    /// # Errors
    ///
    /// As [`ActorSystem::spawn`], and [`SpawnError::SupervisorGone`] once the
    /// supervisor has stopped.
    pub async fn spawn<B: Behavior>(
        &self,
        spec: ActorSpec<B>,
    ) -> Result<ActorRef<B::Message>, SpawnError> {
        self.system
            .spawn_under(&self.id, spec.erase())
            .await
            .map(ActorRef::new)
    }

    /// Spawns a child actor from an erased spec.
    ///
    /// # Errors
    ///
    /// As [`Supervisor::spawn`].
    pub async fn spawn_any(&self, spec: AnySpec) -> Result<ActorId, SpawnError> {
        self.system.spawn_under(&self.id, spec).await
    }

    /// Starts a nested supervisor under this one.
    ///
    /// # Errors
    ///
    /// [`SpawnError::SupervisorGone`], [`SpawnError::ShutDown`].
    pub async fn supervisor(
        &self,
        strategy: SupervisionStrategy,
    ) -> Result<Supervisor, SpawnError> {
        self.system.supervisor_under(&self.id, strategy).await
    }

    /// Starts a nested supervisor under this one from `spec`, all or
    /// nothing (see [`SupervisorSpec`]).
    ///
    /// # Errors
    ///
    /// As [`ActorSystem::start_supervisor`].
    pub async fn start_supervisor(&self, spec: SupervisorSpec) -> Result<Supervisor, SpawnError> {
        self.system.start_supervisor_under(&self.id, spec).await
    }

    /// The children in start order, running or not (OTP's
    /// `which_children`).
    ///
    /// # Errors
    ///
    /// [`ChildError::SupervisorGone`].
    pub async fn which_children(&self) -> Result<Vec<ChildSummary>, ChildError> {
        let (reply, answer) = oneshot::channel();
        self.request(SupervisorMessage::WhichChildren { reply })?;
        answer.await.map_err(|_| self.gone())
    }

    /// Stops a child (its hooks run, bounded by its shutdown) and keeps it
    /// listed, not running, until [`Supervisor::restart_child`] (OTP's
    /// `terminate_child`). Terminating a child that is not running does
    /// nothing.
    ///
    /// # Errors
    ///
    /// [`ChildError::NotFound`], [`ChildError::SupervisorGone`].
    pub async fn terminate_child(&self, child: &ActorId) -> Result<(), ChildError> {
        let (reply, answer) = oneshot::channel();
        self.request(SupervisorMessage::TerminateChild {
            child: child.clone(),
            reply,
        })?;
        answer.await.map_err(|_| self.gone())?
    }

    /// Starts a listed child that is not running (OTP's `restart_child`):
    /// a fresh `init` (a durable actor's stored state), then `PostRestart`.
    ///
    /// # Errors
    ///
    /// [`ChildError::Running`], [`ChildError::NotFound`],
    /// [`ChildError::StartFailed`], [`ChildError::SupervisorGone`].
    pub async fn restart_child(&self, child: &ActorId) -> Result<(), ChildError> {
        let (reply, answer) = oneshot::channel();
        self.request(SupervisorMessage::RestartChild {
            child: child.clone(),
            reply,
        })?;
        answer.await.map_err(|_| self.gone())?
    }

    /// Removes a listed child that is not running (OTP's `delete_child`):
    /// it is no longer listed, and its id and durable claim are free.
    ///
    /// # Errors
    ///
    /// [`ChildError::Running`], [`ChildError::NotFound`],
    /// [`ChildError::SupervisorGone`].
    pub async fn delete_child(&self, child: &ActorId) -> Result<(), ChildError> {
        let (reply, answer) = oneshot::channel();
        self.request(SupervisorMessage::DeleteChild {
            child: child.clone(),
            reply,
        })?;
        answer.await.map_err(|_| self.gone())?
    }

    fn request(&self, message: SupervisorMessage) -> Result<(), ChildError> {
        let command = Command::Supervisor {
            supervisor: self.id.clone(),
            message,
        };
        if self.system.inner().command(command) {
            Ok(())
        } else {
            Err(self.gone())
        }
    }

    fn gone(&self) -> ChildError {
        ChildError::SupervisorGone {
            supervisor: self.id.clone(),
        }
    }

    /// Stops this supervisor and its subtree for good.
    ///
    /// # Errors
    ///
    /// As [`ActorSystem::stop`].
    pub async fn stop(&self) -> Result<(), StopError> {
        self.system.stop(&self.id).await
    }
}

impl ActorSystem {
    /// Starts an explicit supervisor under the root: a supervision subtree
    /// with its own strategy, whose children are spawned through it.
    ///
    /// # Errors
    ///
    /// [`SpawnError::ShutDown`].
    pub async fn supervisor(
        &self,
        strategy: SupervisionStrategy,
    ) -> Result<Supervisor, SpawnError> {
        let root = self.inner().root.clone();
        self.supervisor_under(&root, strategy).await
    }

    /// Starts an explicit supervisor under the root from `spec`: its
    /// restart type, then its children one at a time in order, all or
    /// nothing as OTP's `start_link`: when a child fails to start, the
    /// children already started are stopped in reverse order, the
    /// supervisor is stopped, and the start fails.
    ///
    /// # Errors
    ///
    /// [`SpawnError::StartFailed`] naming the child that did not start,
    /// [`SpawnError::InvalidName`], [`SpawnError::ShutDown`].
    pub async fn start_supervisor(&self, spec: SupervisorSpec) -> Result<Supervisor, SpawnError> {
        let root = self.inner().root.clone();
        self.start_supervisor_under(&root, spec).await
    }

    pub(crate) async fn start_supervisor_under(
        &self,
        parent: &ActorId,
        spec: SupervisorSpec,
    ) -> Result<Supervisor, SpawnError> {
        let (strategy, restart, children) = spec.into_parts();
        let supervisor = self.supervisor_with(parent, strategy, restart).await?;
        for child in children {
            if let Err(error) = self.spawn_under(supervisor.id(), child).await {
                // Roll back: the started children stop in reverse order.
                let _ = self.stop(supervisor.id()).await;
                return Err(error);
            }
        }
        Ok(supervisor)
    }

    /// The root's children in start order, running or not (OTP's
    /// `which_children` on the top supervisor).
    ///
    /// # Errors
    ///
    /// [`ChildError::SupervisorGone`] once the system has shut down.
    pub async fn which_children(&self) -> Result<Vec<ChildSummary>, ChildError> {
        Supervisor::new(self.clone(), self.inner().root.clone())
            .which_children()
            .await
    }

    pub(crate) async fn supervisor_under(
        &self,
        parent: &ActorId,
        strategy: SupervisionStrategy,
    ) -> Result<Supervisor, SpawnError> {
        self.supervisor_with(parent, strategy, RestartType::Permanent)
            .await
    }

    async fn supervisor_with(
        &self,
        parent: &ActorId,
        strategy: SupervisionStrategy,
        restart: RestartType,
    ) -> Result<Supervisor, SpawnError> {
        let instance = self.inner().next_instance.fetch_add(1, Ordering::Relaxed);
        let id =
            parent
                .child("supervisor", instance)
                .map_err(|source| SpawnError::InvalidName {
                    name: "supervisor".to_owned(),
                    source,
                })?;
        let (reply, answer) = oneshot::channel();
        let command = Command::Supervisor {
            supervisor: parent.clone(),
            message: SupervisorMessage::SpawnSupervisor {
                id: id.clone(),
                strategy,
                restart,
                reply,
            },
        };
        if !self.inner().command(command) {
            return Err(SpawnError::ShutDown);
        }
        answer.await.map_err(|_| SpawnError::ShutDown)??;
        Ok(Supervisor::new(self.clone(), id))
    }
}
