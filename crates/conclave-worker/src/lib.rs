//! The Cloudflare Worker that `wrangler.toml` deploys: Conclave hosting the
//! Alloy behaviors, one Durable Object class per behavior.
//!
//! Hosting a behavior takes one [`conclave_runtime::actor_object!`] line in
//! `objects.rs`, a binding and migration in `wrangler.toml`, and its binding
//! name in [`CLASSES`]. The behaviors themselves live in `crates/behaviors`
//! (`alloy-counter`, `alloy-reminder`, `alloy-team`) and know nothing of
//! Conclave.

mod objects;

pub use objects::{Counter, Reminder, Team, TeamAll, TeamRest, TeamStrict};

use worker::{Context, Env, Request, Response, Result, event};

/// The Durable Object bindings this Worker hosts, as named in `wrangler.toml`.
pub const CLASSES: &[&str] = &[
    "COUNTER",
    "REMINDER",
    "TEAM",
    "TEAM_ALL",
    "TEAM_REST",
    "TEAM_STRICT",
];

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<Response> {
    conclave_runtime::serve(request, env, CLASSES).await
}
