//! A vector in an actor's arena: its buffer is bump allocated under the
//! arena's budget, and its elements are dropped with it. Nothing in the
//! runtime collects values in one yet (the actor loop takes envelopes from
//! the mailbox one at a time).

use std::alloc::Layout;
use std::fmt;
use std::ops::{Deref, DerefMut};

use super::budget::{ArenaBudget, ArenaError};
use super::chunks::Inner;

/// The smallest capacity a growing vector takes, as std's `Vec` does for
/// small elements.
const MIN_CAPACITY: usize = 4;

/// A vector whose buffer lives in an [`ActorArena`](crate::ActorArena)'s bump chunks.
///
/// The runtime does not use it yet: the actor loop takes each envelope from
/// the mailbox on its own, and a behavior never sees its arena. It is there
/// for runtime code that needs per-message scratch under the budget.
///
/// Growth is fallible and checked against the arena's budget first: a full
/// vector hands the value back in a [`PushError`] instead of panicking. The
/// elements are dropped when the vector is (or when they are popped, drained
/// or truncated); the buffer is reclaimed when the arena is reset.
///
/// # Examples
///
/// ```
/// use olivier_runtime::{ActorArena, ArenaBudget};
///
/// let arena = ActorArena::new(ArenaBudget::bytes(64));
/// let mut batch = arena.vec::<u64>();
/// let mut pushed = 0u64;
/// let handed_back = loop {
///     match batch.try_push(pushed) {
///         Ok(()) => pushed += 1,
///         Err(full) => break full.into_inner(),
///     }
/// };
/// assert_eq!(handed_back, pushed);
/// assert_eq!(batch.len() as u64, pushed);
/// assert!(batch.len() * 8 <= 64);
/// ```
pub struct ArenaVec<'a, T> {
    budget: ArenaBudget,
    inner: &'a Inner,
    vec: bumpalo::collections::Vec<'a, T>,
}

impl<'a, T> ArenaVec<'a, T> {
    pub(super) fn new(budget: ArenaBudget, inner: &'a Inner) -> Self {
        Self {
            budget,
            inner,
            vec: bumpalo::collections::Vec::new_in(&inner.bump),
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.vec.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.vec.is_empty()
    }

    /// How many elements fit without growing.
    pub fn capacity(&self) -> usize {
        self.vec.capacity()
    }

    /// Appends `value`, growing the buffer if needed.
    ///
    /// # Errors
    ///
    /// A [`PushError`] with `value` handed back when the growth does not fit
    /// the budget ([`ArenaError::Exhausted`]) or the global allocator has no
    /// memory ([`ArenaError::Refused`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use olivier_runtime::{ActorArena, ArenaBudget, ArenaError};
    ///
    /// let arena = ActorArena::new(ArenaBudget::bytes(0));
    /// let mut batch = arena.vec();
    /// let full = batch.try_push("kept").unwrap_err();
    /// assert!(matches!(full.error, ArenaError::Exhausted { budget: 0, .. }));
    /// assert_eq!(full.into_inner(), "kept");
    /// ```
    pub fn try_push(&mut self, value: T) -> Result<(), PushError<T>> {
        if self.vec.len() == self.vec.capacity()
            && let Err(error) = self.try_reserve(1)
        {
            return Err(PushError { value, error });
        }
        // Cannot grow: there is room for one more.
        self.vec.push(value);
        Ok(())
    }

    /// Makes room for at least `additional` more elements, doubling the
    /// capacity when that fits the budget and growing exactly otherwise.
    ///
    /// # Errors
    ///
    /// [`ArenaError::Exhausted`] when even the exact growth does not fit the
    /// budget, [`ArenaError::Refused`] when the global allocator has no
    /// memory. The vector is unchanged.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), ArenaError> {
        let needed = self.vec.len().saturating_add(additional);
        if needed <= self.vec.capacity() {
            return Ok(());
        }
        let doubled = self
            .vec
            .capacity()
            .saturating_mul(2)
            .max(MIN_CAPACITY)
            .max(needed);
        match self.grow_to(doubled) {
            Err(ArenaError::Exhausted { .. }) if doubled > needed => self.grow_to(needed),
            grown => grown,
        }
    }

    /// Makes room for exactly `additional` more elements.
    ///
    /// # Errors
    ///
    /// As [`try_reserve`](Self::try_reserve).
    pub fn try_reserve_exact(&mut self, additional: usize) -> Result<(), ArenaError> {
        let needed = self.vec.len().saturating_add(additional);
        if needed <= self.vec.capacity() {
            return Ok(());
        }
        self.grow_to(needed)
    }

    /// Grows the buffer to `capacity` elements (more than it has).
    fn grow_to(&mut self, capacity: usize) -> Result<(), ArenaError> {
        let Ok(layout) = Layout::array::<T>(capacity) else {
            return Err(self
                .inner
                .exhausted(self.budget, capacity.saturating_mul(size_of::<T>())));
        };
        self.inner.admit(self.budget, layout)?;
        self.vec
            .try_reserve_exact(capacity - self.vec.len())
            .map_err(|_| ArenaError::Refused {
                requested: layout.size(),
            })
    }

    /// Removes and returns the last element.
    pub fn pop(&mut self) -> Option<T> {
        self.vec.pop()
    }

    /// Keeps the first `len` elements and drops the rest (nothing happens
    /// when there are fewer); the capacity stays.
    pub fn truncate(&mut self, len: usize) {
        self.vec.truncate(len);
    }

    /// Drops every element; the capacity stays.
    pub fn clear(&mut self) {
        self.vec.clear();
    }

    /// Takes every element out, first to last, leaving the vector empty with
    /// its capacity. Elements left in the iterator when it is dropped are
    /// dropped with it.
    ///
    /// # Examples
    ///
    /// ```
    /// use olivier_runtime::{ActorArena, ArenaBudget};
    ///
    /// let arena = ActorArena::new(ArenaBudget::DEFAULT);
    /// let mut batch = arena.try_vec_with_capacity(2)?;
    /// batch.try_push(String::from("a")).map_err(|full| full.error)?;
    /// batch.try_push(String::from("b")).map_err(|full| full.error)?;
    /// let taken: Vec<String> = batch.drain().collect();
    /// assert_eq!(taken, ["a", "b"]);
    /// assert!(batch.is_empty());
    /// # Ok::<(), olivier_runtime::ArenaError>(())
    /// ```
    pub fn drain(&mut self) -> impl DoubleEndedIterator<Item = T> + ExactSizeIterator {
        self.vec.drain(..)
    }
}

impl<T> Deref for ArenaVec<'_, T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        self.vec.as_slice()
    }
}

impl<T> DerefMut for ArenaVec<'_, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.vec.as_mut_slice()
    }
}

impl<'v, T> IntoIterator for &'v ArenaVec<'_, T> {
    type Item = &'v T;
    type IntoIter = std::slice::Iter<'v, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'v, T> IntoIterator for &'v mut ArenaVec<'_, T> {
    type Item = &'v mut T;
    type IntoIter = std::slice::IterMut<'v, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<T: fmt::Debug> fmt::Debug for ArenaVec<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A push into a full [`ArenaVec`]: the value is handed back with the reason.
pub struct PushError<T> {
    /// The value that was not pushed.
    pub value: T,
    /// Why the vector could not grow.
    pub error: ArenaError,
}

impl<T> PushError<T> {
    /// The value that was not pushed.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> fmt::Debug for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "value handed back: {}", self.error)
    }
}

impl<T> std::error::Error for PushError<T> {}
