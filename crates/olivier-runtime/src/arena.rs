//! The per-actor arena: each actor's memory budget, the byte buffer its
//! durable state is encoded into, and a bump allocator under the same
//! budget.
//!
//! What the runtime does with it today, exactly (see [`ActorArena`]):
//! the actor loop checks the peak bytes a behavior held while it handled a
//! message ([`ChargeScope`], counted by [`ArenaAlloc`]) against the budget
//! when the handler returns, and a durable actor's state is encoded into the
//! scratch buffer, a heap `Vec<u8>` the arena keeps, and checked against the
//! budget. Nothing in the runtime draws from the bump chunks yet: the loop
//! takes envelopes from the mailbox one at a time, not into an
//! [`ArenaVec`].
//!
//! The vectors are in `vec.rs`, the scratch buffer in `scratch.rs`, and the
//! counting of a behavior's own allocations in `charge.rs`.

mod budget;
mod charge;
mod chunks;
mod scratch;
mod vec;

use std::alloc::Layout;
use std::cell::OnceCell;
use std::fmt;

use chunks::{Inner, bump_for};

pub use budget::{ArenaBudget, ArenaError, ArenaStats};
pub use charge::{ArenaAlloc, ChargeScope};
pub use scratch::ScratchBytes;
pub use vec::{ArenaVec, PushError};

/// An actor's arena: its budget, the scratch buffer its durable state is
/// encoded into, and a bump allocator under the budget.
///
/// # Examples
///
/// ```
/// use olivier_runtime::{ActorArena, ArenaBudget, ArenaError};
///
/// let mut arena = ActorArena::new(ArenaBudget::kib(4));
/// assert_eq!(arena.stats().reserved, 0); // idle: no heap memory at all
///
/// // What a behavior held at its peak while it handled a message.
/// arena.charge(1000)?;
/// assert!(arena.charge(5000).is_err());
///
/// // A byte buffer an encoder can write into (a `Vec<u8>`).
/// let mut scratch = arena.scratch_bytes();
/// scratch.extend_from_slice(b"encoded state");
/// scratch.check()?;
/// drop(scratch);
///
/// // A batch of values in the bump chunks, dropped with the vector.
/// let mut batch = arena.vec::<String>();
/// batch.try_push("first".to_owned()).map_err(|full| full.error)?;
/// assert_eq!(batch.len(), 1);
/// drop(batch);
///
/// // Over the budget is an error, never a panic or an abort.
/// let Err(ArenaError::Exhausted { budget, requested, .. }) = arena.try_vec_with_capacity::<u8>(5000)
/// else {
///     panic!("5000 bytes fit a 4 KiB budget");
/// };
/// assert_eq!((budget, requested), (4096, 5000));
///
/// // After the message: everything is forgotten, the chunk is kept.
/// arena.reset();
/// assert_eq!(arena.in_use(), 0);
/// assert!(arena.stats().reserved > 0);
/// # Ok::<(), ArenaError>(())
/// ```
///
/// # What the runtime uses it for
///
/// - **The budget of a behavior's own allocations.** A behavior allocates
///   through the global allocator, not from the arena (a behavior is a pure
///   function and never sees its arena). With [`ArenaAlloc`] installed as
///   the `#[global_allocator]`, the actor loop enters a [`ChargeScope`]
///   around the behavior's `receive` and passes the scope's peak to
///   [`Self::charge`] when `receive` returns.
/// - **The durable-state encode.** A durable actor's state is encoded into
///   [`Self::scratch_bytes`], a [`ScratchBytes`] guard over a `Vec<u8>`.
///   That buffer is on the global heap, not in the bump chunks:
///   `barewire::Serializer` appends to a `&mut Vec<u8>`, and stable Rust
///   has no allocator parameter on `Vec`. The arena keeps it (cleared) from
///   message to message, counts its capacity in [`ArenaStats::reserved`],
///   and checks its length against the budget with [`ScratchBytes::check`]
///   once the encode is done.
///
/// # What nothing in the runtime uses yet
///
/// The bump chunks: [`Self::vec`] (an [`ArenaVec`], a vector whose buffer
/// is bump allocated and whose elements are dropped with it, with fallible
/// growth: [`ArenaVec::try_push`] hands the value back when the budget is
/// exhausted) and [`Self::try_alloc_slice_copy`] (a copy of a slice of
/// `Copy` values). They work and are tested, but the actor loop takes each
/// envelope from the mailbox on its own and never collects them in an
/// `ArenaVec`, so for a running actor [`Self::in_use`] is 0 outside these
/// calls. Nothing with a `Drop` is left in the chunks (an `ArenaVec` drops
/// its elements itself), so a reset skips no destructor.
///
/// # Budget
///
/// One [`ArenaBudget`] bounds three things, each checked where it can be:
///
/// - **A behavior's peak.** The most heap bytes the behavior held at once
///   while it handled the message, over what its thread held when the
///   handler started (allocations minus frees, so a temporary that was
///   dropped still counts while it lived; a reallocation counts as its
///   change in size). It is checked when the handler returns, not while it
///   runs: a global allocator must not unwind, and refusing an allocation
///   aborts the process, so nothing can stop the handler half-way. A
///   handler can therefore go past its budget for as long as it runs; when
///   it returns, the actor loop refuses its outcome as the actor's failure
///   (nothing committed or performed; the error policy decides the rest).
///   The budget limits what one message may use, after the fact; it is not
///   a cap on memory.
/// - **Draws from the chunks** ([`Self::vec`], [`Self::try_alloc_slice_copy`]),
///   per *turn* (the work between two [`Self::reset`]s): every request is
///   checked first, and one that would take the bytes in use past the
///   budget is an [`ArenaError::Exhausted`]. Bytes in use count what was
///   handed out, alignment padding, and the free tail of a chunk that was
///   left behind for a new one, so they never exceed the budget.
/// - **The scratch buffer's length**, with the bytes in use, when
///   [`ScratchBytes::check`] is called, and before it grows through
///   [`ScratchBytes::try_reserve`] or its `io::Write`.
///
/// The memory the chunks hold is bounded too: during a turn they never
/// total more than twice the budget plus 16 KiB (the bump allocator's chunk
/// doubling and page rounding), and between turns the arena keeps at most
/// one chunk and one scratch buffer, each no larger than the budget.
///
/// # Lifecycle
///
/// - New: [`Self::new`] allocates nothing; an idle actor pays
///   [`Self::IDLE_SIZE`] bytes (16 on 64-bit targets) inline. Charging
///   allocates nothing either, so only the first draw or the first
///   scratch buffer (a durable actor's first commit) allocates the
///   bookkeeping.
/// - After every turn: [`Self::reset`] forgets every allocation and
///   keeps the current (largest) chunk when it is within the budget, so
///   turns that draw alike stop allocating after the first ones.
/// - Restart: [`Self::reset_for_restart`] frees every chunk and the
///   scratch buffer; the statistics stay.
/// - Stop: dropping the arena frees every chunk as one unit.
///
/// An arena is `Send` (it moves with the actor's body) but not `Sync`, and
/// the vectors and guards it lends are neither: they belong to the thread
/// that handles the message and cannot be held across an `.await` in a
/// task that must be `Send`.
pub struct ActorArena {
    /// Allocated on first use, so an idle actor pays one pointer.
    inner: OnceCell<Box<Inner>>,
    budget: ArenaBudget,
}

impl ActorArena {
    /// The bytes an idle arena takes inline (16 on 64-bit targets); it holds
    /// no heap memory until its first use.
    pub const IDLE_SIZE: usize = size_of::<Self>();

    /// An arena with `budget`; allocates nothing.
    pub const fn new(budget: ArenaBudget) -> Self {
        Self {
            inner: OnceCell::new(),
            budget,
        }
    }

    /// The arena's budget.
    pub fn budget(&self) -> ArenaBudget {
        self.budget
    }

    /// Changes the budget; it applies to the next request.
    pub fn set_budget(&mut self, budget: ArenaBudget) {
        self.budget = budget;
        if let Some(inner) = self.inner.get() {
            inner.bump.set_allocation_limit(Some(budget.chunk_limit()));
        }
    }

    fn inner(&self) -> &Inner {
        self.inner.get_or_init(|| Box::new(Inner::new(self.budget)))
    }

    /// Bytes the current turn has drawn from the arena's chunks.
    pub fn in_use(&self) -> usize {
        self.inner.get().map_or(0, |inner| inner.in_use())
    }

    /// Whether the arena was never drawn from and never lent its scratch
    /// buffer (a [charge](Self::charge) does not count), so it holds no
    /// heap memory at all.
    pub fn is_idle(&self) -> bool {
        self.inner.get().is_none()
    }

    /// A snapshot of what the arena holds and has held.
    pub fn stats(&self) -> ArenaStats {
        let budget = self.budget.get();
        let Some(inner) = self.inner.get() else {
            return ArenaStats {
                budget,
                ..ArenaStats::default()
            };
        };
        let in_use = inner.in_use();
        inner.note_high_water(in_use);
        let scratch = inner.scratch.take();
        let scratch_capacity = scratch.capacity();
        inner.scratch.set(scratch);
        ArenaStats {
            budget,
            reserved: size_of::<Inner>()
                + inner.bump.allocated_bytes_including_metadata()
                + scratch_capacity,
            in_use,
            high_water: inner.high_water.get(),
            charged_peak: inner.charged_peak.get(),
        }
    }

    /// An empty vector in the arena's bump chunks; allocates no chunk until
    /// it grows. (The runtime itself does not use one yet.)
    ///
    /// # Examples
    ///
    /// ```
    /// use olivier_runtime::{ActorArena, ArenaBudget};
    ///
    /// let arena = ActorArena::new(ArenaBudget::DEFAULT);
    /// let mut batch = arena.vec::<&str>();
    /// batch.try_push("hello").map_err(|full| full.error)?;
    /// assert_eq!(batch[..], ["hello"]);
    /// # Ok::<(), olivier_runtime::ArenaError>(())
    /// ```
    pub fn vec<T>(&self) -> ArenaVec<'_, T> {
        ArenaVec::new(self.budget, self.inner())
    }

    /// A vector in the arena with room for `capacity` values.
    ///
    /// # Errors
    ///
    /// [`ArenaError::Exhausted`] when the room does not fit the budget,
    /// [`ArenaError::Refused`] when the global allocator has no memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use olivier_runtime::{ActorArena, ArenaBudget, ArenaError};
    ///
    /// let arena = ActorArena::new(ArenaBudget::bytes(1024));
    /// assert!(arena.try_vec_with_capacity::<u64>(16)?.capacity() >= 16);
    /// assert!(matches!(
    ///     arena.try_vec_with_capacity::<u64>(1024),
    ///     Err(ArenaError::Exhausted { requested: 8192, .. })
    /// ));
    /// # Ok::<(), ArenaError>(())
    /// ```
    pub fn try_vec_with_capacity<T>(&self, capacity: usize) -> Result<ArenaVec<'_, T>, ArenaError> {
        let mut vec = self.vec();
        vec.try_reserve_exact(capacity)?;
        Ok(vec)
    }

    /// Copies `src` into the arena.
    ///
    /// # Errors
    ///
    /// [`ArenaError::Exhausted`] when the copy does not fit the budget,
    /// [`ArenaError::Refused`] when the global allocator has no memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use olivier_runtime::{ActorArena, ArenaBudget};
    ///
    /// let arena = ActorArena::new(ArenaBudget::DEFAULT);
    /// let copy = arena.try_alloc_slice_copy(b"bytes")?;
    /// copy[0] = b'B';
    /// assert_eq!(copy, b"Bytes");
    /// # Ok::<(), olivier_runtime::ArenaError>(())
    /// ```
    pub fn try_alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&mut [T], ArenaError> {
        let inner = self.inner();
        let layout = Layout::for_value(src);
        inner.admit(self.budget, layout)?;
        inner
            .bump
            .try_alloc_slice_copy(src)
            .map_err(|_| ArenaError::Refused {
                requested: layout.size(),
            })
    }

    /// Lends the scratch byte buffer the arena keeps (a heap `Vec<u8>`,
    /// not bump memory: see [`ScratchBytes`]), empty; it is kept (cleared)
    /// for the next message when the guard drops, unless it grew past the
    /// budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use olivier_runtime::{ActorArena, ArenaBudget};
    ///
    /// let arena = ActorArena::new(ArenaBudget::DEFAULT);
    /// let mut scratch = arena.scratch_bytes();
    /// scratch.extend_from_slice(&[1, 2, 3]);
    /// scratch.check()?;
    /// assert_eq!(scratch[..], [1, 2, 3]);
    /// # Ok::<(), olivier_runtime::ArenaError>(())
    /// ```
    pub fn scratch_bytes(&self) -> ScratchBytes<'_> {
        ScratchBytes::new(self.budget, self.inner())
    }

    /// Checks `peak`, the most heap bytes a behavior held at once while it
    /// handled one message (its [`ChargeScope`]'s [`exit`](ChargeScope::exit)),
    /// against the budget, together with the bytes the turn drew from the
    /// arena's chunks; records the largest peak in
    /// [`ArenaStats::charged_peak`] once the arena has its bookkeeping.
    ///
    /// It allocates nothing: an actor whose arena the runtime never drew
    /// from stays [idle](Self::is_idle), however many messages it handled.
    ///
    /// # Errors
    ///
    /// [`ArenaError::Exhausted`] when the two together exceed the budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use olivier_runtime::{ActorArena, ArenaBudget, ArenaError};
    ///
    /// let arena = ActorArena::new(ArenaBudget::kib(1));
    /// arena.charge(1000)?;
    /// assert_eq!(
    ///     arena.charge(2000),
    ///     Err(ArenaError::Exhausted { budget: 1024, requested: 2000, in_use: 0 })
    /// );
    /// assert!(arena.is_idle(), "a charge allocates nothing");
    /// # Ok::<(), ArenaError>(())
    /// ```
    pub fn charge(&self, peak: usize) -> Result<(), ArenaError> {
        let budget = self.budget.get();
        let Some(inner) = self.inner.get() else {
            if peak > budget {
                return Err(ArenaError::Exhausted {
                    budget,
                    requested: peak,
                    in_use: 0,
                });
            }
            return Ok(());
        };
        if peak > inner.charged_peak.get() {
            inner.charged_peak.set(peak);
        }
        if inner.in_use().saturating_add(peak) > budget {
            return Err(inner.exhausted(self.budget, peak));
        }
        Ok(())
    }

    /// Ends a turn: forgets every allocation (the borrow checker has made
    /// sure none is still used) and keeps the current chunk, the largest,
    /// when it is within the budget; frees the others.
    ///
    /// # Examples
    ///
    /// ```
    /// use olivier_runtime::{ActorArena, ArenaBudget};
    ///
    /// let mut arena = ActorArena::new(ArenaBudget::DEFAULT);
    /// arena.try_alloc_slice_copy(&[7u8; 3000])?;
    /// let reserved = arena.stats().reserved;
    /// arena.reset();
    /// assert_eq!(arena.in_use(), 0);
    /// assert!(arena.stats().reserved <= reserved);
    /// # Ok::<(), olivier_runtime::ArenaError>(())
    /// ```
    pub fn reset(&mut self) {
        let budget = self.budget;
        let Some(inner) = self.inner.get_mut() else {
            return;
        };
        inner.note_high_water(inner.in_use());
        inner.bump.reset();
        if inner.bump.allocated_bytes() > budget.get() {
            inner.bump = bump_for(budget);
        }
    }

    /// Prepares the arena for a restarted actor: frees every chunk and the
    /// scratch buffer, so a failure (often this very budget running out)
    /// leaves no oversized memory behind. The statistics stay; the next
    /// message allocates one chunk again.
    ///
    /// # Examples
    ///
    /// ```
    /// use olivier_runtime::{ActorArena, ArenaBudget};
    ///
    /// let mut arena = ActorArena::new(ArenaBudget::DEFAULT);
    /// arena.try_alloc_slice_copy(&[7u8; 3000])?;
    /// arena.reset_for_restart();
    /// let stats = arena.stats();
    /// assert_eq!((stats.in_use, stats.high_water), (0, 3000));
    /// assert!(stats.reserved < 3000);
    /// # Ok::<(), olivier_runtime::ArenaError>(())
    /// ```
    pub fn reset_for_restart(&mut self) {
        let budget = self.budget;
        let Some(inner) = self.inner.get_mut() else {
            return;
        };
        inner.note_high_water(inner.in_use());
        inner.bump = bump_for(budget);
        inner.scratch.set(Vec::new());
    }
}

impl Default for ActorArena {
    /// An arena with the [default budget](ArenaBudget::DEFAULT).
    fn default() -> Self {
        Self::new(ArenaBudget::DEFAULT)
    }
}

impl fmt::Debug for ActorArena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorArena")
            .field("stats", &self.stats())
            .finish()
    }
}

#[cfg(test)]
mod tests;
