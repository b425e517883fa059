//! Explicit supervisors: supervision subtrees built from the outside.

use alloy_actors::{ActorId, ActorRef, ActorSpec, AnySpec, Behavior, SupervisionStrategy};

use crate::{ActorSystem, SpawnError, StopError};

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

    /// Stops this supervisor and its subtree for good.
    ///
    /// # Errors
    ///
    /// As [`ActorSystem::stop`].
    pub async fn stop(&self) -> Result<(), StopError> {
        self.system.stop(&self.id).await
    }
}
