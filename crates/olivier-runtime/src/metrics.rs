//! Metrics per actor type (the behavior's message type name): messages
//! received and processed, errors, restarts, dead letters, mailbox depth,
//! live actors and a processing-time histogram, exported as Prometheus text
//! through `prometheus-client`.
//!
//! The hot path touches no lock and no shared cache line: each type's
//! counters are striped over [`SHARDS`] cache-padded shards, and a thread
//! always writes the same shard. Mailbox depth and live actors are read
//! from the registry when metrics are rendered.

pub(crate) mod endpoint;
pub(crate) mod export;

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use parking_lot::RwLock;

/// How many shards each type's hot counters are striped over.
const SHARDS: usize = 8;

/// Upper bounds of the processing-time buckets, in nanoseconds: 1 µs to
/// about 4 s, by fours (the last bucket, +Inf, is implicit).
const BOUNDS_NS: [u64; 12] = [
    1_000,
    4_000,
    16_000,
    64_000,
    256_000,
    1_024_000,
    4_096_000,
    16_384_000,
    65_536_000,
    262_144_000,
    1_048_576_000,
    4_194_304_000,
];

/// Every type's statistics in one system.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    types: RwLock<HashMap<&'static str, Arc<TypeStats>>>,
}

impl Metrics {
    /// The statistics of `actor_type`, created on first use.
    pub(crate) fn of(&self, actor_type: &'static str) -> Arc<TypeStats> {
        if let Some(stats) = self.types.read().get(actor_type) {
            return Arc::clone(stats);
        }
        Arc::clone(
            self.types
                .write()
                .entry(actor_type)
                .or_insert_with(|| Arc::new(TypeStats::new(actor_type))),
        )
    }

    fn all(&self) -> Vec<Arc<TypeStats>> {
        let mut all: Vec<_> = self.types.read().values().cloned().collect();
        all.sort_by_key(|stats| stats.name);
        all
    }
}

/// One actor type's counters.
#[derive(Debug)]
pub(crate) struct TypeStats {
    name: &'static str,
    shards: [Shard; SHARDS],
    errors: AtomicU64,
    restarts: AtomicU64,
    dead_letters: AtomicU64,
}

/// The counters one thread writes; padded so two shards never share a
/// cache line.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard {
    received: AtomicU64,
    /// Processing time of every processed message, in nanoseconds.
    nanos: AtomicU64,
    /// Processed messages per bucket (not cumulative); the last is +Inf.
    buckets: [AtomicU64; BOUNDS_NS.len() + 1],
}

thread_local! {
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

/// This thread's shard.
fn shard_index() -> usize {
    SHARD.with(|shard| {
        let mut index = shard.get();
        if index == usize::MAX {
            index = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
            shard.set(index);
        }
        index
    })
}

impl TypeStats {
    /// The message type name the counters are kept under.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    fn new(name: &'static str) -> Self {
        Self {
            name,
            shards: Default::default(),
            errors: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
            dead_letters: AtomicU64::new(0),
        }
    }

    fn shard(&self) -> &Shard {
        &self.shards[shard_index()]
    }

    /// A message went into a mailbox of this type.
    pub(crate) fn received(&self) {
        self.shard().received.fetch_add(1, Ordering::Relaxed);
    }

    /// A message was handled in `took`.
    pub(crate) fn processed(&self, took: Duration) {
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let bucket = BOUNDS_NS
            .iter()
            .position(|bound| nanos <= *bound)
            .unwrap_or(BOUNDS_NS.len());
        let shard = self.shard();
        shard.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        shard.nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// An actor of this type failed.
    pub(crate) fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// An actor of this type restarted.
    pub(crate) fn restart(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// A message of this type became a dead letter.
    pub(crate) fn dead_letter(&self) {
        self.dead_letters.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> TypeSnapshot {
        let mut snapshot = TypeSnapshot {
            actor_type: self.name,
            errors: self.errors.load(Ordering::Relaxed),
            restarts: self.restarts.load(Ordering::Relaxed),
            dead_letters: self.dead_letters.load(Ordering::Relaxed),
            ..TypeSnapshot::default()
        };
        for shard in &self.shards {
            snapshot.received += shard.received.load(Ordering::Relaxed);
            snapshot.processing_nanos += shard.nanos.load(Ordering::Relaxed);
            for (total, bucket) in snapshot.buckets.iter_mut().zip(&shard.buckets) {
                *total += bucket.load(Ordering::Relaxed);
            }
        }
        snapshot.processed = snapshot.buckets.iter().sum();
        snapshot
    }
}

/// What one actor type counted so far, from
/// [`ActorSystem::metrics`](crate::ActorSystem::metrics).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeSnapshot {
    /// The actor type: the message type name its behavior accepts.
    pub actor_type: &'static str,
    /// Messages put into a mailbox of this type.
    pub received: u64,
    /// Messages handled (whatever the outcome).
    pub processed: u64,
    /// Failures (escalations, panics, denied capabilities, failed commits).
    pub errors: u64,
    /// Restarts (by a supervisor, the behavior, or the error policy).
    pub restarts: u64,
    /// Dead letters whose message has this type.
    pub dead_letters: u64,
    /// Messages waiting in the mailboxes of live actors of this type.
    pub mailbox_depth: u64,
    /// Live actors of this type.
    pub actors: u64,
    /// Bytes held by the arenas of live actors of this type (each as of
    /// the last time its task went idle).
    pub arena_bytes: u64,
    /// Total processing time, in nanoseconds.
    pub processing_nanos: u64,
    /// Processed messages per processing-time bucket (not cumulative),
    /// the bounds being [`TypeSnapshot::BUCKET_BOUNDS_NS`] then +Inf.
    pub buckets: [u64; BOUNDS_NS.len() + 1],
}

impl TypeSnapshot {
    /// The upper bounds of the processing-time buckets, in nanoseconds.
    pub const BUCKET_BOUNDS_NS: [u64; 12] = BOUNDS_NS;
}
