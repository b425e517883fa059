//! The pinned edge tools and their idempotent installation.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::{setup, shell};

/// worker-build's version; it must accept the `worker` crate in Cargo.lock.
const WORKER_BUILD_VERSION: &str = "0.8.7";

/// Where cargo-installed tools go, relative to the root.
const TOOLS_DIR: &str = ".tools";

/// The cargo-installed `worker-build`.
pub(crate) fn worker_build(root: &Path) -> PathBuf {
    root.join(TOOLS_DIR).join("bin/worker-build")
}

/// The cargo-installed `wasm-bindgen`, the version Cargo.lock names.
pub(crate) fn wasm_bindgen(root: &Path) -> PathBuf {
    root.join(TOOLS_DIR).join("bin/wasm-bindgen")
}

/// npm's bin folder: wrangler, node 22, wasm-opt.
pub(crate) fn node_bin(root: &Path) -> PathBuf {
    root.join("node_modules/.bin")
}

/// The esbuild binary that arrives with wrangler (the version worker-build pins).
pub(crate) fn esbuild(root: &Path) -> PathBuf {
    root.join("node_modules/@esbuild/linux-x64/bin/esbuild")
}

/// Installs whatever is missing: worker-build, wasm-bindgen-cli, npm packages.
pub(crate) fn setup(root: &Path) -> anyhow::Result<()> {
    install_worker_build(root)?;
    install_wasm_bindgen(root)?;
    setup::npm_ci(".")?;
    for tool in [
        node_bin(root).join("wrangler"),
        node_bin(root).join("node"),
        esbuild(root),
    ] {
        if !tool.exists() {
            bail!("npm ci did not provide {}", tool.display());
        }
    }
    Ok(())
}

fn install_worker_build(root: &Path) -> anyhow::Result<()> {
    shell::step(&format!("edge set-up: worker-build {WORKER_BUILD_VERSION}"));
    let tool = worker_build(root);
    if installed_version(&tool).as_deref() == Some(WORKER_BUILD_VERSION) {
        eprintln!("    already installed");
        return Ok(());
    }
    shell::run(shell::cargo().current_dir(root).args([
        "install",
        "worker-build",
        "--version",
        WORKER_BUILD_VERSION,
        "--locked",
        "--force",
        "--root",
        TOOLS_DIR,
    ]))
}

fn install_wasm_bindgen(root: &Path) -> anyhow::Result<()> {
    let version = match locked_version(root, "wasm-bindgen") {
        Ok(version) => version,
        // A Cargo.lock that predates the worker crate: let cargo resolve it.
        Err(_) => {
            shell::run(shell::cargo().current_dir(root).arg("fetch"))?;
            locked_version(root, "wasm-bindgen")?
        }
    };
    shell::step(&format!("edge set-up: wasm-bindgen-cli {version}"));
    let tool = wasm_bindgen(root);
    if installed_version(&tool).as_deref() == Some(version.as_str()) {
        eprintln!("    already installed");
        return Ok(());
    }
    // Not `--locked`: its lockfile wants a webpki-roots the registry mirror
    // lacks (see docs/conclave.md).
    shell::run(shell::cargo().current_dir(root).args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &version,
        "--force",
        "--root",
        TOOLS_DIR,
    ]))
}

/// The last word of `<tool> --version`, or `None` when it does not run.
fn installed_version(tool: &Path) -> Option<String> {
    let out = Command::new(tool).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().last().map(str::to_owned)
}

/// The version of `package` in the root Cargo.lock.
pub(crate) fn locked_version(root: &Path, package: &str) -> anyhow::Result<String> {
    let path = root.join("Cargo.lock");
    let lock =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted
            && let Some(version) = lines.next().and_then(|next| {
                next.trim()
                    .strip_prefix("version = \"")
                    .and_then(|rest| rest.strip_suffix('"'))
            })
        {
            return Ok(version.to_owned());
        }
    }
    bail!("{} has no `{package}` package", path.display())
}
