//! The scratch byte buffer an arena keeps for the durable-state encode: a
//! heap `Vec<u8>`, not bump memory, lent for one encode at a time.

use std::fmt;
use std::io;
use std::ops::{Deref, DerefMut};

use super::budget::{ArenaBudget, ArenaError};
use super::chunks::Inner;

/// The scratch byte buffer an [`ActorArena`](crate::ActorArena) keeps, lent empty by
/// [`ActorArena::scratch_bytes`](crate::ActorArena::scratch_bytes) and given back, cleared, when dropped; the
/// runtime encodes a durable actor's state into it.
///
/// It is a plain `Vec<u8>` on the global heap, not memory from the arena's
/// bump chunks: `barewire::Serializer` appends to a `&mut Vec<u8>`, and
/// stable Rust has no allocator parameter on `Vec`. What the arena adds is
/// keeping it and checking it. It dereferences to the `Vec<u8>`, so an
/// encoder writes into it directly; its capacity survives from message to
/// message (and counts in [`ArenaStats::reserved`](crate::ArenaStats::reserved)), so a steady actor
/// encodes without allocating. As a `Vec` it grows through the global
/// allocator without asking the budget: [`check`](Self::check) compares its
/// length, together with what the turn drew from the arena's chunks, with
/// the budget once the encode is done. [`try_reserve`](Self::try_reserve)
/// and the [`io::Write`] implementation check before they grow.
///
/// A buffer whose capacity went past the budget is freed rather than kept.
///
/// [`ArenaStats::reserved`]: crate::ArenaStats::reserved
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use olivier_runtime::{ActorArena, ArenaBudget, ArenaError};
///
/// let arena = ActorArena::new(ArenaBudget::bytes(8));
/// let mut scratch = arena.scratch_bytes();
/// let buffer: &mut Vec<u8> = &mut scratch; // what an encoder appends to
/// buffer.extend_from_slice(b"0123456789");
/// assert!(matches!(
///     scratch.check(),
///     Err(ArenaError::Exhausted { budget: 8, requested: 10, in_use: 0 })
/// ));
///
/// scratch.clear();
/// scratch.write_all(b"01234567").expect("8 bytes fit");
/// assert!(scratch.write_all(b"8").is_err());
/// ```
pub struct ScratchBytes<'a> {
    budget: ArenaBudget,
    inner: &'a Inner,
    bytes: Vec<u8>,
}

impl<'a> ScratchBytes<'a> {
    pub(super) fn new(budget: ArenaBudget, inner: &'a Inner) -> Self {
        Self {
            budget,
            inner,
            bytes: inner.scratch.take(),
        }
    }

    /// Fails when `len` bytes in the buffer, with what the turn drew from the
    /// chunks, would exceed the budget.
    fn admit(&self, len: usize) -> Result<(), ArenaError> {
        let in_use = self.inner.in_use();
        let total = in_use.saturating_add(len);
        if total > self.budget.get() {
            return Err(ArenaError::Exhausted {
                budget: self.budget.get(),
                requested: len,
                in_use,
            });
        }
        Ok(())
    }

    /// Checks the bytes written so far against the budget, together with
    /// what the turn drew from the arena's chunks, and records them in the
    /// high-water mark.
    ///
    /// # Errors
    ///
    /// [`ArenaError::Exhausted`] when they exceed the budget, with
    /// `requested` the buffer's length.
    pub fn check(&self) -> Result<(), ArenaError> {
        self.inner
            .note_high_water(self.inner.in_use().saturating_add(self.bytes.len()));
        self.admit(self.bytes.len())
    }

    /// Makes room for `additional` more bytes, if the buffer's new length
    /// would fit the budget.
    ///
    /// # Errors
    ///
    /// [`ArenaError::Exhausted`] when it would not (`requested` is the new
    /// length), [`ArenaError::Refused`] when the global allocator has no
    /// memory.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), ArenaError> {
        let wanted = self.bytes.len().saturating_add(additional);
        self.admit(wanted)?;
        self.bytes
            .try_reserve(additional)
            .map_err(|_| ArenaError::Refused { requested: wanted })
    }
}

impl Deref for ScratchBytes<'_> {
    type Target = Vec<u8>;

    fn deref(&self) -> &Vec<u8> {
        &self.bytes
    }
}

impl DerefMut for ScratchBytes<'_> {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }
}

impl io::Write for ScratchBytes<'_> {
    /// Appends all of `buf`, or fails with [`io::ErrorKind::OutOfMemory`]
    /// (the [`ArenaError`] inside) when the budget has no room for it.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.try_reserve(buf.len())
            .map_err(|error| io::Error::new(io::ErrorKind::OutOfMemory, error))?;
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for ScratchBytes<'_> {
    fn drop(&mut self) {
        self.inner
            .note_high_water(self.inner.in_use().saturating_add(self.bytes.len()));
        if self.bytes.capacity() <= self.budget.get() {
            let mut bytes = std::mem::take(&mut self.bytes);
            bytes.clear();
            // A second guard lent at the same time gets a fresh buffer; the
            // one given back last is kept.
            drop(self.inner.scratch.replace(bytes));
        }
    }
}

impl fmt::Debug for ScratchBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScratchBytes")
            .field("len", &self.bytes.len())
            .field("capacity", &self.bytes.capacity())
            .finish()
    }
}
