//! Every workload on every contender in one run, as one table (issue 5).
//!
//! `cargo bench -p alloy-benches --bench runtimes` (or `cargo xtask bench`).
//! Sizes default to the (see `Sizes::ISSUE`), shrink drastically
//! when `CI` is set, and each can be overridden by an `ALLOY_BENCH_*`
//! variable; `ALLOY_BENCH_ONLY=ractor,tokio-mpsc` runs a subset. Each
//! workload runs once per contender as a warm-up, then `repeats` times with
//! the contenders interleaved, and the median is reported. The table goes to
//! stdout and to `ALLOY_BENCH_OUT` (default
//! `<target dir>/alloy-benches/runtimes.md`); progress goes to stderr.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use std::{env, fs};

use alloy_benches::report::{self, Metric, Row};
use alloy_benches::{Contender, CountingAlloc, HeapCounting, Sizes, contenders};
use olivier_runtime::ArenaAlloc;

/// Counts the heap for every contender; around it, `ArenaAlloc` lets Olivier
/// charge behaviors' allocations to their arena budgets, as a user's binary
/// would (one thread-local read per allocation for the others).
#[global_allocator]
static ALLOC: ArenaAlloc<CountingAlloc> = ArenaAlloc::wrap(CountingAlloc);

/// The contender the second ratio table divides by.
const BASELINE: &str = "tokio-mpsc";

fn main() {
    if env::args().any(|arg| arg == "--help" || arg == "-h") {
        print_help();
        return;
    }
    let sizes = Sizes::from_env();
    let chosen = chosen_contenders();
    if chosen.is_empty() {
        eprintln!("ALLOY_BENCH_ONLY matched no contender");
        std::process::exit(2);
    }
    let started = Instant::now();
    eprintln!("runtimes: {sizes:?}");
    let mut rows: Vec<Row> = chosen
        .iter()
        .map(|contender| Row::new(contender.name(), contender.is_peer()))
        .collect();

    let tell = measure(&chosen, sizes.repeats, "tell", |c| {
        vec![sizes.tell_messages as f64 / secs(c.tell_throughput(sizes.tell_messages))]
    });
    record(&mut rows, &tell, &[Metric::TellRate]);

    let ask = measure(&chosen, sizes.repeats, "ask", |c| {
        let samples = c.ask_round_trip(sizes.ask_samples);
        vec![
            secs(report::percentile(&samples, 50.0)),
            secs(report::percentile(&samples, 99.0)),
        ]
    });
    record(&mut rows, &ask, &[Metric::AskP50, Metric::AskP99]);

    let spawn = measure(&chosen, sizes.repeats, "spawn", |c| {
        let idle = {
            let _counting = HeapCounting::start();
            c.spawn_idle(sizes.spawn_actors)
        };
        vec![
            sizes.spawn_actors as f64 / secs(idle.elapsed),
            idle.heap_bytes as f64 / sizes.spawn_actors as f64,
        ]
    });
    record(
        &mut rows,
        &spawn,
        &[Metric::SpawnRate, Metric::BytesPerActor],
    );

    let messages = sizes.pairs as f64 * 2.0 * f64::from(sizes.round_trips);
    let ping_pong = measure(&chosen, sizes.repeats, "ping-pong", |c| {
        vec![messages / secs(c.fan_out_ping_pong(sizes.pairs, sizes.round_trips))]
    });
    record(&mut rows, &ping_pong, &[Metric::PingPongRate]);

    let restarts = measure(&chosen, sizes.repeats, "restarts", |c| {
        vec![f64::from(sizes.restart_cycles) / secs(c.restarts(sizes.restart_cycles))]
    });
    record(&mut rows, &restarts, &[Metric::RestartRate]);

    let mut text = format!(
        "Sizes: tell {} messages; ask {} samples; spawn {} idle actors; ping-pong {} pairs × {} \
         round trips; restarts {} cycles; median of {} runs after 1 warm-up run.\n\n",
        sizes.tell_messages,
        sizes.ask_samples,
        sizes.spawn_actors,
        sizes.pairs,
        sizes.round_trips,
        sizes.restart_cycles,
        sizes.repeats,
    );
    text.push_str(&report::render(&rows, BASELINE));
    println!("\n{text}");
    let out = output_path();
    match out
        .parent()
        .map_or(Ok(()), fs::create_dir_all)
        .and_then(|()| fs::write(&out, &text))
    {
        Ok(()) => eprintln!("runtimes: table written to {}", out.display()),
        Err(error) => eprintln!("runtimes: could not write {}: {error}", out.display()),
    }
    eprintln!("runtimes: done in {:.1} s", started.elapsed().as_secs_f64());
}

fn print_help() {
    println!("runtimes: every workload on every contender, as one table\n");
    println!("environment (defaults: the issue's sizes, tiny ones when CI is set):");
    for (name, what) in Sizes::ENV {
        println!("  {name:<24} {what}");
    }
    println!(
        "  {:<24} comma-separated contenders to run (default: all)",
        "ALLOY_BENCH_ONLY"
    );
    println!("  {:<24} where to write the table", "ALLOY_BENCH_OUT");
    let names: Vec<&str> = contenders().iter().map(|c| c.name()).collect();
    println!("\ncontenders: {}", names.join(", "));
}

/// The contenders named in `ALLOY_BENCH_ONLY` (comma-separated), or all.
fn chosen_contenders() -> Vec<Box<dyn Contender>> {
    let all = contenders();
    match env::var("ALLOY_BENCH_ONLY") {
        Ok(only) if !only.trim().is_empty() => {
            let names: Vec<&str> = only.split(',').map(str::trim).collect();
            all.into_iter()
                .filter(|contender| names.contains(&contender.name()))
                .collect()
        }
        _ => all,
    }
}

/// Runs `workload` on each contender: once to warm up, then `repeats` times
/// with the contenders interleaved. Returns, per contender, the median of
/// each number the workload yields.
fn measure(
    contenders: &[Box<dyn Contender>],
    repeats: usize,
    label: &str,
    workload: impl Fn(&dyn Contender) -> Vec<f64>,
) -> Vec<Vec<f64>> {
    for contender in contenders {
        eprintln!("{label}: {} warm-up", contender.name());
        workload(contender.as_ref());
    }
    let mut runs: Vec<Vec<Vec<f64>>> = vec![Vec::new(); contenders.len()];
    for repeat in 1..=repeats {
        for (contender, runs) in contenders.iter().zip(&mut runs) {
            let values = workload(contender.as_ref());
            let shown: Vec<String> = values.iter().map(|v| format!("{v:.4e}")).collect();
            eprintln!(
                "{label}: {} run {repeat}/{repeats}: {}",
                contender.name(),
                shown.join(" ")
            );
            runs.push(values);
        }
    }
    runs.iter()
        .map(|runs| {
            let width = runs.first().map_or(0, Vec::len);
            (0..width)
                .map(|i| report::median(&runs.iter().map(|run| run[i]).collect::<Vec<_>>()))
                .collect()
        })
        .collect()
}

/// Stores each contender's medians under `metrics`, in order.
fn record(rows: &mut [Row], medians: &[Vec<f64>], metrics: &[Metric]) {
    for (row, values) in rows.iter_mut().zip(medians) {
        for (metric, value) in metrics.iter().zip(values) {
            row.set(*metric, *value);
        }
    }
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64().max(1e-9)
}

/// `ALLOY_BENCH_OUT`, or `alloy-benches/runtimes.md` in the target directory
/// this binary was built into (`<target>/release/deps/runtimes-*`).
fn output_path() -> PathBuf {
    if let Some(path) = env::var_os("ALLOY_BENCH_OUT") {
        return PathBuf::from(path);
    }
    let target = env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("alloy-benches").join("runtimes.md")
}
