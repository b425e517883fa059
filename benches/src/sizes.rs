//! Workload sizes: the issue's defaults, a tiny set for CI, and environment
//! overrides.

use std::env;

/// How big each workload is, and how often it is repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Messages told in the throughput workload.
    pub tell_messages: u64,
    /// Sequential asks timed in the round-trip workload.
    pub ask_samples: usize,
    /// Idle actors spawned (and kept alive while measuring the heap).
    pub spawn_actors: usize,
    /// Pairs bouncing at once in the ping-pong workload.
    pub pairs: usize,
    /// Round trips per pair (each is two messages).
    pub round_trips: u32,
    /// Fail→restart cycles timed.
    pub restart_cycles: u32,
    /// Measured repetitions of each workload (the median is reported); one
    /// warm-up run precedes them and is discarded.
    pub repeats: usize,
}

impl Sizes {
    /// The issue's sizes: 1,000,000 tells, 100,000 idle actors, 1,000 pairs
    /// of 100 round trips; 10,000 asks and 10,000 restarts; 5 repeats.
    pub const ISSUE: Sizes = Sizes {
        tell_messages: 1_000_000,
        ask_samples: 10_000,
        spawn_actors: 100_000,
        pairs: 1_000,
        round_trips: 100,
        restart_cycles: 10_000,
        repeats: 5,
    };

    /// Drastically shrunk sizes for CI (where benches are only compiled, but
    /// a run there must stay quick).
    pub const CI: Sizes = Sizes {
        tell_messages: 10_000,
        ask_samples: 200,
        spawn_actors: 1_000,
        pairs: 20,
        round_trips: 10,
        restart_cycles: 100,
        repeats: 1,
    };

    /// The environment variables read by [`Sizes::from_env`], with what each sets.
    pub const ENV: [(&'static str, &'static str); 7] = [
        (
            "ALLOY_BENCH_TELL",
            "messages told in the throughput workload",
        ),
        ("ALLOY_BENCH_ASK", "ask samples"),
        ("ALLOY_BENCH_SPAWN", "idle actors spawned"),
        ("ALLOY_BENCH_PAIRS", "ping-pong pairs"),
        ("ALLOY_BENCH_ROUND_TRIPS", "round trips per pair"),
        ("ALLOY_BENCH_RESTARTS", "fail→restart cycles"),
        (
            "ALLOY_BENCH_REPEATS",
            "measured repetitions (median reported)",
        ),
    ];

    /// [`Sizes::ISSUE`], or [`Sizes::CI`] when `CI` is set, each field
    /// overridden by its `ALLOY_BENCH_*` variable (see [`Sizes::ENV`]).
    ///
    /// # Panics
    ///
    /// If a variable is set but is not a positive whole number.
    pub fn from_env() -> Sizes {
        let base = if env::var_os("CI").is_some_and(|value| !value.is_empty()) {
            Sizes::CI
        } else {
            Sizes::ISSUE
        };
        Sizes {
            tell_messages: read("ALLOY_BENCH_TELL", base.tell_messages),
            ask_samples: read("ALLOY_BENCH_ASK", base.ask_samples),
            spawn_actors: read("ALLOY_BENCH_SPAWN", base.spawn_actors),
            pairs: read("ALLOY_BENCH_PAIRS", base.pairs),
            round_trips: read("ALLOY_BENCH_ROUND_TRIPS", base.round_trips),
            restart_cycles: read("ALLOY_BENCH_RESTARTS", base.restart_cycles),
            repeats: read("ALLOY_BENCH_REPEATS", base.repeats),
        }
    }
}

fn read<T>(name: &str, default: T) -> T
where
    T: std::str::FromStr + PartialOrd + Default,
{
    match env::var(name) {
        Ok(text) => match text.trim().replace('_', "").parse::<T>() {
            Ok(value) if value > T::default() => value,
            _ => panic!("{name}={text:?} is not a positive whole number"),
        },
        Err(_) => default,
    }
}
