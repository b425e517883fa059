//! Alloy's integration tests against real runtimes.
//!
//! [`workerd`] drives Conclave in a local workerd: it starts `wrangler dev`
//! (located by `cargo xtask edge test` through environment variables) on a
//! free loopback port with its own persistence folder, and speaks to the
//! actors over WebSockets. Run the tests with `cargo xtask edge test`; run
//! directly, they fail and say so.

pub mod workerd;
