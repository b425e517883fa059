//! `cargo xtask demo`: the main job, the counter on the embedded default runtime.

use crate::shell;

/// Runs the demo example.
pub(crate) fn run() -> anyhow::Result<()> {
    shell::step("demo: the counter behavior");
    shell::run(shell::cargo().args([
        "run",
        "--quiet",
        "--package",
        "alloy-counter",
        "--example",
        "counter_demo",
    ]))
}
