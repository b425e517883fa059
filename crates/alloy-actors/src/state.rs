//! Where an actor's state lives between messages: the [`ActorState`] trait
//! and the in-memory default.

use std::convert::Infallible;
use std::future::Future;

use crate::MaybeSend;

/// A store for one actor's state.
///
/// A runtime saves after each message and loads when the actor wakes (after a
/// process restart on native, after hibernation on the edge). [`update`]
/// is transactional: the change and its result are durable together, so a
/// reply that depends on the state is sent only after the state is stored.
///
/// [`update`]: ActorState::update
pub trait ActorState<S> {
    /// Why the store failed.
    type Error: std::error::Error + MaybeSend + 'static;

    /// The stored state, or `None` if nothing was stored yet.
    fn load(&mut self) -> impl Future<Output = Result<Option<S>, Self::Error>> + MaybeSend;

    /// Replaces the stored state.
    fn save(&mut self, state: &S) -> impl Future<Output = Result<(), Self::Error>> + MaybeSend;

    /// Atomically reads the state, applies `change`, stores the new state and
    /// returns the result; if storing fails nothing changes.
    fn update<R, F>(
        &mut self,
        change: F,
    ) -> impl Future<Output = Result<R, Self::Error>> + MaybeSend
    where
        F: FnOnce(Option<S>) -> (S, R) + MaybeSend,
        R: MaybeSend;
}

/// The default store: the state kept in memory, lost with the process.
///
/// # Examples
///
/// ```
/// use alloy_actors::{ActorState, MemoryState};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
///
/// let mut store = MemoryState::default();
/// block_on(store.save(&41))?;
/// let answer = block_on(store.update(|n: Option<i32>| {
///     let next = n.unwrap_or(0) + 1;
///     (next, next)
/// }))?;
/// assert_eq!(answer, 42);
/// assert_eq!(block_on(store.load())?, Some(42));
/// # Ok::<(), std::convert::Infallible>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryState<S> {
    state: Option<S>,
}

impl<S> Default for MemoryState<S> {
    fn default() -> Self {
        Self { state: None }
    }
}

impl<S: Clone + MaybeSend + Sync> ActorState<S> for MemoryState<S> {
    type Error = Infallible;

    fn load(&mut self) -> impl Future<Output = Result<Option<S>, Infallible>> + MaybeSend {
        std::future::ready(Ok(self.state.clone()))
    }

    fn save(&mut self, state: &S) -> impl Future<Output = Result<(), Infallible>> + MaybeSend {
        self.state = Some(state.clone());
        std::future::ready(Ok(()))
    }

    fn update<R, F>(&mut self, change: F) -> impl Future<Output = Result<R, Infallible>> + MaybeSend
    where
        F: FnOnce(Option<S>) -> (S, R) + MaybeSend,
        R: MaybeSend,
    {
        let (next, result) = change(self.state.take());
        self.state = Some(next);
        std::future::ready(Ok(result))
    }
}
