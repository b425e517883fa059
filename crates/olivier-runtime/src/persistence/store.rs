//! The embedded ACID store: one redb file, one table from actor path to
//! the actor's encoded state.

use std::collections::HashSet;
use std::future::{Future, ready};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy_actors::ActorState;
use parking_lot::Mutex;
use redb::{Database, ReadableTable, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::codec;
use crate::StateError;

const STATES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("olivier_state");

/// A durable state store: a redb database file that maps each actor path to
/// its last committed state. Cheap to clone; every clone is the same store.
///
/// Every write is its own transaction, committed with redb's default
/// (immediate, fsync'd) durability before the call returns.
///
/// # Examples
///
/// ```
/// use alloy_actors::ActorState;
/// use olivier_runtime::StateStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> anyhow::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("olivier-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = StateStore::open(dir.join("state.redb"))?;
/// let mut count = store.state::<i64>("shop/counter");
/// count.save(&41).await?;
/// let next = count.update(|n| (n.unwrap_or(0) + 1, n.unwrap_or(0) + 1)).await?;
/// assert_eq!(next, 42);
/// assert_eq!(count.load().await?, Some(42));
/// # drop((count, store));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct StateStore {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    db: Database,
    file: PathBuf,
    /// Paths held by a live durable actor: one writer per path.
    claimed: Mutex<HashSet<String>>,
}

impl StateStore {
    /// Opens (or creates) the store at `file`; its folder must exist.
    ///
    /// # Errors
    ///
    /// [`StateError::Store`] when the file cannot be opened or created, or
    /// is held by another process.
    pub fn open(file: impl AsRef<Path>) -> Result<Self, StateError> {
        let file = file.as_ref().to_path_buf();
        let store_error = |operation, source: redb::Error| StateError::Store {
            file: file.clone(),
            operation,
            source: Box::new(source),
        };
        let db = Database::create(&file).map_err(|e| store_error("open", e.into()))?;
        // Create the table once, so readers never meet a missing table.
        let write = db
            .begin_write()
            .map_err(|e| store_error("begin", e.into()))?;
        write
            .open_table(STATES)
            .map_err(|e| store_error("open table", e.into()))?;
        write
            .commit()
            .map_err(|e| store_error("commit", e.into()))?;
        Ok(Self {
            inner: Arc::new(StoreInner {
                db,
                file,
                claimed: Mutex::new(HashSet::new()),
            }),
        })
    }

    /// The database file.
    pub fn file(&self) -> &Path {
        &self.inner.file
    }

    fn error(&self, operation: &'static str, source: impl Into<redb::Error>) -> StateError {
        StateError::Store {
            file: self.inner.file.clone(),
            operation,
            source: Box::new(source.into()),
        }
    }

    /// The encoded state stored for `path`.
    ///
    /// # Errors
    ///
    /// [`StateError::Store`] when the read fails.
    pub fn load_bytes(&self, path: &str) -> Result<Option<Vec<u8>>, StateError> {
        let read = self
            .inner
            .db
            .begin_read()
            .map_err(|e| self.error("begin read", e))?;
        let table = read
            .open_table(STATES)
            .map_err(|e| self.error("open table", e))?;
        let found = table.get(path).map_err(|e| self.error("read", e))?;
        Ok(found.map(|bytes| bytes.value().to_vec()))
    }

    /// Stores `bytes` as the state of `path`, durably, in one transaction.
    ///
    /// # Errors
    ///
    /// [`StateError::Store`] when the write or its commit fails; then
    /// nothing changed.
    pub fn save_bytes(&self, path: &str, bytes: &[u8]) -> Result<(), StateError> {
        self.write(|table| table.insert(path, bytes).map(drop))
    }

    /// Removes the state stored for `path` (an actor that should start
    /// fresh next time); true if there was one.
    ///
    /// # Errors
    ///
    /// [`StateError::Store`] when the write or its commit fails.
    pub fn remove(&self, path: &str) -> Result<bool, StateError> {
        let mut removed = false;
        self.write(|table| {
            removed = table.remove(path)?.is_some();
            Ok(())
        })?;
        Ok(removed)
    }

    /// The paths that have a stored state, in order.
    ///
    /// # Errors
    ///
    /// [`StateError::Store`] when the read fails.
    pub fn paths(&self) -> Result<Vec<String>, StateError> {
        let read = self
            .inner
            .db
            .begin_read()
            .map_err(|e| self.error("begin read", e))?;
        let table = read
            .open_table(STATES)
            .map_err(|e| self.error("open table", e))?;
        let mut paths = Vec::new();
        for entry in table.iter().map_err(|e| self.error("read", e))? {
            let (path, _) = entry.map_err(|e| self.error("read", e))?;
            paths.push(path.value().to_owned());
        }
        Ok(paths)
    }

    fn write(
        &self,
        change: impl FnOnce(&mut redb::Table<'_, &str, &[u8]>) -> Result<(), redb::StorageError>,
    ) -> Result<(), StateError> {
        let write = self
            .inner
            .db
            .begin_write()
            .map_err(|e| self.error("begin write", e))?;
        {
            let mut table = write
                .open_table(STATES)
                .map_err(|e| self.error("open table", e))?;
            change(&mut table).map_err(|e| self.error("write", e))?;
        }
        write.commit().map_err(|e| self.error("commit", e))
    }

    /// A typed handle on the state of `path`, as [`ActorState`].
    pub fn state<S>(&self, path: impl Into<String>) -> StoredState<S> {
        StoredState {
            store: self.clone(),
            path: path.into(),
            state: PhantomData,
        }
    }

    /// Reserves `path` for one live actor.
    pub(crate) fn claim(&self, path: &str) -> Result<Claim, StateError> {
        if self.inner.claimed.lock().insert(path.to_owned()) {
            Ok(Claim {
                store: self.clone(),
                path: path.to_owned(),
            })
        } else {
            Err(StateError::InUse {
                path: path.to_owned(),
            })
        }
    }
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("file", &self.inner.file)
            .field("claimed", &self.inner.claimed.lock().len())
            .finish()
    }
}

/// A path reserved by a live durable actor; released when dropped.
#[derive(Debug)]
pub(crate) struct Claim {
    store: StateStore,
    path: String,
}

impl Claim {
    pub(crate) fn store(&self) -> &StateStore {
        &self.store
    }

    pub(crate) fn path(&self) -> &str {
        &self.path
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.store.inner.claimed.lock().remove(&self.path);
    }
}

/// The state of one path in a [`StateStore`], typed: the store as
/// [`alloy_actors::ActorState`], encoded with the same format the runtime
/// uses for durable actors (so it reads what an actor stored).
pub struct StoredState<S> {
    store: StateStore,
    path: String,
    state: PhantomData<fn() -> S>,
}

impl<S> std::fmt::Debug for StoredState<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredState")
            .field("file", &self.store.inner.file)
            .field("path", &self.path)
            .finish()
    }
}

impl<S: Serialize + DeserializeOwned> StoredState<S> {
    fn load_now(&self) -> Result<Option<S>, StateError> {
        match self.store.load_bytes(&self.path)? {
            Some(bytes) => codec::decode(&bytes)
                .map(Some)
                .map_err(|detail| StateError::Decode {
                    path: self.path.clone(),
                    detail,
                }),
            None => Ok(None),
        }
    }

    fn encode(&self, state: &S) -> Result<Vec<u8>, StateError> {
        codec::encode(state).map_err(|detail| StateError::Encode {
            path: self.path.clone(),
            detail,
        })
    }
}

impl<S> ActorState<S> for StoredState<S>
where
    S: Serialize + DeserializeOwned + Send,
{
    type Error = StateError;

    fn load(&mut self) -> impl Future<Output = Result<Option<S>, StateError>> + Send {
        ready(self.load_now())
    }

    fn save(&mut self, state: &S) -> impl Future<Output = Result<(), StateError>> + Send {
        ready(
            self.encode(state)
                .and_then(|bytes| self.store.save_bytes(&self.path, &bytes)),
        )
    }

    fn update<R, F>(&mut self, change: F) -> impl Future<Output = Result<R, StateError>> + Send
    where
        F: FnOnce(Option<S>) -> (S, R) + Send,
        R: Send,
    {
        // One write transaction: read, change, write, commit; an error
        // anywhere drops the transaction, so nothing changes.
        let run = || {
            let write = self
                .store
                .inner
                .db
                .begin_write()
                .map_err(|e| self.store.error("begin write", e))?;
            let result = {
                let mut table = write
                    .open_table(STATES)
                    .map_err(|e| self.store.error("open table", e))?;
                let current = match table
                    .get(self.path.as_str())
                    .map_err(|e| self.store.error("read", e))?
                {
                    Some(bytes) => Some(codec::decode::<S>(bytes.value()).map_err(|detail| {
                        StateError::Decode {
                            path: self.path.clone(),
                            detail,
                        }
                    })?),
                    None => None,
                };
                let (next, result) = change(current);
                let bytes = self.encode(&next)?;
                table
                    .insert(self.path.as_str(), bytes.as_slice())
                    .map_err(|e| self.store.error("write", e))?;
                result
            };
            write.commit().map_err(|e| self.store.error("commit", e))?;
            Ok(result)
        };
        ready(run())
    }
}
