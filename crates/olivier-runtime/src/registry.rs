//! The registry: which ids are alive in this process, and how to reach them.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use alloy_actors::{ActorId, AnyMessage, AnySpec, SupervisionStrategy};
use parking_lot::{Mutex, RwLock};
use tokio::sync::oneshot;

use crate::mailbox::Mailbox;
use crate::metrics::TypeStats;

/// An addressable thing: an actor's cell, or the reply slot of a pending ask.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Actor(Arc<ActorCell>),
    Reply(Arc<ReplySlot>),
}

/// The id-to-entry map.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    entries: RwLock<HashMap<ActorId, Entry>>,
}

impl Registry {
    pub(crate) fn get(&self, id: &ActorId) -> Option<Entry> {
        self.entries.read().get(id).cloned()
    }

    pub(crate) fn actor(&self, id: &ActorId) -> Option<Arc<ActorCell>> {
        match self.get(id) {
            Some(Entry::Actor(cell)) => Some(cell),
            _ => None,
        }
    }

    pub(crate) fn insert(&self, id: ActorId, entry: Entry) {
        self.entries.write().insert(id, entry);
    }

    pub(crate) fn remove(&self, id: &ActorId) {
        self.entries.write().remove(id);
    }

    /// Every live actor's cell.
    pub(crate) fn cells(&self) -> Vec<Arc<ActorCell>> {
        self.entries
            .read()
            .values()
            .filter_map(|entry| match entry {
                Entry::Actor(cell) => Some(Arc::clone(cell)),
                Entry::Reply(_) => None,
            })
            .collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.read().len()
    }
}

/// What the runtime keeps about one actor across its incarnations.
#[derive(Debug)]
pub(crate) struct ActorCell {
    pub(crate) id: ActorId,
    /// The supervisor: the root, a supervisor, or the spawning actor.
    pub(crate) parent: ActorId,
    pub(crate) message_type: TypeId,
    pub(crate) message_type_name: &'static str,
    /// How this actor supervises the children it spawns.
    pub(crate) supervision: SupervisionStrategy,
    pub(crate) mailbox: Mailbox,
    /// The counters of the actor's type.
    pub(crate) stats: Arc<TypeStats>,
    /// Set while the actor is being stopped for good: it gets no new children.
    closing: AtomicBool,
}

impl ActorCell {
    pub(crate) fn new(
        id: ActorId,
        parent: ActorId,
        spec: &AnySpec,
        default_supervision: SupervisionStrategy,
        stats: Arc<TypeStats>,
    ) -> Self {
        let config = spec.config();
        Self {
            id,
            parent,
            message_type: spec.behavior().message_type_id(),
            message_type_name: spec.message_type_name(),
            supervision: config.supervision().copied().unwrap_or(default_supervision),
            mailbox: Mailbox::new(config.backpressure()),
            stats,
            closing: AtomicBool::new(false),
        }
    }

    pub(crate) fn set_closing(&self, closing: bool) {
        self.closing.store(closing, Ordering::SeqCst);
    }

    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }
}

/// Where the answer to one ask goes.
#[derive(Debug)]
pub(crate) struct ReplySlot {
    reply: Mutex<Option<oneshot::Sender<AnyMessage>>>,
}

impl ReplySlot {
    pub(crate) fn new(reply: oneshot::Sender<AnyMessage>) -> Self {
        Self {
            reply: Mutex::new(Some(reply)),
        }
    }

    /// Hands the answer over; the second answer (or one after the ask
    /// ended) comes back.
    pub(crate) fn deliver(&self, message: AnyMessage) -> Result<(), AnyMessage> {
        match self.reply.lock().take() {
            Some(reply) => reply.send(message),
            None => Err(message),
        }
    }
}
