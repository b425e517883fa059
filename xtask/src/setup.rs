//! Fresh-machine set-up: each step checks first and is skipped when done.

use std::path::Path;
use std::process::Command;

use crate::shell;

/// The wasm32 target every wasm build needs.
pub(crate) const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Makes sure rustc can build for wasm32, adding the target through rustup if needed.
pub(crate) fn wasm_target() -> anyhow::Result<()> {
    shell::step("set-up: the wasm32-unknown-unknown target");
    if rustc_has_wasm_std(Path::new("rustc")) {
        eprintln!("    already installed");
        return Ok(());
    }
    shell::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// Whether `rustc` finds the wasm32 std in its sysroot.
pub(crate) fn rustc_has_wasm_std(rustc: &Path) -> bool {
    let Ok(out) = Command::new(rustc)
        .args(["--target", WASM_TARGET, "--print", "target-libdir"])
        .output()
    else {
        return false;
    };
    let libdir = String::from_utf8_lossy(&out.stdout);
    std::fs::read_dir(libdir.trim())
        .map(|entries| {
            entries.flatten().any(|entry| {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                name.starts_with("libstd-") && name.ends_with(".rlib")
            })
        })
        .unwrap_or(false)
}

/// Runs `npm ci` in `dir` (relative to the root) unless its node_modules is up to date.
pub(crate) fn npm_ci(dir: &str) -> anyhow::Result<()> {
    shell::step(&format!("set-up: npm packages in {dir}"));
    let root = shell::root();
    let folder = root.join(dir);
    let lock = folder.join("package-lock.json");
    let installed = folder.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&installed)) {
        (Ok(lock), Ok(installed)) => match (lock.modified(), installed.modified()) {
            (Ok(lock), Ok(installed)) => installed >= lock,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        eprintln!("    already installed");
        return Ok(());
    }
    shell::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(folder),
    )
}
