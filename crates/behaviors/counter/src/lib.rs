//! The counter from the seed: `Increment`, `Decrement`, and `GetCount`
//! answered with `Count(n)`. One behavior, every runtime.
//!
//! ```
//! use alloy_actors::testkit::TestKit;
//! use alloy_counter::{Count, Counter, CounterMsg};
//!
//! let mut kit = TestKit::new(Counter);
//! let probe = kit.probe("probe");
//! kit.send(CounterMsg::Increment);
//! kit.send(CounterMsg::GetCount { reply_to: probe.clone() })
//!     .assert_told(&probe, &Count(1));
//! ```
#![forbid(unsafe_code)]

use alloy_actors::{ActorRef, Behavior, Context, Effect, Message};
use serde::{Deserialize, Serialize};

/// What a counter accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CounterMsg {
    /// Add one.
    Increment,
    /// Subtract one.
    Decrement,
    /// Answer the current count to `reply_to`.
    GetCount {
        /// Who gets the [`Count`].
        reply_to: ActorRef<Count>,
    },
}

/// A counter's answer to [`CounterMsg::GetCount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count(pub i64);

/// The counter behavior; its state is the count.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counter;

impl Behavior for Counter {
    type State = i64;
    type Message = CounterMsg;

    fn init(&self) -> i64 {
        0
    }

    fn receive(&self, _ctx: &Context<CounterMsg>, count: i64, msg: CounterMsg) -> Effect<i64> {
        match msg {
            CounterMsg::Increment => Effect::from(count + 1),
            CounterMsg::Decrement => Effect::from(count - 1),
            CounterMsg::GetCount { reply_to } => Effect::from(count).tell(&reply_to, Count(count)),
        }
    }
}

impl Message for CounterMsg {
    const TYPE_NAME: &'static str = "alloy.counter.CounterMsg";
}

impl Message for Count {
    const TYPE_NAME: &'static str = "alloy.counter.Count";
}

/// The README's taste, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../../README.md")]
pub struct ReadmeDoctests;
