//! Olivier: the native runtime that interprets Alloy behaviors on tokio.
//!
//! Not built yet (issue 5): this crate exports nothing, so nothing here claims
//! to run actors.
