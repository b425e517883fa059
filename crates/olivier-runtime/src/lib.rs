//! Olivier: the native runtime that runs Alloy behaviors on tokio, with
//! OTP supervision on a dedicated thread (Prospero).
//!
//! ```
//! use std::time::Duration;
//! use alloy_actors::{ActorSpec, BackpressurePolicy, ErrorPolicy, SupervisionStrategy};
//! use alloy_counter::{Count, Counter, CounterMsg};
//! use olivier_runtime::ActorSystem;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> anyhow::Result<()> {
//! let system = ActorSystem::builder()
//!     .name("shop")
//!     .default_supervision(SupervisionStrategy::one_for_one(5, Duration::from_secs(60)))
//!     .build()?;
//! let counter = system
//!     .spawn(
//!         ActorSpec::new(Counter)
//!             .error_policy(ErrorPolicy::RestartWith(0))
//!             .backpressure(BackpressurePolicy::DropOldest(1000)),
//!     )
//!     .await?;
//! system.tell(&counter, CounterMsg::Increment)?;
//! let count = system
//!     .ask(&counter, |reply_to| CounterMsg::GetCount { reply_to }, Duration::from_secs(5))
//!     .await?;
//! assert_eq!(count, Count(1));
//! system.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # How it runs
//!
//! - Each actor is a tokio task that takes one message at a time from its
//!   mailbox: a system queue first (Prospero's
//!   requests overtake user messages), then five user queues by
//!   [`ActorPriority`](alloy_actors::ActorPriority), bounded by the actor's
//!   [`BackpressurePolicy`](alloy_actors::BackpressurePolicy). A behavior never sees a lock.
//! - The task hands each message to the actor's
//!   [`DynActor`](alloy_actors::runtime::DynActor), which catches panics, and
//!   performs the side effects in order: local tells go straight into the
//!   target's mailbox without serializing, spawns and timers through the
//!   runtime, logs through `tracing`. Capabilities are checked first; a
//!   denied side effect fails the actor.
//! - Supervision and the lifecycle hooks of running actors run on Prospero,
//!   a dedicated OS thread raised in priority where the OS allows it; each
//!   supervisor is a process there that asks
//!   [`SupervisorCore`](alloy_actors::runtime::SupervisorCore) what to do, as OTP's
//!   `supervisor` does. A spawn runs the first `init` and `PreStart` on the
//!   spawning thread and hands the actor to its supervisor's process.
//! - Every message that is dropped or cannot be delivered is a
//!   [`DeadLetter`]: counted, and published on [`ActorSystem::dead_letters`].
//!   What the runtime does to actors is published on [`ActorSystem::events`].
//! - State lives in memory unless the system's [`Persistence`] selects the
//!   actor's path for a durable [`StateStore`] (redb): then it is loaded at
//!   start and committed after every message, before the message's side
//!   effects go out.
//! - A system can listen and [`connect`](ActorSystem::connect) to others:
//!   tells and asks to another system's ids travel as BAREWire frames over
//!   TCP ([`remote`]), and [`Capability::Remote`](alloy_actors::Capability::Remote)
//!   gates which actors may send them.
//! - Every actor type is counted ([`ActorSystem::metrics`]) and exported as
//!   Prometheus text ([`ActorSystem::metrics_text`], or `GET /metrics` with
//!   [`ActorSystemBuilder::metrics_endpoint`]).
//!
//! `docs/olivier.md` describes the design and its choices.
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code, unused_variables))))]

mod actor_loop;
mod arena;
mod ask;
mod body;
mod builder;
mod children;
mod dead_letters;
mod error;
mod events;
mod incarnation;
mod kernel;
mod mailbox;
mod metrics;
mod names;
mod persistence;
mod platform;
mod prospero;
mod protocol;
mod random;
mod registry;
pub mod remote;
mod supervisor;
mod system;

pub use arena::{
    ActorArena, ArenaAlloc, ArenaBudget, ArenaError, ArenaStats, ArenaVec, ChargeScope, PushError,
    ScratchBytes,
};
pub use builder::ActorSystemBuilder;
pub use children::{ChildError, ChildKind, ChildSummary};
pub use dead_letters::{DeadLetter, DeadLetterReason, DeadLetters};
pub use error::{
    AskError, BuildError, NameError, SpawnError, StateError, StopError, SystemFailure, TellError,
};
pub use events::{Events, SystemEvent};
pub use metrics::TypeSnapshot;
pub use persistence::{Persistence, StateStore, StoredState};
pub use platform::ProsperoPriority;
pub use supervisor::{Supervisor, SupervisorSpec};
pub use system::ActorSystem;
