//! An arena's budget, its error and its statistics: plain values.

/// The limit on what one message may use, in bytes. Three figures are
/// checked against it, each on its own (see [`ActorArena`](crate::ActorArena)'s "Budget"):
/// the most the behavior held at once while handling the message (with
/// [`ArenaAlloc`](crate::ArenaAlloc) installed), the bytes the runtime drew from the arena's
/// chunks, and the actor's encoded durable state (each of the last two with
/// the chunks' bytes in use).
///
/// # Examples
///
/// ```
/// use olivier_runtime::ArenaBudget;
///
/// assert_eq!(ArenaBudget::default(), ArenaBudget::mib(1));
/// assert_eq!(ArenaBudget::kib(64).get(), 65_536);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArenaBudget(usize);

impl ArenaBudget {
    /// The default budget: 1 MiB per turn.
    pub const DEFAULT: Self = Self(1 << 20);

    /// No budget at all (every request is served while memory lasts).
    pub const UNLIMITED: Self = Self(usize::MAX);

    /// A budget of `bytes` bytes.
    pub const fn bytes(bytes: usize) -> Self {
        Self(bytes)
    }

    /// A budget of `kib` KiB (saturating).
    pub const fn kib(kib: usize) -> Self {
        Self(kib.saturating_mul(1 << 10))
    }

    /// A budget of `mib` MiB (saturating).
    pub const fn mib(mib: usize) -> Self {
        Self(mib.saturating_mul(1 << 20))
    }

    /// The budget in bytes.
    pub const fn get(self) -> usize {
        self.0
    }

    /// The most bytes the bump allocator may hold in chunks during a turn:
    /// twice the budget plus 16 KiB. A request that passed the budget check
    /// then always finds room under this limit (a new chunk is at most about
    /// twice the request, plus page rounding), so only a real
    /// out-of-memory makes the bump allocator refuse.
    pub(super) const fn chunk_limit(self) -> usize {
        self.0.saturating_mul(2).saturating_add(16 << 10)
    }
}

impl Default for ArenaBudget {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why an arena could not serve a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArenaError {
    /// Serving the request would take the turn past its budget (for
    /// [`ActorArena::charge`](crate::ActorArena::charge), the behavior's peak was over it).
    #[error(
        "arena budget of {budget} bytes exhausted: {requested} bytes requested with {in_use} in use"
    )]
    Exhausted {
        /// The arena's budget, in bytes.
        budget: usize,
        /// The bytes the request asked for (for a charge, the behavior's
        /// peak; for a scratch buffer, its length).
        requested: usize,
        /// The bytes the turn had drawn before the request, with those the
        /// request could not use: its alignment padding, and the free tail
        /// of the current chunk when the request does not fit in it (a new
        /// chunk leaves it behind). `in_use + requested > budget`.
        in_use: usize,
    },
    /// The global allocator refused a chunk for a request within the budget.
    #[error("the allocator refused a chunk for {requested} bytes")]
    Refused {
        /// The bytes the request asked for.
        requested: usize,
    },
}

/// What an arena holds and has held, for metrics.
///
/// # Examples
///
/// ```
/// use olivier_runtime::{ActorArena, ArenaBudget};
///
/// let mut arena = ActorArena::new(ArenaBudget::kib(64));
/// arena.try_alloc_slice_copy(&[0u8; 1000])?;
/// let stats = arena.stats();
/// assert!(stats.in_use >= 1000 && stats.reserved >= stats.in_use);
/// arena.reset();
/// assert_eq!(arena.stats().in_use, 0);
/// assert!(arena.stats().high_water >= 1000);
/// # Ok::<(), olivier_runtime::ArenaError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ArenaStats {
    /// The budget, in bytes.
    pub budget: usize,
    /// Heap bytes the arena holds now: its chunks with their footers, the
    /// scratch buffer's capacity and the arena's own bookkeeping (0 for an
    /// arena that was never drawn from).
    pub reserved: usize,
    /// Bytes the current turn has drawn from the chunks.
    pub in_use: usize,
    /// The most bytes one turn has drawn (chunks, plus a scratch buffer's
    /// length when it was checked or returned), over the arena's life.
    pub high_water: usize,
    /// The largest peak passed to [`ActorArena::charge`](crate::ActorArena::charge) (the most bytes a
    /// behavior held at once while handling one message) since the arena
    /// allocated its bookkeeping; a charge never allocates it, so an arena
    /// that was only charged records none.
    pub charged_peak: usize,
}
