//! `cargo xtask demo`: the main job, the counter and supervision on the
//! embedded default runtime (Olivier).

use crate::shell;

/// Runs the Olivier demo tour.
pub(crate) fn run() -> anyhow::Result<()> {
    shell::step("demo: Alloy on Olivier, the embedded default runtime");
    shell::run(shell::cargo().args([
        "run",
        "--quiet",
        "--package",
        "olivier-runtime",
        "--example",
        "demo",
    ]))
}
