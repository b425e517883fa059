//! The registry: which ids are alive in this process, and how to reach them.

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use alloy_actors::{ActorError, ActorId, AnyMessage, AnySpec, SupervisionStrategy};
use parking_lot::{Mutex, RwLock};
use tokio::sync::oneshot;

use crate::dead_letters::DeadLetterReason;
use crate::mailbox::Mailbox;
use crate::metrics::TypeStats;

/// An addressable thing: an actor's cell, or the reply slot of a pending ask.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Actor(Arc<ActorCell>),
    Reply(Arc<ReplySlot>),
}

/// The id-to-entry map.
///
/// Asks' reply slots (`<system>/$ask#<correlation>`) live apart from the
/// actors, in shards keyed by correlation: an ask inserts and removes one
/// without write-locking the map every tell reads.
#[derive(Debug)]
pub(crate) struct Registry {
    entries: RwLock<HashMap<ActorId, Entry, BuildHasherDefault<IdHasher>>>,
    /// The path of reply ids.
    ask_path: ActorId,
    replies: [ReplyShard; REPLY_SHARDS],
    /// Registered names and the actors they stand for.
    names: RwLock<HashMap<String, ActorId>>,
}

/// The reply slots of some of the pending asks, by correlation.
type ReplyShard = Mutex<HashMap<u64, Arc<ReplySlot>, BuildHasherDefault<IdHasher>>>;

/// How many locks the reply slots are spread over.
const REPLY_SHARDS: usize = 8;

/// A fast multiplicative hasher for ids (the registry is looked up on
/// every tell; SipHash showed up at 7% of a tell profile). Ids are made by
/// the runtime from spec names, so flooding resistance is not needed here.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(26) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        // Spread the high bits down: hashbrown takes its control byte from
        // the top and its bucket from the bottom.
        self.0 ^ (self.0 >> 32)
    }
}

impl Registry {
    /// An empty registry whose reply ids have the path of `ask_path`.
    pub(crate) fn new(ask_path: ActorId) -> Self {
        Self {
            entries: RwLock::default(),
            ask_path,
            replies: Default::default(),
            names: RwLock::default(),
        }
    }

    /// Registers `name` for `actor`; the actor holding it already when
    /// the name is taken.
    pub(crate) fn register_name(&self, name: &str, actor: &ActorId) -> Result<(), ActorId> {
        let mut names = self.names.write();
        match names.get(name) {
            Some(holder) if holder != actor => Err(holder.clone()),
            _ => {
                names.insert(name.to_owned(), actor.clone());
                Ok(())
            }
        }
    }

    /// Frees `name`; the actor it stood for.
    pub(crate) fn unregister_name(&self, name: &str) -> Option<ActorId> {
        self.names.write().remove(name)
    }

    /// The actor registered under `name`.
    pub(crate) fn whereis(&self, name: &str) -> Option<ActorId> {
        self.names.read().get(name).cloned()
    }

    /// The actor a named address ([`ActorId::is_named`]) stands for.
    pub(crate) fn resolve(&self, named: &ActorId) -> Option<ActorId> {
        if !named.is_named() {
            return None;
        }
        let names = self.names.read();
        if names.is_empty() {
            return None;
        }
        names.get(named.name()).cloned()
    }

    /// Frees every name of an actor that stopped for good.
    pub(crate) fn forget_names_of(&self, actor: &ActorId) {
        let mut names = self.names.write();
        if !names.is_empty() {
            names.retain(|_, holder| holder != actor);
        }
    }

    /// A fresh reply id (instance `correlation`), sharing the path.
    pub(crate) fn reply_id(&self, correlation: u64) -> ActorId {
        self.ask_path.with_instance(correlation)
    }

    /// Whether `id` is an ask's reply id.
    fn is_reply(&self, id: &ActorId) -> bool {
        std::ptr::eq(id.path().as_ptr(), self.ask_path.path().as_ptr())
            || id.path() == self.ask_path.path()
    }

    fn reply_shard(&self, id: &ActorId) -> &ReplyShard {
        // The correlation numbers are sequential: the low bits spread them.
        &self.replies[(id.instance() % REPLY_SHARDS as u64) as usize]
    }

    pub(crate) fn get(&self, id: &ActorId) -> Option<Entry> {
        if self.is_reply(id) {
            return self
                .reply_shard(id)
                .lock()
                .get(&id.instance())
                .cloned()
                .map(Entry::Reply);
        }
        self.entries.read().get(id).cloned()
    }

    pub(crate) fn actor(&self, id: &ActorId) -> Option<Arc<ActorCell>> {
        match self.get(id) {
            Some(Entry::Actor(cell)) => Some(cell),
            _ => None,
        }
    }

    pub(crate) fn insert(&self, id: ActorId, entry: Entry) {
        match entry {
            Entry::Reply(slot) if self.is_reply(&id) => {
                self.reply_shard(&id).lock().insert(id.instance(), slot);
            }
            entry => {
                self.entries.write().insert(id, entry);
            }
        }
    }

    pub(crate) fn remove(&self, id: &ActorId) {
        if self.is_reply(id) {
            self.reply_shard(id).lock().remove(&id.instance());
        } else {
            self.entries.write().remove(id);
        }
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

    /// Live actors and pending asks.
    pub(crate) fn len(&self) -> usize {
        let replies: usize = self.replies.iter().map(|shard| shard.lock().len()).sum();
        self.entries.read().len() + replies
    }
}

thread_local! {
    /// The cell this thread delivered to last: a tell loop skips the
    /// registry (its lock and hash) while it keeps telling the same actor.
    static LAST: RefCell<Option<Arc<ActorCell>>> = const { RefCell::new(None) };
}

/// The cell of `target` if this thread delivered to it last.
///
/// Matched by the identity of the id's path allocation (which the cached
/// cell keeps alive, so it cannot be reused) and the instance number.
pub(crate) fn remembered(target: &ActorId) -> Option<Arc<ActorCell>> {
    LAST.with(|last| {
        last.borrow()
            .as_ref()
            .filter(|cell| same_allocation(&cell.id, target))
            .cloned()
    })
}

/// Remembers `cell` for this thread when `target` shares its id's allocation.
pub(crate) fn remember(cell: &Arc<ActorCell>, target: &ActorId) {
    if same_allocation(&cell.id, target) {
        LAST.with(|last| *last.borrow_mut() = Some(Arc::clone(cell)));
    }
}

/// Forgets the remembered cell (its mailbox closed).
pub(crate) fn forget() {
    LAST.with(|last| last.borrow_mut().take());
}

fn same_allocation(a: &ActorId, b: &ActorId) -> bool {
    std::ptr::eq(a.path().as_ptr(), b.path().as_ptr()) && a.instance() == b.instance()
}

/// What the runtime keeps about one actor across its incarnations.
#[derive(Debug)]
pub(crate) struct ActorCell {
    pub(crate) id: ActorId,
    /// The supervisor: the root, a supervisor, or the spawning actor.
    pub(crate) parent: ActorId,
    pub(crate) message_type: TypeId,
    /// How this actor supervises the children it spawns, when its spec
    /// chose (boxed: most actors take the system's default).
    supervision: Option<Box<SupervisionStrategy>>,
    pub(crate) mailbox: Mailbox,
    /// The counters of the actor's type (kept under its message type name).
    pub(crate) stats: Arc<TypeStats>,
    /// Set while the actor is being stopped for good: it gets no new children.
    closing: AtomicBool,
    /// The bytes its arena holds, as of the last time its task went idle.
    arena_bytes: AtomicUsize,
}

impl ActorCell {
    /// The cell of actor `id` from `spec`; `stats` are the counters of
    /// its message type.
    pub(crate) fn new(id: ActorId, parent: ActorId, spec: &AnySpec, stats: Arc<TypeStats>) -> Self {
        let config = spec.config();
        Self {
            id,
            parent,
            message_type: spec.behavior().message_type_id(),
            supervision: config.supervision().copied().map(Box::new),
            mailbox: Mailbox::new(config.backpressure()),
            stats,
            closing: AtomicBool::new(false),
            arena_bytes: AtomicUsize::new(0),
        }
    }

    /// A cell for the same actor with a new, open mailbox: an actor that
    /// stayed listed but not running starts again in it.
    pub(crate) fn renewed(&self) -> Self {
        Self {
            id: self.id.clone(),
            parent: self.parent.clone(),
            message_type: self.message_type,
            supervision: self.supervision.clone(),
            mailbox: Mailbox::new(self.mailbox.policy()),
            stats: Arc::clone(&self.stats),
            closing: AtomicBool::new(false),
            arena_bytes: AtomicUsize::new(0),
        }
    }

    /// The stable name of the messages it accepts.
    pub(crate) fn message_type_name(&self) -> &'static str {
        self.stats.name()
    }

    /// How it supervises the children it spawns.
    pub(crate) fn supervision(&self, default: SupervisionStrategy) -> SupervisionStrategy {
        self.supervision.as_deref().copied().unwrap_or(default)
    }

    /// Records the bytes its arena holds (read by the metrics).
    pub(crate) fn note_arena_bytes(&self, bytes: usize) {
        if self.arena_bytes.load(Ordering::Relaxed) != bytes {
            self.arena_bytes.store(bytes, Ordering::Relaxed);
        }
    }

    /// The bytes its arena held when its task last went idle.
    pub(crate) fn arena_bytes(&self) -> usize {
        self.arena_bytes.load(Ordering::Relaxed)
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
    reply: Mutex<Option<oneshot::Sender<Answer>>>,
    /// The connection the request went out on (0: a local ask).
    link: u64,
}

/// What ends an ask: the answer, or why none will come.
#[derive(Debug)]
pub(crate) enum Answer {
    /// A message sent to the reply id.
    Reply(AnyMessage),
    /// The request will never be answered.
    Failed(AskFailure),
}

/// Why an ask's request will never be answered, learnt as it happens.
#[derive(Debug, Clone)]
pub(crate) enum AskFailure {
    /// The handler of the request failed (its side effects, a reply among
    /// them, were dropped).
    HandlerFailed(ActorError),
    /// The request became a dead letter.
    Dropped(DeadLetterReason),
}

impl ReplySlot {
    /// The slot of a local ask.
    pub(crate) fn new(reply: oneshot::Sender<Answer>) -> Self {
        Self::bound(reply, 0)
    }

    /// The slot of an ask whose request goes out on connection `link`:
    /// answered only from there (or locally).
    pub(crate) fn bound(reply: oneshot::Sender<Answer>, link: u64) -> Self {
        Self {
            reply: Mutex::new(Some(reply)),
            link,
        }
    }

    /// Whether an answer that came over connection `link` may end it: a
    /// remote ask's only over the connection its request went out on; a
    /// local ask's from anywhere, since a local actor may have forwarded
    /// its reply id to another system (only a system given the id, which
    /// is random, can answer).
    pub(crate) fn accepts_link(&self, link: u64) -> bool {
        self.link == 0 || self.link == link
    }

    /// Hands the answer over; the second answer (or one after the ask
    /// ended) comes back.
    pub(crate) fn deliver(&self, message: AnyMessage) -> Result<(), AnyMessage> {
        match self.reply.lock().take() {
            Some(reply) => reply
                .send(Answer::Reply(message))
                .map_err(|answer| match answer {
                    Answer::Reply(message) => message,
                    Answer::Failed(_) => unreachable_answer(),
                }),
            None => Err(message),
        }
    }

    /// Ends the ask with `failure`, unless it has ended already.
    pub(crate) fn fail(&self, failure: AskFailure) {
        if let Some(reply) = self.reply.lock().take() {
            let _ = reply.send(Answer::Failed(failure));
        }
    }
}

#[cold]
fn unreachable_answer() -> ! {
    unreachable!("a reply sent as a message came back as a failure")
}
