//! The `olivier` binary: parses the command line and runs it (see the
//! `olivier_node` library); errors go to standard error with their causes.

use std::error::Error as _;
use std::process::ExitCode;

use clap::Parser;
use olivier_node::cli::Cli;
use olivier_runtime::ArenaAlloc;

/// Charges what each behavior allocates per message to its actor's arena budget.
#[global_allocator]
static GLOBAL: ArenaAlloc = ArenaAlloc::new();

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match olivier_node::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let mut message = format!("olivier: error: {error}");
            let mut cause = error.source();
            while let Some(source) = cause {
                message.push_str(&format!(": {source}"));
                cause = source.source();
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
