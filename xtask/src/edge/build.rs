//! Building the Worker with worker-build, by whichever rustc route works here.
//!
//! Route A: a rustc with the wasm32 standard library (rustup's target, added
//! explicitly when rustup is present). Route B: Debian's `rustc-web` without
//! rustup, which builds std from source (`-Z build-std` through
//! `RUSTC_BOOTSTRAP`, set only in this process's environment) behind a small
//! toolchain folder whose `rustc` passes the Debian sysroot.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::tools;
use crate::{setup, shell};

/// The crate worker-build packages.
const WORKER_CRATE: &str = "crates/conclave-worker";

/// Where the built Worker goes (`wrangler.toml`'s `main` points into it).
pub(crate) const OUT_DIR: &str = "build/worker";

/// Cargo's target folder for wasm builds, apart from native builds because
/// the release profile is overridden (size-optimised) through the environment.
const TARGET_DIR: &str = "target/conclave-wasm";

/// Which rustc builds the wasm.
#[derive(Debug)]
enum Route {
    /// A rustc whose sysroot has the wasm32 std.
    Prebuilt,
    /// Debian rustc with std built from source, through the shim folder.
    BuildStd { toolchain: PathBuf },
}

/// Builds `build/worker/index.js` and its wasm with nothing downloaded.
pub(crate) fn build(root: &Path) -> anyhow::Result<()> {
    let route = pick_route(root)?;
    shell::step(&format!("edge: worker-build ({route:?})"));
    let mut command = Command::new(tools::worker_build(root));
    command
        .current_dir(root.join(WORKER_CRATE))
        .args(["--release", "--out-dir"])
        .arg(root.join(OUT_DIR))
        .env("WASM_BINDGEN_BIN", tools::wasm_bindgen(root))
        .env("WASM_OPT_BIN", tools::node_bin(root).join("wasm-opt"))
        .env("ESBUILD_BIN", tools::esbuild(root))
        .env("CARGO_TARGET_DIR", root.join(TARGET_DIR))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("PATH", path_with(&[tools::node_bin(root)])?);
    if let Route::BuildStd { toolchain } = &route {
        command
            .env(
                "PATH",
                path_with(&[toolchain.join("bin"), tools::node_bin(root)])?,
            )
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort");
    }
    shell::run(&mut command)?;
    let main = root.join(OUT_DIR).join("index.js");
    if !main.exists() {
        bail!("worker-build succeeded but {} is missing", main.display());
    }
    Ok(())
}

fn pick_route(root: &Path) -> anyhow::Result<Route> {
    if setup::rustc_has_wasm_std(Path::new("rustc")) {
        return Ok(Route::Prebuilt);
    }
    if Command::new("rustup").arg("--version").output().is_ok() {
        setup::wasm_target()?;
        return Ok(Route::Prebuilt);
    }
    debian_toolchain(root)
}

/// Route B: a toolchain folder under `target/` whose `rustc` runs Debian's
/// rustc with its own sysroot, with an empty wasm32 lib folder that only
/// satisfies worker-build's check. Nothing under `/usr` changes.
fn debian_toolchain(root: &Path) -> anyhow::Result<Route> {
    const APT: &str = "apt-get install -y rustc-web cargo-web rust-web-src lld-22";
    let library = Path::new("/usr/lib/rustlib/src/rust/library");
    let host = Path::new("/usr/lib/rustlib/x86_64-unknown-linux-gnu");
    if !Path::new("/usr/bin/rustc").exists() || !library.exists() || !host.exists() {
        bail!(
            "no rustc can build wasm32 here: no rustup, and no Debian rustc with its std \
             source; install rustup, or run `{APT}`"
        );
    }
    if Command::new("rust-lld")
        .arg("-flavor")
        .arg("wasm")
        .arg("--version")
        .output()
        .is_err()
    {
        bail!("rust-lld does not run (its lld-22 target is missing?); run `{APT}`");
    }
    let toolchain = root.join("target/conclave-toolchain");
    let bin = toolchain.join("bin");
    let rustlib = toolchain.join("lib/rustlib");
    std::fs::create_dir_all(&bin)?;
    std::fs::create_dir_all(rustlib.join(format!("{}/lib", setup::WASM_TARGET)))?;
    link(Path::new("/usr/bin/cargo"), &bin.join("cargo"))?;
    link(host, &rustlib.join("x86_64-unknown-linux-gnu"))?;
    link(Path::new("/usr/lib/rustlib/src"), &rustlib.join("src"))?;
    let rustc = bin.join("rustc");
    let script = format!(
        "#!/bin/sh\nexec /usr/bin/rustc --sysroot \"{}\" \"$@\"\n",
        toolchain.display()
    );
    std::fs::write(&rustc, script).with_context(|| format!("writing {}", rustc.display()))?;
    make_executable(&rustc)?;
    Ok(Route::BuildStd { toolchain })
}

fn link(original: &Path, link: &Path) -> anyhow::Result<()> {
    if link.symlink_metadata().is_ok() {
        return Ok(());
    }
    std::os::unix::fs::symlink(original, link)
        .with_context(|| format!("linking {} to {}", link.display(), original.display()))
}

fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)?.permissions();
    permissions.set_mode(0o755);
    std::fs::set_permissions(path, permissions)
        .with_context(|| format!("making {} executable", path.display()))
}

/// `PATH` with `first` in front.
pub(crate) fn path_with(first: &[PathBuf]) -> anyhow::Result<std::ffi::OsString> {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let all = first.iter().cloned().chain(std::env::split_paths(&rest));
    std::env::join_paths(all).context("a tool folder has a `:` in its path")
}
