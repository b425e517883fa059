//! A counting wrapper around the system allocator, for live heap bytes.
//!
//! The bench binary installs it with `#[global_allocator]`; the spawn
//! workload reads [`live_heap_bytes`] before and after spawning. Counting
//! costs two relaxed atomic additions per allocation, paid by every
//! contender alike.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

static ALLOCATED: AtomicU64 = AtomicU64::new(0);
static FREED: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting bytes allocated and freed.
///
/// ```ignore
/// #[global_allocator]
/// static ALLOC: alloy_benches::CountingAlloc = alloy_benches::CountingAlloc;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

/// Bytes allocated minus bytes freed so far, process-wide (0 unless
/// [`CountingAlloc`] is the global allocator).
pub fn live_heap_bytes() -> i64 {
    // Read freed first: a concurrent free counted between the two loads
    // then cannot make the difference negative.
    let freed = FREED.load(Ordering::Relaxed);
    let allocated = ALLOCATED.load(Ordering::Relaxed);
    allocated.wrapping_sub(freed) as i64
}

fn allocated(bytes: usize) {
    ALLOCATED.fetch_add(bytes as u64, Ordering::Relaxed);
}

fn freed(bytes: usize) {
    FREED.fetch_add(bytes as u64, Ordering::Relaxed);
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
