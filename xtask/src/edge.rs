//! The Conclave edge runtime tasks: `cargo xtask edge <cmd>` (issue 6).
//!
//! - `setup`: the pinned tools (worker-build, wasm-bindgen-cli, npm packages).
//! - `build`: the Worker's wasm and JS with worker-build, downloading nothing.
//! - `dev [--port N] [--persist DIR]`: `wrangler dev` on a loopback port.
//! - `deploy-dry-run`: `wrangler deploy --dry-run` on the built output.
//! - `test`: all of the above that tests need, then the real-workerd tests.
//! - `bench`: messages per second and ask latency in a local workerd.

mod build;
mod tools;
mod wrangler;

use std::path::Path;

use anyhow::bail;

use crate::shell;

const HELP: &str = "\
cargo xtask edge <cmd>

commands:
  setup                          install the pinned tools into .tools/ and node_modules/
  build                          build the Worker (wasm + JS) into build/worker/
  dev [--port N] [--persist DIR] run it in a local workerd (wrangler dev) until Ctrl-C
  deploy-dry-run                 check that `wrangler deploy --dry-run` accepts the build
  test                           setup, build, then the tests-integration tests against workerd
  bench                          messages/s and ask latency against 1 and 100 objects (local workerd)
";

/// Entry point of `cargo xtask edge ...`.
pub(crate) fn main(args: &[String]) -> anyhow::Result<()> {
    let root = shell::root();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    match command {
        "setup" => no_args(command, rest).and_then(|()| tools::setup(&root)),
        "build" => no_args(command, rest).and_then(|()| {
            tools::setup(&root)?;
            build::build(&root)
        }),
        "dev" => {
            let options = wrangler::DevOptions::parse(rest)?;
            tools::setup(&root)?;
            build::build(&root)?;
            wrangler::dev(&root, &options)
        }
        "deploy-dry-run" => no_args(command, rest).and_then(|()| {
            tools::setup(&root)?;
            build::build(&root)?;
            wrangler::deploy_dry_run(&root)
        }),
        "test" => no_args(command, rest).and_then(|()| test(&root)),
        "bench" => no_args(command, rest).and_then(|()| bench(&root)),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown edge command `{other}`\n\n{HELP}"),
    }
}

/// Everything CI runs for the edge: set-up, build, the deploy dry run and the
/// tests-integration tests against a real local workerd.
pub(crate) fn test(root: &Path) -> anyhow::Result<()> {
    tools::setup(root)?;
    build::build(root)?;
    wrangler::deploy_dry_run(root)?;
    shell::step("edge: tests-integration against local workerd");
    let mut command = shell::cargo();
    command.current_dir(root).args([
        "test",
        "--package",
        "tests-integration",
        "--",
        "--test-threads=2",
    ]);
    wrangler::test_env(root, &mut command);
    shell::run(&mut command)
}

/// Builds the Worker and runs the Conclave benchmark, printing a Markdown table.
fn bench(root: &Path) -> anyhow::Result<()> {
    tools::setup(root)?;
    build::build(root)?;
    shell::step("edge: benchmark against local workerd");
    let mut command = shell::cargo();
    command.current_dir(root).args([
        "run",
        "--release",
        "--package",
        "tests-integration",
        "--bin",
        "conclave_bench",
    ]);
    wrangler::test_env(root, &mut command);
    shell::run(&mut command)
}

fn no_args(command: &str, rest: &[String]) -> anyhow::Result<()> {
    match rest.first() {
        None => Ok(()),
        Some(extra) => bail!("`edge {command}` takes no arguments, got `{extra}`\n\n{HELP}"),
    }
}
