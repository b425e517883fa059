//! `cargo xtask bench`: the peer benchmark table (issue 5).
//!
//! Runs `cargo bench -p alloy-benches --bench runtimes` (the bench profile,
//! optimised like release): every workload on every contender (ractor,
//! kameo, actix, a raw tokio mpsc loop, and Olivier once it is plugged in),
//! then says where the markdown table was written. Sizes come from the
//! `ALLOY_BENCH_*` variables described in `benches/src/sizes.rs` (the
//! issue's sizes by default, tiny ones when `CI` is set); the default run
//! takes a few minutes on a 2-core machine.

use std::env;
use std::path::{Path, PathBuf};

use crate::shell;

/// Runs the `runtimes` bench from the workspace at `root` and prints where
/// its table is.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let table = table_path(root);
    shell::step("bench: every workload on every runtime (a few minutes)");
    shell::run(
        shell::cargo()
            .current_dir(root)
            .args(["bench", "-p", "alloy-benches", "--bench", "runtimes"])
            .env("ALLOY_BENCH_OUT", &table),
    )?;
    eprintln!("\nbench: the table is in {}", table.display());
    eprintln!(
        "bench: copy it into docs/benchmarks.md, `## Native runtimes (peers)`, with the machine and date"
    );
    Ok(())
}

/// `<target dir>/alloy-benches/runtimes.md`, honouring `CARGO_TARGET_DIR`.
fn table_path(root: &Path) -> PathBuf {
    let target = match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    target.join("alloy-benches").join("runtimes.md")
}
