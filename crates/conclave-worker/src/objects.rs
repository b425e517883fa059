//! The Durable Object classes, one per hosted behavior.
// `#[durable_object]` generates wasm-bindgen exports (constructor, fetch, ...)
// that cannot carry docs.
#![allow(missing_docs)]

use std::time::Duration;

use alloy_actors::SupervisionStrategy;

conclave_runtime::actor_object!(
    /// The counter behavior (`alloy-counter`), one object per counter.
    Counter hosts alloy_counter::Counter
);

conclave_runtime::actor_object!(
    /// The reminder behavior (`alloy-reminder`).
    Reminder hosts alloy_reminder::Reminder
);

conclave_runtime::actor_object!(
    /// The team behavior (`alloy-team`), supervising one-for-one.
    Team hosts alloy_team::Team = alloy_team::Team::default(), supervising with
        SupervisionStrategy::one_for_one(3, Duration::from_secs(5))
);

conclave_runtime::actor_object!(
    /// The team behavior (`alloy-team`), supervising all-for-one.
    TeamAll hosts alloy_team::Team = alloy_team::Team::default(), supervising with
        SupervisionStrategy::all_for_one(3, Duration::from_secs(5))
);

conclave_runtime::actor_object!(
    /// The team behavior (`alloy-team`), supervising rest-for-one.
    TeamRest hosts alloy_team::Team = alloy_team::Team::default(), supervising with
        SupervisionStrategy::rest_for_one(3, Duration::from_secs(5))
);

conclave_runtime::actor_object!(
    /// The team behavior (`alloy-team`), supervising one-for-one with
    /// a strict intensity (2 restarts in 60 s), so a test can exceed it.
    TeamStrict hosts alloy_team::Team = alloy_team::Team::default(), supervising with
        SupervisionStrategy::one_for_one(2, Duration::from_secs(60))
);
