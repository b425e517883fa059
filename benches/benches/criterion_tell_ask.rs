//! Criterion's statistics for the two messaging workloads, tell throughput
//! and ask round trip, on every contender (the table binary `runtimes`
//! covers all five workloads).
//!
//! `cargo bench -p alloy-benches --bench criterion_tell_ask`. Each sample
//! builds a fresh runtime and actor outside the clock (see
//! `Contender::tell_throughput` and `Contender::ask_round_trip`), so the
//! times are per message and per round trip.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::time::Duration;

use alloy_benches::contenders;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn tell(c: &mut Criterion) {
    let mut group = c.benchmark_group("tell");
    group.throughput(Throughput::Elements(1));
    for contender in contenders() {
        group.bench_function(contender.name(), |b| {
            b.iter_custom(|messages| contender.tell_throughput(messages.max(1)));
        });
    }
    group.finish();
}

fn ask(c: &mut Criterion) {
    let mut group = c.benchmark_group("ask");
    for contender in contenders() {
        group.bench_function(contender.name(), |b| {
            b.iter_custom(|samples| {
                let samples = usize::try_from(samples).unwrap_or(usize::MAX).max(1);
                contender
                    .ask_round_trip(samples)
                    .into_iter()
                    .sum::<Duration>()
            });
        });
    }
    group.finish();
}

fn config() -> Criterion {
    // Small samples: the machine is shared, and each sample builds a runtime.
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = tell, ask
}
criterion_main!(benches);
