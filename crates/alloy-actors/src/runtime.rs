//! The runtime-implementor API: what a runtime drives and consults, kept
//! apart from the vocabulary a behavior's author uses.
//!
//! A runtime (Olivier, Conclave, the [`testkit`](crate#the-vocabulary))
//! instantiates a [`DynActor`] from each [`AnySpec`](crate::AnySpec)'s
//! [`DynBehavior`], lends it messages through a [`MessageSlot`], performs the
//! side effects of each [`Outcome`], and asks a [`SupervisorCore`] what to do
//! when a child exits. A behavior's author needs none of this.

pub use crate::dyn_actor::{
    BehaviorCell, DynActor, DynBehavior, Failure, Outcome, Recovery, WrongMessageType, panic_text,
};
pub use crate::message::MessageSlot;
pub use crate::supervision::{ChildExit, ChildInfo, Directive, SupervisorCore};
