//! What an arena allocates on first use: the bump chunks, the kept scratch
//! buffer and the high-water marks, with the budget check of a draw.

use std::alloc::Layout;
use std::cell::Cell;

use bumpalo::Bump;

use super::budget::{ArenaBudget, ArenaError};

/// What an arena allocates on first use.
pub(super) struct Inner {
    pub(super) bump: Bump,
    /// The scratch byte buffer while no [`ScratchBytes`](crate::ScratchBytes) holds it.
    pub(super) scratch: Cell<Vec<u8>>,
    pub(super) high_water: Cell<usize>,
    pub(super) charged_peak: Cell<usize>,
}

impl Inner {
    pub(super) fn new(budget: ArenaBudget) -> Self {
        Self {
            bump: bump_for(budget),
            scratch: Cell::new(Vec::new()),
            high_water: Cell::new(0),
            charged_peak: Cell::new(0),
        }
    }

    /// Bytes drawn from the chunks this turn: every earlier chunk whole (a
    /// chunk is left only when a request does not fit its tail) and the
    /// used part of the current one.
    pub(super) fn in_use(&self) -> usize {
        self.bump
            .allocated_bytes()
            .saturating_sub(self.bump.chunk_capacity())
    }

    pub(super) fn note_high_water(&self, bytes: usize) {
        if bytes > self.high_water.get() {
            self.high_water.set(bytes);
        }
    }

    /// Checks that a request for `layout` fits the budget: the bytes in use,
    /// plus the request with its alignment padding, plus the current chunk's
    /// free tail when the request does not fit in it (that tail is left
    /// behind for a new chunk).
    pub(super) fn admit(&self, budget: ArenaBudget, layout: Layout) -> Result<(), ArenaError> {
        let in_use = self.in_use();
        let free = self.bump.chunk_capacity();
        let (size, align) = (layout.size(), layout.align());
        // bumpalo bumps downwards from the top of a chunk, and chunks start
        // and end on 16-byte boundaries: for an alignment up to 16 and a size
        // that is a multiple of it (every array is), the padding in the
        // current chunk is the free bytes modulo the alignment, and a new
        // chunk needs none. Otherwise assume the worst.
        let (pad_here, pad_new) = if align <= 16 && size % align == 0 {
            (free % align, 0)
        } else {
            (align - 1, align - 1)
        };
        let cost = match size.checked_add(pad_here) {
            Some(here) if here <= free => here,
            _ => size.saturating_add(pad_new).saturating_add(free),
        };
        if in_use.saturating_add(cost) > budget.get() {
            return Err(ArenaError::Exhausted {
                budget: budget.get(),
                requested: size,
                // What the request cannot use: the bytes drawn, the padding
                // and any free tail it would leave behind.
                in_use: in_use.saturating_add(cost - size),
            });
        }
        Ok(())
    }

    pub(super) fn exhausted(&self, budget: ArenaBudget, requested: usize) -> ArenaError {
        ArenaError::Exhausted {
            budget: budget.get(),
            requested,
            in_use: self.in_use(),
        }
    }
}

/// A bump allocator that allocates nothing yet, limited for `budget`.
pub(super) fn bump_for(budget: ArenaBudget) -> Bump {
    let bump = Bump::new();
    bump.set_allocation_limit(Some(budget.chunk_limit()));
    bump
}
