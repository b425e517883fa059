//! Conclave: Alloy behaviors hosted as Cloudflare Durable Objects.
//!
//! Not built yet (issue 6): this crate exports nothing, so nothing here claims
//! to run actors.
