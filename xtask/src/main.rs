//! Alloy's task runner: `cargo xtask <task>`.
//!
//! Every task is one module; this file only dispatches. Run `cargo xtask help`
//! for the list.

mod bench;
mod demo;
mod edge;
mod fuzz;
mod setup;
mod shell;
mod test;
mod tidy;
mod wasm;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <task>

tasks:
  test            everything CI runs: set-up, fmt, clippy, tests, wasm32 build, benches compiled
  wasm            build alloy-actors, barewire and the behaviors for wasm32-unknown-unknown
  demo            the main job: the counter on the embedded default runtime
  edge <cmd>      the Conclave edge runtime (build, dev, deploy-dry-run); see `cargo xtask edge help`
  fuzz [SECONDS]  run every barewire fuzz target for SECONDS each (default 60)
  bench           the peer benchmark table: Olivier beside ractor, kameo, actix and raw tokio
  tidy            repository checks: module docs, dependency arrows, no dbg!/todo!
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((task, rest)) => (task.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match task {
        "test" => test::run(),
        "wasm" => wasm::run(),
        "demo" => demo::run(),
        "tidy" => tidy::run(),
        "bench" => bench::run(&shell::root()),
        "edge" => edge::main(rest),
        "fuzz" => fuzz_task(rest),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown task `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn fuzz_task(args: &[String]) -> anyhow::Result<()> {
    let seconds = match args.first() {
        Some(text) => text.parse()?,
        None => 60,
    };
    fuzz::run(&shell::root(), seconds)
}
