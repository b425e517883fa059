//! The Durable Object classes, one per hosted behavior.
// `#[durable_object]` generates wasm-bindgen exports (constructor, fetch, ...)
// that cannot carry docs.
#![allow(missing_docs)]

conclave_runtime::actor_object!(
    /// The counter behavior (`alloy-counter`), one object per counter.
    Counter hosts alloy_counter::Counter
);

conclave_runtime::actor_object!(
    /// The reminder test fixture ([`crate::reminder`]).
    Reminder hosts crate::reminder::Reminder
);
