//! Charging a behavior's own allocations to its actor: an opt-in global
//! allocator that keeps, per thread, the net heap bytes allocated while a
//! [`ChargeScope`] is entered there, and their peak.
//!
//! The counts live in a thread-local with a constant initializer and no
//! destructor, so reading them never allocates, never registers anything and
//! never fails, even inside the allocator or while a thread exits. When no
//! scope is entered an allocation or a free costs one thread-local read more
//! than the wrapped allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::marker::PhantomData;

/// One thread's counts: how many scopes are entered, the net bytes counted
/// while at least one was, and the highest that net reached since the
/// innermost scope was entered. Plain `Cell`s: the allocator may run while
/// this thread is anywhere, but never concurrently with itself on one
/// thread.
///
/// `live` and `peak` wrap (frees of memory allocated before a scope take
/// `live` below where it started); only differences mean anything, and they
/// are compared as signed numbers.
struct Counts {
    depth: Cell<usize>,
    live: Cell<usize>,
    peak: Cell<usize>,
}

thread_local! {
    static COUNTS: Counts = const {
        Counts {
            depth: Cell::new(0),
            live: Cell::new(0),
            peak: Cell::new(0),
        }
    };
}

/// `a - b` as a signed number: exact while the two are within `isize` of
/// each other, which the bytes of one address space always are.
#[inline]
fn signed_difference(a: usize, b: usize) -> isize {
    a.wrapping_sub(b).cast_signed()
}

/// The later of two wrapping counts (the higher, as signed differences go).
#[inline]
fn higher(a: usize, b: usize) -> usize {
    if signed_difference(a, b) >= 0 { a } else { b }
}

/// Adds `bytes` to this thread's live count, if a scope is entered, and
/// raises the peak. Never allocates and never panics.
#[inline]
fn allocated(bytes: usize) {
    let _ = COUNTS.try_with(|counts| {
        if counts.depth.get() != 0 {
            let live = counts.live.get().wrapping_add(bytes);
            counts.live.set(live);
            counts.peak.set(higher(live, counts.peak.get()));
        }
    });
}

/// Takes `bytes` off this thread's live count, if a scope is entered. Never
/// allocates and never panics.
#[inline]
fn freed(bytes: usize) {
    let _ = COUNTS.try_with(|counts| {
        if counts.depth.get() != 0 {
            counts.live.set(counts.live.get().wrapping_sub(bytes));
        }
    });
}

/// A `#[global_allocator]` wrapper that keeps, for the [`ChargeScope`]s
/// entered on a thread, the net heap bytes allocated there and their peak,
/// and allocates through `A` ([`System`] by default).
///
/// What is counted, on the thread and only while a scope is entered there:
/// every allocation's size (zeroed or not) is added, every free's size is
/// taken off, and a reallocation counts as its change in size (as if done
/// in place: an allocator that moves the block holds both copies for the
/// time of the copy, which is not counted). Frees count whoever made the
/// allocation, so a handler that drops memory allocated before its scope
/// (the message it consumed, its old state) can end below where it started.
///
/// It counts; it does not redirect or refuse: memory still comes from `A`,
/// and nothing is checked while the behavior runs. A global allocator must
/// not unwind, and a refused allocation (a null pointer) makes the standard
/// library abort the whole process through `handle_alloc_error`, so
/// neither can stop one actor's handler in the middle. The budget is
/// therefore checked when the handler returns: the actor loop passes the
/// scope's peak to [`ActorArena::charge`], which fails the message when it
/// was over the budget (see [`ActorArena`]'s "Budget").
///
/// Installing it is up to the binary (a library cannot choose the global
/// allocator); without it every scope counts 0.
///
/// ```
/// use olivier_runtime::ArenaAlloc;
///
/// #[global_allocator]
/// static GLOBAL: ArenaAlloc = ArenaAlloc::new();
/// # fn main() {}
/// ```
///
/// Any other allocator can be wrapped with [`ArenaAlloc::wrap`].
///
/// [`ActorArena::charge`]: crate::ActorArena::charge
/// [`ActorArena`]: crate::ActorArena
#[derive(Debug, Default, Clone, Copy)]
pub struct ArenaAlloc<A = System> {
    inner: A,
}

impl ArenaAlloc<System> {
    /// Wraps the system allocator.
    pub const fn new() -> Self {
        Self { inner: System }
    }
}

impl<A> ArenaAlloc<A> {
    /// Wraps `inner`.
    pub const fn wrap(inner: A) -> Self {
        Self { inner }
    }

    /// The wrapped allocator.
    pub const fn inner(&self) -> &A {
        &self.inner
    }
}

// SAFETY: every method forwards to `A` with the caller's arguments, which
// carry the caller's guarantees, and returns `A`'s result unchanged; the
// counting touches only a thread-local `Cell` and neither allocates nor
// unwinds, so it cannot re-enter the allocator.
unsafe impl<A: GlobalAlloc> GlobalAlloc for ArenaAlloc<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees on `layout`.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            allocated(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees on `layout`.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            allocated(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees that `ptr` was
        // allocated by this allocator (hence by `A`) with `layout`.
        unsafe { self.inner.dealloc(ptr, layout) };
        freed(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees on `ptr`, `layout`
        // and `new_size`.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            let old_size = layout.size();
            if new_size >= old_size {
                allocated(new_size - old_size);
            } else {
                freed(old_size - new_size);
            }
        }
        new
    }
}

/// Counts, with [`ArenaAlloc`], the heap bytes its thread allocates and
/// frees while the scope is alive: the actor loop enters one around a
/// behavior's `receive` and passes its [peak](Self::charged) to
/// [`ActorArena::charge`] when `receive` returns.
///
/// Two figures, both relative to where the thread stood when the scope was
/// entered:
///
/// - [`charged`](Self::charged) (and [`exit`](Self::exit)): the peak, the
///   most bytes the thread held at once since the scope was entered, never
///   below 0. It is what the budget limits: a handler that builds 10 MB and
///   drops it before it returns held 10 MB.
/// - [`net`](Self::net): the bytes held now, which is negative when the
///   thread freed more than it allocated (for example the message the
///   handler consumed, allocated by its sender).
///
/// Scopes nest: a scope counts everything on its thread since it was
/// entered, including inside scopes entered after it. The net is exact in
/// whatever order scopes are dropped, since each only remembers where the
/// thread's count stood when it was entered. The peak is exact once every
/// scope entered after this one has been dropped, in reverse order of
/// entry, which is how the actor loop uses them (one scope per handler,
/// nothing awaited inside); read while a later scope is still alive, it
/// misses any higher point reached before that scope was entered.
///
/// A scope is tied to its thread (it is neither `Send` nor `Sync`), so it
/// cannot be held across an `.await` in a task that may move.
///
/// # Examples
///
/// ```
/// use olivier_runtime::{ActorArena, ArenaBudget, ChargeScope};
///
/// let arena = ActorArena::new(ArenaBudget::DEFAULT);
/// let scope = ChargeScope::enter();
/// let scratch = vec![0u8; 4096]; // the behavior's temporary
/// drop(scratch);
/// let state = vec![0u8; 100]; // what it keeps
/// // With `ArenaAlloc` as the global allocator: a peak of 4096, 100 net.
/// // Without it: 0 and 0.
/// assert!(scope.charged() == 0 || scope.charged() >= 4096);
/// assert!(scope.net() == 0 || scope.net() >= 100);
/// arena.charge(scope.exit())?;
/// # drop(state);
/// # Ok::<(), olivier_runtime::ArenaError>(())
/// ```
///
/// [`ActorArena::charge`]: crate::ActorArena::charge
#[derive(Debug)]
#[must_use = "a scope counts only while it is alive"]
pub struct ChargeScope {
    /// The thread's live count when the scope was entered.
    start: usize,
    /// The peak of the scope this one was entered inside, if any, to be
    /// raised to this scope's peak when this one ends.
    outer_peak: Option<usize>,
    /// Neither `Send` nor `Sync`: the counts are this thread's.
    _thread: PhantomData<*const ()>,
}

impl ChargeScope {
    /// Starts counting this thread's allocations and frees.
    pub fn enter() -> Self {
        let (start, outer_peak) = COUNTS
            .try_with(|counts| {
                let depth = counts.depth.get();
                counts.depth.set(depth.saturating_add(1));
                let live = counts.live.get();
                let outer_peak = (depth != 0).then(|| counts.peak.get());
                counts.peak.set(live);
                (live, outer_peak)
            })
            .unwrap_or((0, None));
        Self {
            start,
            outer_peak,
            _thread: PhantomData,
        }
    }

    /// The most bytes this thread held at once since the scope was entered,
    /// over what it held then (0 when [`ArenaAlloc`] is not the global
    /// allocator): what [`ActorArena::charge`] checks against the budget.
    ///
    /// [`ActorArena::charge`]: crate::ActorArena::charge
    pub fn charged(&self) -> usize {
        COUNTS
            .try_with(|counts| signed_difference(counts.peak.get(), self.start))
            .map_or(0, |peak| peak.max(0).unsigned_abs())
    }

    /// The bytes this thread allocated minus those it freed since the scope
    /// was entered (0 when [`ArenaAlloc`] is not the global allocator);
    /// negative when it freed more than it allocated.
    pub fn net(&self) -> isize {
        COUNTS
            .try_with(|counts| signed_difference(counts.live.get(), self.start))
            .unwrap_or(0)
    }

    /// Ends the scope and returns its peak, as [`charged`](Self::charged).
    pub fn exit(self) -> usize {
        self.charged()
    }
}

impl Drop for ChargeScope {
    fn drop(&mut self) {
        let _ = COUNTS.try_with(|counts| {
            counts.depth.set(counts.depth.get().saturating_sub(1));
            // The enclosing scope held at least what this one did.
            if let Some(outer) = self.outer_peak {
                counts.peak.set(higher(outer, counts.peak.get()));
            }
        });
    }
}

#[cfg(test)]
mod tests;
