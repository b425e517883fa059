//! Starting and stopping `wrangler dev` (local workerd) for one test.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long objects wait for an ask's reply before answering `ERROR Timeout`.
pub const ASK_DEADLINE: Duration = Duration::from_secs(2);

/// How many times [`Wrangler::start`] tries when the ports it picked were taken.
const START_ATTEMPTS: u32 = 3;

/// How long wrangler may take to answer its first health check.
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// Where wrangler and the project's `wrangler.toml` are, as `cargo xtask edge test` says.
#[derive(Debug, Clone)]
pub struct WranglerConfig {
    wrangler: PathBuf,
    node_bin: PathBuf,
    config: PathBuf,
}

impl WranglerConfig {
    /// Reads `CONCLAVE_WRANGLER`, `CONCLAVE_NODE_BIN` and `CONCLAVE_WRANGLER_CONFIG`.
    ///
    /// # Errors
    ///
    /// When they are not set, which means the tests were not started by
    /// `cargo xtask edge test` (or `cargo xtask test`): the test fails, it
    /// never passes without having run.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| {
            std::env::var_os(name).map(PathBuf::from).with_context(|| {
                format!(
                    "{name} is not set: these tests drive a real wrangler/workerd, \
                     run them with `cargo xtask edge test`"
                )
            })
        };
        let config = Self {
            wrangler: var("CONCLAVE_WRANGLER")?,
            node_bin: var("CONCLAVE_NODE_BIN")?,
            config: var("CONCLAVE_WRANGLER_CONFIG")?,
        };
        for path in [&config.wrangler, &config.config] {
            if !path.exists() {
                bail!(
                    "{} does not exist: run `cargo xtask edge setup`",
                    path.display()
                );
            }
        }
        Ok(config)
    }
}

/// A running `wrangler dev`, stopped with SIGTERM on [`stop`](Wrangler::stop) or drop.
#[derive(Debug)]
pub struct Wrangler {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl Wrangler {
    /// Starts wrangler on a free loopback port with state in `persist` and
    /// the socket-token secret `secret`, and waits until it answers.
    ///
    /// A free port can be taken by another process between the moment it is
    /// found and the moment wrangler binds it (tests start wranglers in
    /// parallel): wrangler then exits with "Address already in use", and is
    /// started again on other ports, up to three times.
    ///
    /// # Errors
    ///
    /// When wrangler cannot start or does not answer in time; the error
    /// carries the end of its log.
    pub fn start(config: &WranglerConfig, persist: &Path, secret: &str) -> anyhow::Result<Self> {
        let mut attempt = 1;
        loop {
            match Self::start_once(config, persist, secret) {
                Err(error)
                    if attempt < START_ATTEMPTS
                        && format!("{error:#}").contains("Address already in use") =>
                {
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    fn start_once(config: &WranglerConfig, persist: &Path, secret: &str) -> anyhow::Result<Self> {
        let port = free_port()?;
        let inspector = free_port()?;
        let log = persist.with_extension(format!("{port}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let root = config.config.parent().unwrap_or(Path::new("."));
        let path = std::env::join_paths(std::iter::once(config.node_bin.clone()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))?;
        let child = Command::new(&config.wrangler)
            .current_dir(root)
            .args(["dev", "--local", "--ip", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .arg("--inspector-port")
            .arg(inspector.to_string())
            .arg("--config")
            .arg(&config.config)
            .arg("--persist-to")
            .arg(persist)
            .arg("--var")
            .arg(format!("CONCLAVE_TOKEN_SECRET:{secret}"))
            .arg("--var")
            .arg(format!(
                "CONCLAVE_ASK_TIMEOUT_MS:{}",
                ASK_DEADLINE.as_millis()
            ))
            .arg("--show-interactive-dev-session=false")
            .env("PATH", path)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("XDG_CONFIG_HOME", root.join(".wrangler/config"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {}", config.wrangler.display()))?;
        let mut wrangler = Self {
            child: Some(child),
            port,
            log,
        };
        wrangler.wait_ready()?;
        Ok(wrangler)
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The end of wrangler's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("wrangler exited with {status}:\n{}", self.log_tail());
            }
            if let Ok(answer) = super::get(self.port, "/health")
                && answer.status == 200
            {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!(
                    "wrangler did not answer on port {} within {READY_TIMEOUT:?}:\n{}",
                    self.port,
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops wrangler with SIGTERM (which also stops its workerd processes)
    /// and waits for it to exit.
    ///
    /// # Errors
    ///
    /// When it does not exit within 20 s (it is then killed).
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.terminate()
    }

    fn terminate(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .context("running kill -TERM")?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.kill()?;
        child.wait()?;
        bail!("wrangler ignored SIGTERM for 20 s and was killed")
    }
}

impl Drop for Wrangler {
    fn drop(&mut self) {
        if let Err(error) = self.terminate() {
            eprintln!("stopping wrangler: {error:#}");
        }
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}
