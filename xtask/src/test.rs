//! `cargo xtask test`: everything CI runs, with the set-up a fresh machine needs.

use crate::{edge, fuzz, setup, shell, tidy, wasm};

/// Folders holding a `package-lock.json` whose packages the tests need.
const NPM_FOLDERS: &[&str] = &["crates/barewire/tests/crosscheck"];

/// Runs set-up, the gates, every test, the wasm32 build and the bench build.
pub(crate) fn run() -> anyhow::Result<()> {
    let root = shell::root();
    setup::wasm_target()?;
    for folder in NPM_FOLDERS {
        if root.join(folder).join("package-lock.json").exists() {
            setup::npm_ci(folder)?;
        }
    }

    shell::step("gate: cargo fmt --check");
    shell::run(shell::cargo().args(["fmt", "--all", "--", "--check"]))?;

    shell::step("gate: cargo clippy --all-targets -D warnings");
    shell::run(shell::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;

    tidy::run()?;

    shell::step("gate: rustdoc with -D warnings");
    shell::run(
        shell::cargo()
            .args(["doc", "--workspace", "--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;

    shell::step("tests: unit, integration and doc tests");
    shell::run(shell::cargo().args([
        "test",
        "--workspace",
        "--all-features",
        "--exclude",
        "tests-integration",
    ]))?;

    wasm::run()?;

    // Built in the test profile, whose dependencies the tests just compiled:
    // the benches compile without a second, optimised build of everything.
    shell::step("benches: compiled, not run");
    shell::run(shell::cargo().args([
        "build",
        "--workspace",
        "--all-features",
        "--benches",
        "--exclude",
        "tests-integration",
    ]))?;

    fuzz::check(&root)?;
    edge::test(&root)?;
    eprintln!("\nxtask test: everything passed");
    Ok(())
}
