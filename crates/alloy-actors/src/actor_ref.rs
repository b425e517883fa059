//! Typed actor references.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ActorId;

/// A typed handle to an actor that accepts messages of type `M`.
///
/// It carries only the actor's [`ActorId`]: how a message reaches the actor
/// is the runtime's business. It serializes as the id's address, so a
/// reference can travel inside a message (a `reply_to`, say) across any
/// transport.
///
/// # Examples
///
/// ```
/// use alloy_actors::{ActorId, ActorRef};
/// # #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
/// # struct Ping;
/// # impl alloy_actors::Message for Ping { const TYPE_NAME: &'static str = "example.Ping"; }
///
/// let id: ActorId = "sys/pinger#1".parse()?;
/// let pinger: ActorRef<Ping> = ActorRef::new(id.clone());
/// assert_eq!(pinger.id(), &id);
/// # Ok::<(), alloy_actors::ActorIdError>(())
/// ```
pub struct ActorRef<M> {
    id: ActorId,
    message: PhantomData<fn(M)>,
}

impl<M> ActorRef<M> {
    /// A reference to the actor `id`, trusted to accept `M`.
    ///
    /// Nothing checks the claim here: a runtime that receives a message of the
    /// wrong type for its target answers with a typed error and a dead letter.
    pub fn new(id: ActorId) -> Self {
        Self {
            id,
            message: PhantomData,
        }
    }

    /// The actor's id.
    pub fn id(&self) -> &ActorId {
        &self.id
    }

    /// Gives up the type and keeps the id.
    pub fn into_id(self) -> ActorId {
        self.id
    }
}

impl<M> Clone for ActorRef<M> {
    fn clone(&self) -> Self {
        Self::new(self.id.clone())
    }
}

impl<M> PartialEq for ActorRef<M> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<M> Eq for ActorRef<M> {}

impl<M> Hash for ActorRef<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl<M> fmt::Debug for ActorRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorRef({})", self.id)
    }
}

impl<M> fmt::Display for ActorRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.id, f)
    }
}

impl<M> Serialize for ActorRef<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.id.serialize(serializer)
    }
}

impl<'de, M> Deserialize<'de> for ActorRef<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ActorId::deserialize(deserializer).map(Self::new)
    }
}

impl<M> From<ActorRef<M>> for ActorId {
    fn from(actor: ActorRef<M>) -> Self {
        actor.id
    }
}
