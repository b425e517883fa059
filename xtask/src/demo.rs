//! `cargo xtask demo`: the main job, `olivier demo` on the embedded
//! default runtime (Olivier): a node in a second process told and asked
//! by name, then the tour of supervision, backpressure and dead letters.

use crate::shell;

/// Runs `olivier demo`.
pub(crate) fn run() -> anyhow::Result<()> {
    shell::step("demo: the olivier node on Olivier, the embedded default runtime");
    shell::run(shell::cargo().args([
        "run",
        "--quiet",
        "--package",
        "olivier-node",
        "--bin",
        "olivier",
        "--",
        "demo",
    ]))
}
