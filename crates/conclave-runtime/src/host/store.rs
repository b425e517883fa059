//! Loading the actor from its object's storage, and the snapshot that
//! stores it again after each event, in one transaction.

use std::sync::Arc;
use std::time::Duration;

use alloy_actors::runtime::{DynActor, SupervisorCore};
use alloy_actors::{ActorId, Behavior, Capabilities, SupervisionStrategy};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use worker::{State, Storage};

use super::asks::PendingAsk;
use super::capabilities;
use super::children::ChildLink;
use super::handling::{DeadLetters, HandlingMark};
use super::loaded::Loaded;
use super::{actor_id, cell};
use crate::limits::Refusals;
use crate::timers::TimerQueue;
use crate::wire::{self, WireError};

const IDENTITY_KEY: &str = "identity";
const STATE_KEY: &str = "state";
const TIMERS_KEY: &str = "timers";
const HANDLED_KEY: &str = "handled";
const STOPPED_KEY: &str = "stopped";
const PARENT_KEY: &str = "parent";
const CHILDREN_KEY: &str = "children";
const ASKS_KEY: &str = "asks";
const RESTARTS_KEY: &str = "restarts";
const REFUSALS_KEY: &str = "refusals";
const CLASS_KEY: &str = "class";
const PARENT_CLASS_KEY: &str = "parent_class";
/// A child's capabilities, as its spec granted them (see `capabilities`).
const CAPABILITIES_KEY: &str = "capabilities";
/// The [`HandlingMark`] of the message being handled (see `handling`).
const HANDLING_KEY: &str = "handling";
/// This actor's own [`Record`].
const RECORD_KEY: &str = "record";

/// What a request says about the actor of the object it reached (from the
/// gateway's or the parent's headers); stored the first time it is given.
#[derive(Debug, Clone, Default)]
pub(crate) struct Introduction {
    /// The actor's path, `<CLASS>/<name>[/...]`.
    pub(crate) identity: Option<String>,
    /// The parent's address.
    pub(crate) parent: Option<String>,
    /// The binding that hosts this actor (a child learns it from its parent).
    pub(crate) class: Option<String>,
    /// The binding that hosts the parent.
    pub(crate) parent_class: Option<String>,
    /// What the child's spec grants (its parent's start says so).
    pub(crate) capabilities: Option<String>,
}

/// This actor's own history: its restarts and dead letters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// How often the actor restarted, over its stored life.
    pub(crate) restarts: u64,
    /// The messages it took and never handled.
    pub(crate) dead_letters: DeadLetters,
}

/// The stored value of `key`, or else `given`, which is then stored.
async fn remember(
    storage: &Storage,
    key: &str,
    given: Option<&str>,
) -> worker::Result<Option<String>> {
    match (storage.get::<String>(key).await?, given) {
        (Some(stored), _) => Ok(Some(stored)),
        (None, Some(given)) => {
            storage.put(key, given).await?;
            Ok(Some(given.to_owned()))
        }
        (None, None) => Ok(None),
    }
}

/// The value stored under `key`, decoded, or `T::default()`.
async fn stored<T: serde::de::DeserializeOwned + Default>(
    storage: &Storage,
    key: &str,
    what: &'static str,
) -> Result<T, LoadError> {
    Ok(match storage.get::<ByteBuf>(key).await? {
        Some(bytes) => wire::from_slice(what, &bytes)?,
        None => T::default(),
    })
}

/// Why the actor could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum LoadError {
    /// The object was reached without the gateway naming it, and it has no stored name.
    #[error("the object has no stored identity and the request named none")]
    NoIdentity,
    /// The stored or given name is not an actor id.
    #[error("bad actor name: {0}")]
    BadName(#[from] alloy_actors::ActorIdError),
    /// Stored bytes do not decode.
    #[error("stored data: {0}")]
    Decode(#[from] WireError),
    /// Storage failed.
    #[error("storage: {0}")]
    Storage(#[from] worker::Error),
}

/// Loads the actor (or prepares a fresh one) from storage.
pub(crate) async fn load<B: Behavior>(
    state: &State,
    behavior: Arc<B>,
    intro: &Introduction,
    strategy: SupervisionStrategy,
    root: Capabilities,
) -> Result<Loaded<B>, LoadError>
where
    B::State: Sync,
{
    let storage = state.storage();
    let name = remember(&storage, IDENTITY_KEY, intro.identity.as_deref())
        .await?
        .ok_or(LoadError::NoIdentity)?;
    let id = actor_id(&name)?;
    let parent = match remember(&storage, PARENT_KEY, intro.parent.as_deref()).await? {
        Some(address) => Some(address.parse::<ActorId>()?),
        None => None,
    };
    let class = match &parent {
        // A root actor's object is named by its path, `<CLASS>/<name>`.
        None => name.split('/').next().map(str::to_owned),
        Some(_) => remember(&storage, CLASS_KEY, intro.class.as_deref()).await?,
    };
    let parent_class = match &parent {
        None => None,
        Some(parent) => remember(&storage, PARENT_CLASS_KEY, intro.parent_class.as_deref())
            .await?
            .or_else(|| root_class_of(&parent.to_string())),
    };
    let granted = match &parent {
        // Clients reach a root object by construction: the host's grant.
        None => root,
        // A child has what its spec granted; a new start states it again.
        Some(_) => match &intro.capabilities {
            Some(names) => {
                storage.put(CAPABILITIES_KEY, names.as_str()).await?;
                capabilities::decode(names)
            }
            None => storage
                .get::<String>(CAPABILITIES_KEY)
                .await?
                .map_or_else(Capabilities::default, |names| capabilities::decode(&names)),
        },
    };
    let children: Vec<ChildLink> = stored(&storage, CHILDREN_KEY, "children").await?;
    let asks: Vec<PendingAsk> = stored(&storage, ASKS_KEY, "pending asks").await?;
    let restarts: Vec<u64> = stored(&storage, RESTARTS_KEY, "restart times").await?;
    let mut core = SupervisorCore::new(strategy);
    for child in &children {
        core.add_child(child.id.parse()?, child.restart_type());
        if !child.running {
            core.child_stopped(&child.id.parse()?);
        }
    }
    // The restart-intensity window survives eviction: its times are
    // wall-clock ms (Date.now), stored with the links.
    core.restore_restart_times(restarts.into_iter().map(Duration::from_millis));
    let mut cell = cell(behavior, id.clone(), parent.clone());
    let committed = storage
        .get::<ByteBuf>(STATE_KEY)
        .await?
        .map(ByteBuf::into_vec);
    if let Some(bytes) = &committed {
        wire::load_state(&mut cell as &mut dyn DynActor, bytes)?;
    }
    let timers: TimerQueue = match storage.get::<ByteBuf>(TIMERS_KEY).await? {
        Some(bytes) => wire::from_slice("timer queue", &bytes)?,
        None => TimerQueue::new(),
    };
    let handled = storage.get::<u64>(HANDLED_KEY).await?.unwrap_or(0);
    let refusals: Refusals = stored(&storage, REFUSALS_KEY, "refusals").await?;
    let record: Record = stored(&storage, RECORD_KEY, "record").await?;
    let interrupted = match storage.get::<ByteBuf>(HANDLING_KEY).await? {
        Some(bytes) => Some(wire::from_slice::<HandlingMark>("handling mark", &bytes)?),
        None => None,
    };
    let stopped = storage.get::<String>(STOPPED_KEY).await?;
    let alarm_ms = storage
        .get_alarm()
        .await?
        .and_then(|ms| u64::try_from(ms).ok());
    Ok(Loaded {
        id,
        name,
        parent,
        class,
        parent_class,
        capabilities: granted,
        children,
        asks,
        core,
        cell,
        committed,
        timers,
        handled,
        refusals,
        record,
        interrupted,
        refused_now: (0, None),
        stopped,
        stopped_itself: None,
        alarm_ms,
    })
}

/// A root parent's class: the first segment of its path `<CLASS>/<name>`.
pub(crate) fn root_class_of(address: &str) -> Option<String> {
    let path = super::outbox::path_of(address)?;
    (path.matches('/').count() == 1)
        .then(|| path.split('/').next().map(str::to_owned))
        .flatten()
}

/// Stores the mark of the message about to be handled, before its handler
/// runs; the next [`Snapshot::write`] deletes it.
pub(crate) async fn mark_handling(storage: &Storage, mark: &HandlingMark) -> worker::Result<()> {
    let bytes = wire::to_vec("handling mark", mark)
        .map_err(|error| worker::Error::RustError(error.to_string()))?;
    storage.put(HANDLING_KEY, ByteBuf::from(bytes)).await
}

/// Everything stored after a message, written in one transaction.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(super) children: ByteBuf,
    pub(super) asks: ByteBuf,
    pub(super) restarts: ByteBuf,
    pub(super) state: Option<ByteBuf>,
    pub(super) timers: ByteBuf,
    pub(super) handled: u64,
    pub(super) refusals: ByteBuf,
    pub(super) record: ByteBuf,
    pub(super) stopped: Option<String>,
}

impl Snapshot {
    /// Writes it atomically, deleting the handling mark; returns once
    /// storage has it.
    pub(crate) async fn write(self, storage: &Storage) -> worker::Result<()> {
        storage
            .transaction(move |txn| async move {
                if let Some(state) = self.state {
                    txn.put(STATE_KEY, state).await?;
                }
                txn.put(TIMERS_KEY, self.timers).await?;
                txn.put(HANDLED_KEY, self.handled).await?;
                txn.put(REFUSALS_KEY, self.refusals).await?;
                txn.put(CHILDREN_KEY, self.children).await?;
                txn.put(ASKS_KEY, self.asks).await?;
                txn.put(RESTARTS_KEY, self.restarts).await?;
                txn.put(RECORD_KEY, self.record).await?;
                txn.delete(HANDLING_KEY).await?;
                match self.stopped {
                    Some(reason) => txn.put(STOPPED_KEY, reason).await?,
                    None => {
                        txn.delete(STOPPED_KEY).await?;
                    }
                }
                Ok(())
            })
            .await
    }
}
