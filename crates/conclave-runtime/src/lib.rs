//! Conclave: Alloy behaviors hosted as Cloudflare Durable Objects.
//!
//! One Durable Object per actor. A Worker (see `crates/conclave-worker`)
//! routes `/actors/<CLASS>/<name>` to the object ([`gateway`]), checks socket
//! tokens ([`auth`]), and the object ([`ActorHost`]) runs the behavior on
//! each barewire envelope ([`wire::OwnedEnvelope`]) that arrives over its hibernatable WebSockets.
//! The crate compiles natively too, so clippy and the pure modules' unit
//! tests run without wasm.
//!
//! Hosting a behavior takes one line in the worker crate, plus its binding
//! in `wrangler.toml`:
//!
//! ```text
//! conclave_runtime::actor_object!(Counter hosts alloy_counter::Counter);
//! ```

pub mod auth;
pub mod gateway;
pub mod health;
pub mod host;
pub mod limits;
pub mod route;
pub mod timers;
pub mod wire;

#[doc(hidden)]
pub use alloy_actors as __alloy_actors;
pub use gateway::serve;
pub use host::ActorHost;

/// Declares a Durable Object class `$name` hosting behavior `$behavior`,
/// made with `Default` or with the given expression.
///
/// ```text
/// conclave_runtime::actor_object!(Counter hosts alloy_counter::Counter);
/// conclave_runtime::actor_object!(Reminder hosts Reminder = Reminder::new(3));
/// conclave_runtime::actor_object!(Team hosts Team = Team, supervising with
///     SupervisionStrategy::all_for_one(3, Duration::from_secs(5)));
/// conclave_runtime::actor_object!(Counter hosts Counter = Counter, supervising with
///     SupervisionStrategy::default(), granting Capabilities::default());
/// ```
///
/// The strategy applies to the children the actor spawns (one-for-one, at
/// most 3 restarts in 5 s, by default). `granting` sets what the class's
/// root actors may do ([`ActorHost::ROOT_CAPABILITIES`] by default, which
/// includes `Remote`, so they can tell the clients that reach them); a
/// child has what its spec grants.
///
/// The calling crate must depend on `worker` (the `#[durable_object]` macro
/// names it) and allow `missing_docs` where it calls this (the generated
/// wasm-bindgen exports have no docs). The class still needs its binding and
/// migration in `wrangler.toml`.
#[macro_export]
macro_rules! actor_object {
    ($(#[$meta:meta])* $name:ident hosts $behavior:ty) => {
        $crate::actor_object!($(#[$meta])* $name hosts $behavior = <$behavior as ::core::default::Default>::default());
    };
    ($(#[$meta:meta])* $name:ident hosts $behavior:ty = $make:expr) => {
        $crate::actor_object!($(#[$meta])* $name hosts $behavior = $make, supervising with
            $crate::__alloy_actors::SupervisionStrategy::default());
    };
    ($(#[$meta:meta])* $name:ident hosts $behavior:ty = $make:expr, supervising with $strategy:expr) => {
        $crate::actor_object!($(#[$meta])* $name hosts $behavior = $make, supervising with $strategy,
            granting $crate::ActorHost::<$behavior>::ROOT_CAPABILITIES);
    };
    ($(#[$meta:meta])* $name:ident hosts $behavior:ty = $make:expr, supervising with $strategy:expr,
        granting $capabilities:expr) => {
        $(#[$meta])*
        #[::worker::durable_object]
        #[derive(Debug)]
        pub struct $name {
            host: $crate::ActorHost<$behavior>,
        }

        impl ::worker::DurableObject for $name {
            fn new(state: ::worker::State, env: ::worker::Env) -> Self {
                Self {
                    host: $crate::ActorHost::new(state, env, $make)
                        .with_supervision($strategy)
                        .with_capabilities($capabilities),
                }
            }

            async fn fetch(&self, request: ::worker::Request) -> ::worker::Result<::worker::Response> {
                self.host.fetch(request).await
            }

            async fn websocket_message(
                &self,
                socket: ::worker::WebSocket,
                message: ::worker::WebSocketIncomingMessage,
            ) -> ::worker::Result<()> {
                self.host.websocket_message(socket, message).await
            }

            async fn websocket_close(
                &self,
                socket: ::worker::WebSocket,
                code: usize,
                reason: ::std::string::String,
                was_clean: bool,
            ) -> ::worker::Result<()> {
                self.host.websocket_close(socket, code, reason, was_clean).await
            }

            async fn websocket_error(
                &self,
                socket: ::worker::WebSocket,
                error: ::worker::Error,
            ) -> ::worker::Result<()> {
                self.host.websocket_error(socket, error).await
            }

            async fn alarm(&self) -> ::worker::Result<::worker::Response> {
                self.host.alarm().await
            }
        }
    };
}
