//! A counting wrapper around the system allocator, for live heap bytes.
//!
//! The bench binary installs it with `#[global_allocator]` and turns
//! counting on ([`HeapCounting`]) only around the spawn workload, which
//! reads [`live_heap_bytes`] before and after spawning. While counting is
//! off, an allocation costs one extra relaxed load, so the timing workloads
//! do not pay for atomic counters shared between cores (which would tax the
//! contenders that allocate per message more than the others).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATED: AtomicU64 = AtomicU64::new(0);
static FREED: AtomicU64 = AtomicU64::new(0);

/// Counting is on while this guard lives.
///
/// Only differences of [`live_heap_bytes`] read while it lives mean
/// anything: memory allocated before and freed during counting makes the
/// running total drift, not the difference, unless it is freed inside the
/// measured window (the spawn workload builds everything it frees there).
#[derive(Debug)]
pub struct HeapCounting(());

impl HeapCounting {
    /// Turns counting on until the guard is dropped.
    pub fn start() -> Self {
        COUNTING.store(true, Ordering::SeqCst);
        Self(())
    }
}

impl Drop for HeapCounting {
    fn drop(&mut self) {
        COUNTING.store(false, Ordering::SeqCst);
    }
}

/// The system allocator, counting bytes allocated and freed.
///
/// ```
/// #[global_allocator]
/// static ALLOC: alloy_benches::CountingAlloc = alloy_benches::CountingAlloc;
///
/// let counting = alloy_benches::HeapCounting::start();
/// let kept = vec![0u8; 1000];
/// assert!(alloy_benches::live_heap_bytes() >= 1000);
/// drop((kept, counting));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

/// Bytes allocated minus bytes freed while counting was on, process-wide (0
/// unless [`CountingAlloc`] is the global allocator and [`HeapCounting`] has
/// been started).
pub fn live_heap_bytes() -> i64 {
    // Read freed first: a concurrent free counted between the two loads
    // then cannot make the difference negative.
    let freed = FREED.load(Ordering::Relaxed);
    let allocated = ALLOCATED.load(Ordering::Relaxed);
    allocated.wrapping_sub(freed) as i64
}

fn allocated(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATED.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

fn freed(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        FREED.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged and only counts sizes on the side, so `System`'s guarantees hold.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl).
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            allocated(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl).
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            allocated(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged (see the impl).
        unsafe { System.dealloc(ptr, layout) };
        freed(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl).
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            freed(layout.size());
            allocated(new_size);
        }
        new
    }
}
