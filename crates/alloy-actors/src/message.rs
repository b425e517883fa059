//! Messages: the [`Message`] bound and the type-erased [`AnyMessage`].

use std::any::{Any, TypeId};
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// What every actor message is: plain data that is sendable, cloneable and
/// serializable, with a stable type name.
///
/// The serde bounds let any runtime put the message on the wire (Olivier when
/// it leaves the process, Conclave always); [`Message::TYPE_NAME`] goes into
/// the envelope so the receiver knows what the payload holds. Choose a name
/// that survives refactoring, such as `"shop.cart.AddItem"`.
///
/// # Examples
///
/// ```
/// use alloy_actors::Message;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// enum Ping {
///     Ping(u32),
/// }
///
/// impl Message for Ping {
///     const TYPE_NAME: &'static str = "example.Ping";
/// }
/// ```
pub trait Message: fmt::Debug + Clone + Serialize + DeserializeOwned + Send + 'static {
    /// The stable name of this type, written into every envelope that carries it.
    const TYPE_NAME: &'static str;
}

/// A message whose type has been erased, as it travels inside a side effect.
///
/// A local runtime hands it to the target without serializing
/// ([`AnyMessage::downcast`]); a remote one serializes it with any serde
/// format, since `AnyMessage` implements [`Serialize`] by delegating to the
/// message it holds.
///
/// # Examples
///
/// ```
/// use alloy_actors::{AnyMessage, Message};
/// # #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
/// # struct Hello(String);
/// # impl Message for Hello { const TYPE_NAME: &'static str = "example.Hello"; }
///
/// let erased = AnyMessage::new(Hello("world".into()));
/// assert_eq!(erased.type_name(), "example.Hello");
/// assert!(erased.is::<Hello>());
/// assert_eq!(erased.downcast::<Hello>().ok(), Some(Hello("world".into())));
/// ```
pub struct AnyMessage(Box<dyn ErasedMessage>);

trait ErasedMessage: Send {
    fn type_name(&self) -> &'static str;
    fn as_any(&self) -> &dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    fn as_serialize(&self) -> &dyn erased_serde::Serialize;
    fn debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    fn clone_box(&self) -> Box<dyn ErasedMessage>;
}

impl<M: Message> ErasedMessage for M {
    fn type_name(&self) -> &'static str {
        M::TYPE_NAME
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
    fn as_serialize(&self) -> &dyn erased_serde::Serialize {
        self
    }
    fn debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
    fn clone_box(&self) -> Box<dyn ErasedMessage> {
        Box::new(self.clone())
    }
}

impl Clone for AnyMessage {
    fn clone(&self) -> Self {
        Self(self.0.clone_box())
    }
}

impl AnyMessage {
    /// Erases the type of `message`.
    pub fn new<M: Message>(message: M) -> Self {
        Self(Box::new(message))
    }

    /// The stable type name of the message inside ([`Message::TYPE_NAME`]).
    pub fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    /// The Rust type id of the message inside.
    pub fn type_id(&self) -> TypeId {
        self.0.as_any().type_id()
    }

    /// Whether the message inside is an `M`.
    pub fn is<M: Message>(&self) -> bool {
        self.0.as_any().is::<M>()
    }

    /// Borrows the message as an `M`, if it is one.
    pub fn downcast_ref<M: Message>(&self) -> Option<&M> {
        self.0.as_any().downcast_ref()
    }

    /// Takes the message out as an `M`.
    ///
    /// # Errors
    ///
    /// Gives the message back unchanged when it is not an `M`, so a runtime
    /// can send it to dead letters.
    pub fn downcast<M: Message>(self) -> Result<M, AnyMessage> {
        if self.is::<M>() {
            match self.0.into_any().downcast::<M>() {
                Ok(message) => Ok(*message),
                // `is` was checked above; this arm keeps the function total.
                Err(_) => unreachable_type_mismatch(),
            }
        } else {
            Err(self)
        }
    }
}

#[cold]
fn unreachable_type_mismatch() -> ! {
    unreachable!("AnyMessage::downcast: type checked with `is` but the downcast failed")
}

impl Serialize for AnyMessage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        erased_serde::serialize(self.0.as_serialize(), serializer)
    }
}

impl fmt::Debug for AnyMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug(f)
    }
}

/// A message slot: how a runtime lends a typed message to an erased actor
/// without boxing it.
///
/// The runtime wraps an `Option<M>` it owns; the actor takes the message out
/// when the types match. When they do not, the message stays in the slot and
/// the runtime still owns it (for dead letters).
///
/// # Examples
///
/// ```
/// use alloy_actors::Message;
/// use alloy_actors::runtime::MessageSlot;
/// # #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
/// # struct Tick;
/// # impl Message for Tick { const TYPE_NAME: &'static str = "example.Tick"; }
///
/// let mut held = Some(Tick);
/// let mut slot = MessageSlot::new(&mut held);
/// assert_eq!(slot.type_name(), "example.Tick");
/// assert_eq!(slot.take::<Tick>(), Some(Tick));
/// assert_eq!(held, None);
/// ```
pub struct MessageSlot<'a> {
    held: SlotContent<'a>,
    type_name: &'static str,
}

enum SlotContent<'a> {
    Typed(&'a mut dyn Any),
    Erased(Option<AnyMessage>),
}

impl<'a> MessageSlot<'a> {
    /// Lends the message in `message` (which should be `Some`).
    pub fn new<M: Message>(message: &'a mut Option<M>) -> Self {
        Self {
            held: SlotContent::Typed(message),
            type_name: M::TYPE_NAME,
        }
    }

    /// A slot that owns an already erased message.
    pub fn erased(message: AnyMessage) -> Self {
        let type_name = message.type_name();
        Self {
            held: SlotContent::Erased(Some(message)),
            type_name,
        }
    }

    /// The stable type name of the lent message.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Takes the message as an `M`, or `None` when it is not an `M` or was taken.
    pub fn take<M: Message>(&mut self) -> Option<M> {
        match &mut self.held {
            SlotContent::Typed(any) => any.downcast_mut::<Option<M>>().and_then(Option::take),
            SlotContent::Erased(slot) => match slot.take()?.downcast::<M>() {
                Ok(message) => Some(message),
                Err(other) => {
                    *slot = Some(other);
                    None
                }
            },
        }
    }

    /// Takes back an erased message that was not taken by [`MessageSlot::take`].
    pub fn into_erased(self) -> Option<AnyMessage> {
        match self.held {
            SlotContent::Typed(_) => None,
            SlotContent::Erased(slot) => slot,
        }
    }
}

impl fmt::Debug for MessageSlot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageSlot")
            .field("type_name", &self.type_name)
            .finish_non_exhaustive()
    }
}
