//! Durable state: which actors keep their state in a [`StateStore`], and
//! how the runtime stores a state change before its side effects go out.
//!
//! By default every actor's state lives in memory only (inside its
//! `DynActor`) and is lost with the process. A system built with
//! [`Persistence::durable`] keeps the state of the actors it selects by path
//! in an embedded ACID store (redb): the state is loaded when the actor
//! starts (so it survives a process restart) and committed after every
//! message that changed it, *before* the message's side effects (its reply
//! among them) are performed, as Conclave does on the edge.

mod codec;
mod store;

use std::sync::Arc;

use alloy_actors::runtime::DynActor;
use alloy_actors::{ActorError, ActorId, Capabilities, Capability, CapabilityError};

pub use store::{StateStore, StoredState};

use crate::StateError;
use crate::arena::ActorArena;
use store::Claim;

/// Where actor state lives: in memory (the default), or durably for the
/// actors selected by path.
///
/// An actor is selected by its path (its id without the instance number,
/// so a restarted process finds the same key): give durable actors explicit
/// names. A selected actor must be granted [`Capability::Persist`] in its
/// spec, or its spawn fails; one live actor per path.
///
/// # Examples
///
/// ```
/// use alloy_actors::{ActorSpec, Capabilities, Capability};
/// use alloy_counter::Counter;
/// use olivier_runtime::{ActorSystem, Persistence, StateStore};
///
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() -> anyhow::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("olivier-persist-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = StateStore::open(dir.join("state.redb"))?;
/// let system = ActorSystem::builder()
///     .name("shop")
///     .persistence(Persistence::durable(store).actor("shop/counter"))
///     .build()?;
/// let counter = system
///     .spawn(
///         ActorSpec::new(Counter)
///             .name("counter")
///             .capabilities(Capabilities::default().with(Capability::Persist)),
///     )
///     .await?;
/// # system.shutdown().await?;
/// # drop(system);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Persistence {
    store: Option<StateStore>,
    exact: Vec<String>,
    subtrees: Vec<String>,
}

impl Persistence {
    /// Every state in memory only (the default).
    pub fn memory() -> Self {
        Self::default()
    }

    /// Durable state in `store` for the actors selected with
    /// [`actor`](Persistence::actor) and [`subtree`](Persistence::subtree).
    pub fn durable(store: StateStore) -> Self {
        Self {
            store: Some(store),
            ..Self::default()
        }
    }

    /// Selects the actor at `path` (for example `shop/counter`).
    pub fn actor(mut self, path: impl Into<String>) -> Self {
        self.exact.push(path.into());
        self
    }

    /// Selects every actor below `path` (not `path` itself).
    pub fn subtree(mut self, path: impl Into<String>) -> Self {
        let mut path = path.into();
        if !path.ends_with('/') {
            path.push('/');
        }
        self.subtrees.push(path);
        self
    }

    /// The store, when state is durable.
    pub fn store(&self) -> Option<&StateStore> {
        self.store.as_ref()
    }

    /// Whether the actor at `path` keeps its state in the store.
    pub fn selects(&self, path: &str) -> bool {
        self.store.is_some()
            && (self.exact.iter().any(|exact| exact == path)
                || self.subtrees.iter().any(|prefix| path.starts_with(prefix)))
    }

    /// The durable binding of a new actor, if it is selected: its path
    /// claimed and its capability checked.
    pub(crate) fn bind(
        &self,
        id: &ActorId,
        capabilities: Capabilities,
    ) -> Result<Option<Durable>, ActorError> {
        let Some(store) = &self.store else {
            return Ok(None);
        };
        if !self.selects(id.path()) {
            return Ok(None);
        }
        if !capabilities.contains(Capability::Persist) {
            return Err(ActorError::new(CapabilityError {
                actor: id.clone(),
                capability: Capability::Persist,
            }));
        }
        let claim = store.claim(id.path()).map_err(ActorError::new)?;
        Ok(Some(Durable {
            claim: Arc::new(claim),
            stored: None,
        }))
    }
}

/// What a durable actor's body keeps: its claimed path and the bytes last
/// committed (to skip unchanged states and roll back a failed write).
#[derive(Debug, Clone)]
pub(crate) struct Durable {
    claim: Arc<Claim>,
    stored: Option<Vec<u8>>,
}

impl Durable {
    /// A binding for a new body of the same actor (after its body was lost).
    pub(crate) fn rebind(&self) -> Self {
        Self {
            claim: Arc::clone(&self.claim),
            stored: None,
        }
    }

    fn path(&self) -> &str {
        self.claim.path()
    }

    /// Loads the stored state into `actor`, if there is one.
    pub(crate) fn rehydrate(&mut self, actor: &mut dyn DynActor) -> Result<bool, StateError> {
        let store = self.claim.store();
        // A read from disk: off the async workers (`block_in_place`).
        let Some(bytes) = blocking(|| store.load_bytes(self.path()))? else {
            return Ok(false);
        };
        codec::decode_actor(actor, &bytes).map_err(|detail| StateError::Decode {
            path: self.path().to_owned(),
            detail,
        })?;
        self.stored = Some(bytes);
        Ok(true)
    }

    /// Puts the last committed state back into `actor`: the recovery point
    /// of a restart. From the bytes this binding committed or loaded last,
    /// or else from the store; `false` (the actor keeps what it holds)
    /// when nothing was ever stored.
    pub(crate) fn recover(&mut self, actor: &mut dyn DynActor) -> Result<bool, StateError> {
        match &self.stored {
            Some(bytes) => {
                codec::decode_actor(actor, bytes).map_err(|detail| StateError::Decode {
                    path: self.path().to_owned(),
                    detail,
                })?;
                Ok(true)
            }
            None => self.rehydrate(actor),
        }
    }

    /// Commits the actor's state if it changed since the last commit. On
    /// an error the actor's state is put back to the last committed one
    /// (or left as is when nothing was committed yet).
    ///
    /// The state is encoded in `arena`'s scratch buffer, under its budget;
    /// only a changed state is copied out (to remember what was stored).
    pub(crate) fn commit(
        &mut self,
        actor: &mut dyn DynActor,
        arena: &ActorArena,
    ) -> Result<(), StateError> {
        let mut bytes = arena.scratch_bytes();
        let held =
            codec::encode_actor_into(actor, &mut bytes).map_err(|detail| StateError::Encode {
                path: self.path().to_owned(),
                detail,
            })?;
        if !held {
            return Ok(());
        }
        bytes.check().map_err(|source| StateError::OverBudget {
            path: self.path().to_owned(),
            source,
        })?;
        if self.stored.as_deref() == Some(bytes.as_slice()) {
            return Ok(());
        }
        let store = self.claim.store();
        let path = self.path();
        match blocking(|| store.save_bytes(path, &bytes[..])) {
            Ok(()) => {
                let stored = self.stored.get_or_insert_with(Vec::new);
                stored.clear();
                stored.extend_from_slice(&bytes);
                Ok(())
            }
            Err(error) => {
                if let Some(previous) = &self.stored {
                    // The previous bytes were decoded or encoded by this
                    // actor's own type, so they decode.
                    let _ = codec::decode_actor(actor, previous);
                }
                Err(error)
            }
        }
    }
}

/// Runs a blocking store call: through `block_in_place` on a multi-thread
/// runtime (an actor's task), in place elsewhere (Prospero's thread).
fn blocking<T>(call: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(call)
        }
        _ => call(),
    }
}
