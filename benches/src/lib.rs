//! Peer benchmarks for Alloy (issue 5): the same five workloads run on every
//! contender, in one process, so Olivier can be read beside its peers.
//!
//! The contenders are the actor frameworks [ractor], [kameo] and [actix], and
//! a hand-written actor loop on a raw tokio mpsc channel (the floor: what an
//! actor costs with no framework at all). Each implements [`Contender`]; the
//! bench binary `benches/runtimes.rs` runs every workload for every contender
//! and prints a table, and `benches/criterion_tell_ask.rs` gives criterion's
//! statistics for the two messaging workloads.
//!
//! # The workloads
//!
//! The same semantics for every contender; every workload builds its own
//! runtime (a multi-thread tokio runtime with the default worker count, or
//! actix's `System` on a fresh thread), so runs share nothing. The driver,
//! the code that sends and keeps time, runs as a task on that runtime
//! ([`on_tokio`]) or on the actix arbiter, beside the actors, as another
//! actor would. Mailboxes are
//! unbounded everywhere (tokio's `unbounded_channel`, ractor's default,
//! kameo's `mailbox::unbounded`, actix's `do_send`, which ignores the mailbox
//! capacity), so no contender pays for backpressure the others skip.
//!
//! 1. [`Contender::tell_throughput`]: one sender tells `messages`
//!    fire-and-forget increments to one counting actor; the clock stops when
//!    the actor, on reaching the count, completes a oneshot.
//! 2. [`Contender::ask_round_trip`]: sequential request/response to one
//!    actor that answers with its count; every round trip is one sample.
//! 3. [`Contender::spawn_idle`]: spawn `actors` idle actors holding a `u64`
//!    each and wait until every one has run its start hook (ractor
//!    `pre_start`, kameo `on_start`, actix `started`, the first poll of a
//!    tokio task), counted down on the global [`STARTED`] latch; the live
//!    heap before and after (see [`CountingAlloc`]; the harness counts only
//!    during this workload, [`HeapCounting`]) gives bytes per actor, with
//!    every actor's handle kept alive in a `Vec` allocated beforehand.
//! 4. [`Contender::fan_out_ping_pong`]: `pairs` pairs of actors, each pair
//!    bouncing a ball `2 * round_trips` times, all pairs at once; the ball
//!    carries the address to answer (`reply_to`), as an Alloy message does.
//! 5. [`Contender::restarts`]: a supervised child fails on a message and its
//!    supervisor restarts it; a cycle is "tell the failing message, then ask
//!    the restarted child for its count and get the answer (0, a fresh
//!    state)". What failing and restarting means for each contender:
//!    - ractor: the handler returns `Err` (the actor fails); the supervisor,
//!      which spawned the child with `spawn_linked`, gets
//!      `SupervisionEvent::ActorFailed` in `handle_supervisor_evt`, spawns a
//!      new linked child and sends its `ActorRef` to the driver, which asks
//!      the new child (ractor has no built-in restart: this is its idiom).
//!    - kameo: the tell handler returns `Err` (its reply is a `Result`), so
//!      `on_panic` stops the actor; the child was spawned with
//!      `Actor::supervise(&supervisor, args)` (`Permanent`, one-for-one,
//!      restart limit raised so it never gives up), whose supervisor builds
//!      a fresh actor from the args on the same mailbox: the driver's
//!      `ActorRef` stays valid and the queued ask reaches the new incarnation.
//!    - actix: the handler calls `ctx.stop()` (a panic is not caught by actix
//!      and would take the arbiter down); the child runs under
//!      `actix::Supervisor`, which calls `Supervised::restarting` (where the
//!      child resets its count) and runs the same actor value on a fresh
//!      context with the same mailbox and address.
//!    - tokio mpsc: the child task panics (a quiet panic hook is installed for
//!      the workload, see [`QuietPanics`]); a supervisor task awaits the
//!      child's `JoinHandle`, and on `JoinError::is_panic` spawns a new task
//!      on a new channel and sends its sender to the driver.
//!
//! # Plugging in Olivier
//!
//! **This is the place for the Olivier contender.** It is not written here
//! on purpose, because its API was still moving when this harness was
//! written. To add it:
//!
//! 1. Add `olivier-runtime`, `alloy-actors` (and `alloy-counter`, `serde`)
//!    to this crate's `[dependencies]`.
//! 2. Write `src/olivier.rs` with `#[derive(Debug)] pub struct Olivier;`
//!    implementing [`Contender`].
//! 3. Push `Box::new(olivier::Olivier)` first in [`contenders`].
//!
//! The binary, the tables and the ratios need nothing else.
//!
//! ```text
//! fn name(&self) -> &'static str                       // "olivier"
//! fn is_peer(&self) -> bool                            // false: compared with the best peer
//! fn tell_throughput(&self, messages: u64) -> Duration
//! fn ask_round_trip(&self, samples: usize) -> Vec<Duration>
//! fn spawn_idle(&self, actors: usize) -> SpawnIdle
//! fn fan_out_ping_pong(&self, pairs: usize, round_trips: u32) -> Duration
//! fn restarts(&self, cycles: u32) -> Duration
//! ```
//!
//! Every method runs its driver with [`on_tokio`] (a fresh multi-thread
//! runtime with the default worker count). Inside it, it builds an
//! `ActorSystem` (`ActorSystem::builder().build()`), sets up outside the
//! clock, times only the workload, ends with `system.shutdown().await`, and
//! prints nothing. Names below are Olivier's API as of its first commit
//! (`df9e392`). Use specs with the default `BackpressurePolicy::Unbounded`,
//! like the peers' unbounded mailboxes. Olivier runs Alloy behaviors, pure
//! `receive(ctx, state, msg) -> Effect<State>`, so each workload is one
//! small behavior and a driver, with the same semantics as the peers:
//!
//! * **tell**: `alloy_counter::Counter`, spawned with
//!   `system.spawn(ActorSpec::new(Counter))`. Ask `GetCount` once so it
//!   runs (`system.ask(&counter, |reply_to| CounterMsg::GetCount { reply_to
//!   }, timeout)`). Then start the clock, `system.tell(&counter,
//!   CounterMsg::Increment)` `messages` times, ask `GetCount` once more, and
//!   stop the clock on the answer `Count(messages)`. The mailbox is FIFO, so
//!   that answer marks the last increment processed. A pure behavior cannot
//!   complete a oneshot as the peers' counters do, and the one extra round
//!   trip is under a microsecond of a run of a million messages.
//! * **ask**: the same counter. Each sample is one `system.ask(..)` for
//!   `GetCount`, sequential.
//! * **spawn**: a behavior with state `u64` and a message it never gets.
//!   Allocate the `Vec` of refs, arm [`STARTED`] with `actors`, read
//!   [`live_heap_bytes`], and start the clock. Then call
//!   `system.spawn(ActorSpec::new(Idle)).await` `actors` times. That call
//!   returns once `init` and `PreStart` have run, as ractor's does, so count
//!   [`STARTED`] down after each. Wait on it, stop the clock, and read the
//!   heap again with every `ActorRef` still in the `Vec`.
//! * **ping-pong**: a behavior with message
//!   `Ball { remaining: u32, reply_to: ActorRef<Ball> }` answering
//!   `Effect::from(state).tell(&reply_to, Ball { remaining: remaining - 1,
//!   reply_to: ctx.myself() })`. On `remaining == 0` it calls
//!   `PAIRS_DONE.count_down()` from `receive`, which is impure but only in
//!   this bench, and is what the peers' handlers do. The driver arms
//!   [`PAIRS_DONE`] with `pairs`, then tells each pair's first player
//!   `Ball { remaining: 2 * round_trips, reply_to: second }`.
//! * **restarts**: `system.supervisor(SupervisionStrategy::one_for_one(
//!   u32::MAX, Duration::from_secs(1)))` (it never gives up), and a child
//!   spawned through it with the default `ErrorPolicy::Escalate`. The
//!   child's state is the number of asks it has answered (`u64`). Its
//!   messages are `Fail`, answered with `Effect::escalate(..)`, and
//!   `Get { reply_to }`, which answers the count before the ask. Ask once
//!   before the clock starts. Each cycle then tells `Fail` and asks `Get`
//!   through the same `ActorRef` (the id survives the restart), and checks
//!   the answer is 0, a fresh state. Say in `docs/benchmarks.md` whether the
//!   ask waits in the mailbox across the restart (as in kameo and actix) or
//!   needs a retry.
//!
//! [ractor]: https://docs.rs/ractor
//! [kameo]: https://docs.rs/kameo
//! [actix]: https://docs.rs/actix

mod alloc;
pub mod peers;
pub mod report;
mod sizes;
mod sync;

use std::fmt;
use std::future::Future;
use std::time::Duration;

pub use alloc::{CountingAlloc, HeapCounting, live_heap_bytes};
pub use sizes::Sizes;
pub use sync::{Latch, PAIRS_DONE, QuietPanics, STARTED};

/// One runtime under test: the five workloads, each on a runtime of its own.
///
/// Every method builds its runtime, sets the workload up outside the clock,
/// times only the workload, tears everything down, and returns the
/// measurement. See the crate docs for the semantics every implementation
/// must keep.
pub trait Contender: fmt::Debug + Send + Sync {
    /// A short name for the table (`"ractor"`, `"tokio-mpsc"`, ...).
    fn name(&self) -> &'static str;

    /// Whether this is an actor framework compared as a peer (not a
    /// baseline such as the raw tokio loop, nor Olivier itself).
    fn is_peer(&self) -> bool;

    /// The time from the first of `messages` tells until the actor has
    /// processed the last one.
    fn tell_throughput(&self, messages: u64) -> Duration;

    /// `samples` sequential ask round trips, one duration each.
    fn ask_round_trip(&self, samples: usize) -> Vec<Duration>;

    /// Spawns `actors` idle actors, timing until all have started, and
    /// measures the live heap they hold.
    fn spawn_idle(&self, actors: usize) -> SpawnIdle;

    /// The time for `pairs` pairs to bounce a message `round_trips` times
    /// each, all pairs at once.
    fn fan_out_ping_pong(&self, pairs: usize, round_trips: u32) -> Duration;

    /// The time for `cycles` fail-then-restarted-answer cycles of one
    /// supervised child.
    fn restarts(&self, cycles: u32) -> Duration;
}

/// What the spawn workload measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpawnIdle {
    /// From the first spawn until every actor has started.
    pub elapsed: Duration,
    /// Live heap bytes with every actor alive minus live heap bytes before
    /// the first spawn (0 unless [`CountingAlloc`] is the global allocator
    /// and a [`HeapCounting`] guard is alive).
    pub heap_bytes: i64,
}

/// Every contender, in table order: the peers, then the raw tokio baseline.
///
/// Olivier goes here when it lands (see the crate docs).
pub fn contenders() -> Vec<Box<dyn Contender>> {
    vec![
        Box::new(peers::olivier::Olivier),
        Box::new(peers::ractor::Ractor),
        Box::new(peers::kameo::Kameo),
        Box::new(peers::actix::Actix),
        Box::new(peers::tokio_mpsc::TokioMpsc),
    ]
}

/// A multi-thread tokio runtime with the default worker count (one per core).
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Runs `workload` as a task on a fresh [`tokio_runtime`] and drops the
/// runtime (ending every task left) once it is done.
///
/// The driver is a task on a worker like the actors it drives, not the
/// thread calling `block_on`: otherwise every answer it waits for would
/// also pay for waking a parked thread that no actor would pay for.
///
/// # Panics
///
/// If the workload panics (a failed check), with its message.
pub fn on_tokio<T: Send + 'static>(workload: impl Future<Output = T> + Send + 'static) -> T {
    let runtime = tokio_runtime();
    match runtime.block_on(runtime.spawn(workload)) {
        Ok(value) => value,
        Err(error) => match error.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(error) => panic!("the workload did not complete: {error}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every workload completes on every contender at tiny sizes (the
    /// workloads check their own answers). Nothing here looks at speed. One
    /// test, so the global latches are never shared by two at once.
    #[test]
    fn every_contender_completes_every_workload() {
        for contender in contenders() {
            let name = contender.name();
            assert!(!contender.tell_throughput(100).is_zero(), "{name}");
            assert_eq!(contender.ask_round_trip(10).len(), 10, "{name}");
            contender.spawn_idle(50);
            contender.fan_out_ping_pong(4, 3);
            contender.restarts(5);
        }
    }
}
