//! The Cloudflare Worker that `wrangler.toml` deploys: Conclave hosting the
//! Alloy behaviors, one Durable Object class per behavior.
//!
//! Hosting a behavior takes a `#[durable_object]` struct that forwards its
//! events to [`conclave_runtime::ActorHost`], a binding in `wrangler.toml`,
//! and its class name in [`CLASSES`].

mod objects;

pub use objects::Counter;

use worker::{Context, Env, Request, Response, Result, event};

/// The Durable Object bindings this Worker hosts, as named in `wrangler.toml`.
pub const CLASSES: &[&str] = &["COUNTER"];

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<Response> {
    conclave_runtime::serve(request, env, CLASSES).await
}
