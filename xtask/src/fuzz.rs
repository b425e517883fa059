//! Fuzzing the barewire decoders (issue 4): `cargo xtask fuzz [SECONDS]` runs
//! every cargo-fuzz target under `crates/barewire/fuzz` for a bounded time,
//! and [`check`] compiles the targets without running them, for CI.
//!
//! Running needs cargo-fuzz in the project's `.tools` (installed with
//! `cargo install --locked --root .tools cargo-fuzz --version 0.13.2`) and a
//! C++ compiler for libFuzzer. cargo-fuzz passes nightly-only flags
//! (`-Zsanitizer=address`); on the stable toolchain this module sets
//! `RUSTC_BOOTSTRAP=1` for the fuzz build only, and stable rust-std ships the
//! AddressSanitizer runtime. Corpora and crash artifacts stay under
//! `crates/barewire/fuzz/{corpus,artifacts}` (git-ignored).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::shell;

/// The cargo-fuzz version the project pins.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Where the fuzz crate lives, relative to the workspace root.
const FUZZ_DIR: &str = "crates/barewire/fuzz";

/// Runs every fuzz target for `seconds` each, one after the other.
pub(crate) fn run(root: &Path, seconds: u64) -> anyhow::Result<()> {
    if seconds == 0 {
        bail!("fuzz for at least one second per target");
    }
    let cargo_fuzz = cargo_fuzz(root)?;
    let fuzz_dir = root.join(FUZZ_DIR);
    let targets = targets(&fuzz_dir)?;
    for target in &targets {
        eprintln!("\n==> fuzz: {target} for {seconds}s");
        let mut command = Command::new(&cargo_fuzz);
        command
            .current_dir(root)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "--fuzz-dir"])
            .arg(&fuzz_dir)
            .arg(target)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .args([
                "-max_len=4096",
                "-rss_limit_mb=2048",
                "-print_final_stats=1",
            ]);
        shell::run(&mut command).with_context(|| {
            format!("fuzz target `{target}` found a failure (see fuzz/artifacts)")
        })?;
    }
    eprintln!(
        "fuzz: {} targets ran {seconds}s each without a failure",
        targets.len()
    );
    Ok(())
}

/// Compiles the fuzz targets without running them (no cargo-fuzz needed).
pub(crate) fn check(root: &Path) -> anyhow::Result<()> {
    eprintln!("\n==> fuzz: compile the barewire fuzz targets");
    let manifest = root.join(FUZZ_DIR).join("Cargo.toml");
    let mut command = shell::cargo();
    command
        .current_dir(root)
        .args(["check", "--bins", "--locked", "--manifest-path"])
        .arg(&manifest);
    shell::run(&mut command)
}

/// The project's cargo-fuzz, or an error saying how to install it.
fn cargo_fuzz(root: &Path) -> anyhow::Result<PathBuf> {
    let path = root.join(".tools/bin/cargo-fuzz");
    if path.is_file() {
        return Ok(path);
    }
    eprintln!("\n==> set-up: cargo-fuzz {CARGO_FUZZ_VERSION} into .tools (a few minutes, once)");
    let mut command = shell::cargo();
    command.current_dir(root).args([
        "install",
        "--locked",
        "--root",
        ".tools",
        "cargo-fuzz",
        "--version",
        CARGO_FUZZ_VERSION,
    ]);
    shell::run(&mut command)?;
    Ok(path)
}

/// The fuzz targets: one `fuzz_targets/<name>.rs` each.
fn targets(fuzz_dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = fuzz_dir.join("fuzz_targets");
    let mut names = Vec::new();
    for entry in
        std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "rs")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    if names.is_empty() {
        bail!("no fuzz targets in {}", dir.display());
    }
    Ok(names)
}
