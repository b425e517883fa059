//! Behaviors: an actor written as pure functions of state and input.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ActorError, ActorId, ActorRef, Effect, Message};

/// An actor's behavior: how it starts, handles messages and reacts to its lifecycle.
///
/// Each method is a pure function from the current state and an input to an
/// [`Effect`]: no I/O, no clock, no platform. A runtime owns the state
/// between calls and interprets the effects, which is what lets the same
/// behavior run on Olivier (native) and Conclave (Durable Objects), and be
/// tested with the [`testkit`](crate::testkit) and no runtime at all.
///
/// The state must be serializable because an edge runtime stores it after
/// every message, and cloneable so that a `Resume` error policy can return to
/// the state before a message that panicked.
///
/// # Examples
///
/// ```
/// use alloy_actors::{Behavior, Context, Effect, Message};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// struct Add(u64);
/// impl Message for Add {
///     const TYPE_NAME: &'static str = "example.Add";
/// }
///
/// struct Sum;
/// impl Behavior for Sum {
///     type State = u64;
///     type Message = Add;
///     fn init(&self) -> u64 {
///         0
///     }
///     fn receive(&self, _ctx: &Context<Add>, total: u64, Add(n): Add) -> Effect<u64> {
///         Effect::from(total + n)
///     }
/// }
/// ```
pub trait Behavior: Send + Sync + 'static {
    /// What the actor remembers between messages.
    type State: Clone + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// What the actor accepts.
    type Message: Message;

    /// The state of a fresh actor (at start and after a restart).
    fn init(&self) -> Self::State;

    /// Handles one message.
    fn receive(
        &self,
        ctx: &Context<Self::Message>,
        state: Self::State,
        message: Self::Message,
    ) -> Effect<Self::State>;

    /// Handles a lifecycle event; by default keeps the state and does nothing.
    fn lifecycle(
        &self,
        ctx: &Context<Self::Message>,
        state: Self::State,
        event: LifecycleEvent,
    ) -> Effect<Self::State> {
        let _ = (ctx, event);
        Effect::Continue(state)
    }
}

/// What a behavior knows about where it runs: its own id and its parent's.
///
/// It is plain data, fixed for the actor's lifetime, so reading it keeps a
/// handler pure.
pub struct Context<M> {
    id: ActorId,
    parent: Option<ActorId>,
    message: PhantomData<fn(M)>,
}

impl<M> Context<M> {
    /// The context of actor `id` under `parent`.
    pub fn new(id: ActorId, parent: Option<ActorId>) -> Self {
        Self {
            id,
            parent,
            message: PhantomData,
        }
    }

    /// This actor's id.
    pub fn id(&self) -> &ActorId {
        &self.id
    }

    /// A typed reference to this actor, for replies and timers to itself.
    pub fn myself(&self) -> ActorRef<M> {
        ActorRef::new(self.id.clone())
    }

    /// The supervising parent's id, if this actor has one.
    pub fn parent(&self) -> Option<&ActorId> {
        self.parent.as_ref()
    }
}

impl<M> Clone for Context<M> {
    fn clone(&self) -> Self {
        Self::new(self.id.clone(), self.parent.clone())
    }
}

impl<M> fmt::Debug for Context<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("id", &self.id)
            .field("parent", &self.parent)
            .finish()
    }
}

/// A point in an actor's life that its behavior may react to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LifecycleEvent {
    /// The actor has its initial state and is about to take its first message.
    PreStart,
    /// The actor has stopped; the effect's side effects still run, its state is dropped.
    PostStop,
    /// The actor is about to restart; delivered with the state it had.
    PreRestart {
        /// Why it restarts.
        reason: RestartReason,
    },
    /// The actor restarted and holds its fresh state.
    PostRestart,
}

/// Why an actor restarts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestartReason {
    /// Its own behavior returned [`Effect::Restart`].
    Requested,
    /// It failed.
    Failed(ActorError),
    /// Its supervisor restarts it with a sibling that failed (all-for-one,
    /// rest-for-one).
    SiblingFailed {
        /// The sibling whose failure caused the group restart.
        sibling: ActorId,
    },
    /// Its supervisor was itself restarted and starts its children again.
    SupervisorRestarted {
        /// The supervisor.
        supervisor: ActorId,
    },
    /// Its supervisor was asked to start it again after it was terminated
    /// or ignored (OTP's `restart_child`).
    Manual,
    /// A permanent child that stopped (normally, or shut down) is started
    /// again, as OTP does with every permanent child that exits.
    Exited {
        /// Why it stopped.
        reason: String,
    },
}
