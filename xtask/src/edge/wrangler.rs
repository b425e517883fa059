//! Running wrangler: `dev` in a local workerd, and `deploy --dry-run`.
//!
//! wrangler is started directly from `node_modules/.bin` (never through npx,
//! whose wrapper mishandles signals), with node 22 from the same folder first
//! on `PATH`, metrics off and its config folder inside the project.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::build::{self, path_with};
use super::tools;
use crate::shell;

/// The env var that gives `edge dev` the socket-token secret.
const SECRET_ENV: &str = "CONCLAVE_TOKEN_SECRET";

/// Options of `edge dev`.
#[derive(Debug, Default)]
pub(crate) struct DevOptions {
    port: Option<u16>,
    persist: Option<PathBuf>,
}

impl DevOptions {
    /// Parses `[--port N] [--persist DIR]`.
    pub(crate) fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut options = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .with_context(|| format!("`{arg}` needs a value"))
            };
            match arg.as_str() {
                "--port" => {
                    let text = value()?;
                    options.port = Some(
                        text.parse()
                            .with_context(|| format!("`--port {text}` is not a port"))?,
                    );
                }
                "--persist" => options.persist = Some(PathBuf::from(value()?)),
                other => bail!("unknown `edge dev` option `{other}`"),
            }
        }
        Ok(options)
    }
}

/// A wrangler command with the project's environment.
pub(crate) fn wrangler(root: &Path) -> anyhow::Result<Command> {
    let mut command = Command::new(tools::node_bin(root).join("wrangler"));
    command
        .current_dir(root)
        .env("PATH", path_with(&[tools::node_bin(root)])?)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("XDG_CONFIG_HOME", root.join(".wrangler/config"));
    Ok(command)
}

/// A free loopback port (the OS picks it; it is released for wrangler).
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Replaces this process with `wrangler dev`, so Ctrl-C and SIGTERM reach
/// wrangler itself, which then stops both workerd processes.
pub(crate) fn dev(root: &Path, options: &DevOptions) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;

    let port = match options.port {
        Some(port) => port,
        None => free_port()?,
    };
    let persist = options
        .persist
        .clone()
        .unwrap_or_else(|| root.join(".wrangler/dev-state"));
    let mut command = wrangler(root)?;
    command
        .args(["dev", "--local", "--ip", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .arg("--persist-to")
        .arg(&persist)
        .arg("--show-interactive-dev-session=false");
    match std::env::var(SECRET_ENV) {
        Ok(secret) if !secret.is_empty() => {
            command.arg("--var").arg(format!("{SECRET_ENV}:{secret}"));
        }
        _ => eprintln!(
            "    note: {SECRET_ENV} is not set (here or in .dev.vars), so sockets get 401"
        ),
    }
    shell::step(&format!(
        "edge dev: http://127.0.0.1:{port} (state in {}); stop with Ctrl-C or `kill -TERM {}`",
        persist.display(),
        std::process::id()
    ));
    eprintln!("    $ {}", shell::describe(&command));
    let error = command.exec();
    Err(error).context("could not start wrangler dev")
}

/// `wrangler deploy --dry-run` on the built output, into `build/dry-run`.
pub(crate) fn deploy_dry_run(root: &Path) -> anyhow::Result<()> {
    shell::step("edge: wrangler deploy --dry-run");
    let outdir = root.join("build/dry-run");
    shell::run(
        wrangler(root)?
            .args(["deploy", "--dry-run", "--outdir"])
            .arg(&outdir),
    )?;
    let bundled = std::fs::read_dir(&outdir)
        .with_context(|| format!("reading {}", outdir.display()))?
        .count();
    if bundled == 0 {
        bail!(
            "wrangler deploy --dry-run wrote nothing to {}",
            outdir.display()
        );
    }
    let main = root.join(build::OUT_DIR).join("index.js");
    eprintln!("    dry run bundled {} ({bundled} files)", main.display());
    Ok(())
}

/// Tells the tests-integration tests where wrangler and the config are.
pub(crate) fn test_env(root: &Path, command: &mut Command) {
    command
        .env("CONCLAVE_WRANGLER", tools::node_bin(root).join("wrangler"))
        .env("CONCLAVE_NODE_BIN", tools::node_bin(root))
        .env("CONCLAVE_WRANGLER_CONFIG", root.join("wrangler.toml"))
        .env("CONCLAVE_BUILD_DIR", root.join(build::OUT_DIR));
}
