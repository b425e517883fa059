//! The pure vocabulary of Alloy actors: write a behavior once, run it natively
//! (Olivier) or on the edge (Conclave), and test it with no runtime at all.
//!
//! ```
//! use alloy_actors::testkit::TestKit;
//! use alloy_actors::{ActorRef, Behavior, Context, Effect, Message};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Clone, Serialize, Deserialize)]
//! enum Greet {
//!     Hello { name: String, reply_to: ActorRef<Greeting> },
//! }
//! impl Message for Greet {
//!     const TYPE_NAME: &'static str = "example.Greet";
//! }
//!
//! #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
//! struct Greeting(String);
//! impl Message for Greeting {
//!     const TYPE_NAME: &'static str = "example.Greeting";
//! }
//!
//! struct Greeter;
//! impl Behavior for Greeter {
//!     type State = u32; // how many greetings so far
//!     type Message = Greet;
//!     fn init(&self) -> u32 {
//!         0
//!     }
//!     fn receive(&self, _ctx: &Context<Greet>, n: u32, msg: Greet) -> Effect<u32> {
//!         match msg {
//!             Greet::Hello { name, reply_to } => {
//!                 Effect::from(n + 1).tell(&reply_to, Greeting(format!("hello, {name}")))
//!             }
//!         }
//!     }
//! }
//!
//! let mut kit = TestKit::new(Greeter);
//! let probe = kit.probe::<Greeting>("probe");
//! kit.send(Greet::Hello { name: "ada".into(), reply_to: probe.clone() })
//!     .assert_told(&probe, &Greeting("hello, ada".into()));
//! assert_eq!(kit.state(), Some(&1));
//! ```
//!
//! # The vocabulary
//!
//! - Identity: [`ActorId`], typed [`ActorRef`], the [`Message`] bound and the
//!   type-erased [`AnyMessage`].
//! - Behavior: [`Behavior`] (`init`, `receive`, `lifecycle`), [`Context`],
//!   [`LifecycleEvent`].
//! - Effects: [`Effect`] and its composition ([`Effect::and_then`] and the
//!   operations), [`SideEffect`].
//! - Running: [`ActorSpec`], [`ErrorPolicy`], [`BackpressurePolicy`],
//!   [`Capabilities`], [`ActorPriority`].
//! - Supervision: [`SupervisionStrategy`], [`RestartType`], [`Shutdown`].
//! - What runtimes implement: [`Channel`], [`Transport`], [`ActorState`];
//!   what they drive and consult, apart from the user API: [`runtime`]
//!   ([`DynBehavior`](runtime::DynBehavior), [`DynActor`](runtime::DynActor),
//!   the pure decision core [`SupervisorCore`](runtime::SupervisorCore)).
//! - [`testkit`] (feature `testkit`): drive a behavior with a virtual clock.
//!
//! This crate has no I/O and no async runtime, and builds for
//! `wasm32-unknown-unknown` as well as native targets.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code, unused_variables))))]

mod actor_ref;
mod behavior;
mod capability;
mod channel;
mod dyn_actor;
mod effect;
mod error;
mod id;
mod message;
mod platform;
mod priority;
pub mod runtime;
mod side_effect;
mod spec;
mod state;
mod supervision;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use actor_ref::ActorRef;
pub use behavior::{Behavior, Context, LifecycleEvent, RestartReason};
pub use capability::{Capabilities, Capability, CapabilityError};
pub use channel::{Channel, Transport};
pub use effect::{Control, Effect};
pub use error::ActorError;
pub use id::{ActorId, ActorIdError};
pub use message::{AnyMessage, Message};
pub use platform::MaybeSend;
pub use priority::ActorPriority;
pub use side_effect::{
    LogLevel, SideEffect, SpawnReply, Spawned, Terminated, TimerKey, WatchReply,
};
pub use spec::{
    ActorSpec, AnySpec, BackpressurePolicy, ErrorPolicy, ErrorPolicyKind, Shutdown, SpecConfig,
};
pub use state::{ActorState, MemoryState};
pub use supervision::{RestartIntensity, RestartType, SupervisionStrategy};
