//! Charging a behavior's own allocations to its actor: an opt-in global
//! allocator that counts the bytes allocated on a thread while a
//! [`ChargeScope`] is entered there.
//!
//! The count lives in a thread-local with a constant initializer and no
//! destructor, so reading it never allocates, never registers anything and
//! never fails, even inside the allocator or while a thread exits. When no
//! scope is entered an allocation costs one thread-local read more than the
//! wrapped allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::marker::PhantomData;

/// One thread's charge: how many scopes are entered, and the bytes counted
/// while at least one was. Plain `Cell`s: the allocator may run while this
/// thread is anywhere, but never concurrently with itself on one thread.
struct Charge {
    depth: Cell<usize>,
    counted: Cell<usize>,
}

thread_local! {
    static CHARGE: Charge = const {
        Charge {
            depth: Cell::new(0),
            counted: Cell::new(0),
        }
    };
}

/// Counts `bytes` into this thread's scopes, if one is entered. Never
/// allocates and never panics.
#[inline]
fn count(bytes: usize) {
    let _ = CHARGE.try_with(|charge| {
        if charge.depth.get() != 0 {
            charge.counted.set(charge.counted.get().wrapping_add(bytes));
        }
    });
}

/// This thread's count so far (it wraps; only differences matter).
fn counted() -> usize {
    CHARGE.try_with(|charge| charge.counted.get()).unwrap_or(0)
}

/// A `#[global_allocator]` wrapper that charges the bytes allocated on a
/// thread to the [`ChargeScope`]s entered there, and allocates through `A`
/// ([`System`] by default).
///
/// It charges; it does not redirect: memory still comes from `A`, and a
/// charge over budget is reported by [`ActorArena::charge`] after the
/// message, which the runtime turns into the actor's failure (refusing an
/// allocation instead would abort the process). What is counted is the gross
/// growth: every allocation's size, and the growth of every reallocation;
/// frees are not subtracted.
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
            count(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees on `layout`.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees that `ptr` was
        // allocated by this allocator (hence by `A`) with `layout`.
        unsafe { self.inner.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees on `ptr`, `layout`
        // and `new_size`.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() && new_size > layout.size() {
            count(new_size - layout.size());
        }
        new
    }
}

/// Counts the bytes [`ArenaAlloc`] allocates on this thread while the scope
/// is alive: the actor loop enters one around a behavior's `receive` and
/// reads [`charged`](Self::charged) afterwards.
///
/// Scopes nest inclusively: a scope counts every byte allocated on its
/// thread since it was entered, including inside scopes entered after it.
/// That holds in whatever order scopes are dropped, since each only
/// remembers where the thread's count stood when it was entered. A scope
/// is tied to its thread (it is neither `Send` nor `Sync`), so it cannot be
/// held across an `.await` in a task that may move.
///
/// # Examples
///
/// ```
/// use olivier_runtime::{ActorArena, ArenaBudget, ChargeScope};
///
/// let arena = ActorArena::new(ArenaBudget::DEFAULT);
/// let scope = ChargeScope::enter();
/// let state = vec![0u8; 4096]; // the behavior's own allocation
/// let charged = scope.exit();
/// // 4096 with `ArenaAlloc` installed as the global allocator, 0 without.
/// assert!(charged == 0 || charged >= 4096);
/// arena.charge(charged)?;
/// # drop(state);
/// # Ok::<(), olivier_runtime::ArenaError>(())
/// ```
#[derive(Debug)]
#[must_use = "a scope counts only while it is alive"]
pub struct ChargeScope {
    /// The thread's count when the scope was entered.
    start: usize,
    /// Neither `Send` nor `Sync`: the count is this thread's.
    _thread: PhantomData<*const ()>,
}

impl ChargeScope {
    /// Starts counting this thread's allocations.
    pub fn enter() -> Self {
        let start = CHARGE
            .try_with(|charge| {
                charge.depth.set(charge.depth.get().saturating_add(1));
                charge.counted.get()
            })
            .unwrap_or(0);
        Self {
            start,
            _thread: PhantomData,
        }
    }

    /// The bytes allocated on this thread since the scope was entered (0
    /// when [`ArenaAlloc`] is not the global allocator).
    pub fn charged(&self) -> usize {
        counted().wrapping_sub(self.start)
    }

    /// Ends the scope and returns what it [charged](Self::charged).
    pub fn exit(self) -> usize {
        self.charged()
    }
}

impl Drop for ChargeScope {
    fn drop(&mut self) {
        let _ = CHARGE.try_with(|charge| charge.depth.set(charge.depth.get().saturating_sub(1)));
    }
}
