//! The peer contenders, one module each, all with the same workload shapes
//! (see the crate docs): ractor, kameo, actix, and a raw tokio mpsc loop.

pub mod actix;
pub mod kameo;
pub mod olivier;
pub mod ractor;
pub mod tokio_mpsc;
