//! Conclave: Alloy behaviors hosted as Cloudflare Durable Objects.
//!
//! One Durable Object per actor. A Worker (see `crates/conclave-worker`)
//! routes `/actors/<CLASS>/<name>` to the object, checks socket tokens
//! ([`auth`]) and the object speaks BAREWire over hibernatable WebSockets.
//! The crate compiles natively too, so clippy and the pure modules' unit
//! tests run without wasm.

pub mod auth;
pub mod gateway;
pub mod health;
pub mod host;
pub mod route;
pub mod timers;

pub use gateway::serve;
pub use host::ActorHost;
