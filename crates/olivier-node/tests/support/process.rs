//! Real `olivier` processes for the tests: a node started and read up to
//! `ready`, clients run to completion; every wait is bounded, and a
//! process that outlives its bound is killed and the test fails.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The secret every test node and client shares (unless a test says otherwise).
pub(crate) const SECRET: &str = "the olivier-node tests' shared secret";

/// How long any one process may take to start, answer or stop.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

/// The binary under test.
pub(crate) fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_olivier")
}

/// A running `olivier node`, killed when dropped.
pub(crate) struct Node {
    child: Child,
    stdin: Option<ChildStdin>,
    /// What it printed up to and including `ready`.
    pub(crate) lines: Vec<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Node {
    /// Starts `olivier node --stdin-lifetime` with `args` and the shared
    /// secret in `ALLOY_SECRET`, and waits for its `ready` line.
    pub(crate) fn start(args: &[&str]) -> Node {
        let mut child = Command::new(binary())
            .arg("node")
            .args(args)
            .arg("--stdin-lifetime")
            .env("ALLOY_SECRET", SECRET)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the node");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("its stdout");
        let stderr = child.stderr.take().map(drain);
        let (line_sent, line) = mpsc::channel();
        std::thread::spawn(move || {
            for text in BufReader::new(stdout).lines() {
                let Ok(text) = text else { break };
                if line_sent.send(text).is_err() {
                    break;
                }
            }
        });
        let mut node = Node {
            child,
            stdin,
            lines: Vec::new(),
            stderr,
        };
        node.read_until_ready(&line);
        node
    }

    fn read_until_ready(&mut self, line: &Receiver<String>) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match line.recv_timeout(left) {
                Ok(text) => {
                    let ready = text.starts_with("ready ");
                    self.lines.push(text);
                    if ready {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!(
                        "the node was not ready within {PATIENCE:?}: {:?}",
                        self.lines
                    );
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().ok();
                    let stderr = self.stderr.take().map(|t| t.join().unwrap_or_default());
                    panic!(
                        "the node ended before it was ready ({status:?}): {:?} {stderr:?}",
                        self.lines
                    );
                }
            }
        }
    }

    /// Its process id.
    #[allow(dead_code)]
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The endpoint it printed that starts with `scheme` (`tcp://`, `unix:`, `ws://`).
    pub(crate) fn endpoint(&self, scheme: &str) -> String {
        self.lines
            .iter()
            .filter_map(|line| line.strip_prefix("listening "))
            .find(|endpoint| endpoint.starts_with(scheme))
            .unwrap_or_else(|| panic!("no {scheme} endpoint in {:?}", self.lines))
            .to_owned()
    }

    /// Closes its standard input and waits, bounded, for it to exit;
    /// answers its status and what it wrote on standard error.
    pub(crate) fn stop(mut self) -> (ExitStatus, String) {
        drop(self.stdin.take());
        let status = wait_bounded(&mut self.child, "the node's stop");
        let stderr = self.stderr.take().map(|t| t.join().unwrap_or_default());
        (status, stderr.unwrap_or_default())
    }
}

#[cfg(unix)]
impl Node {
    /// Sends it SIGTERM and waits, bounded, for it to exit; its standard
    /// input stays open, so only the signal can stop it.
    pub(crate) fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}");
        let status = wait_bounded(&mut self.child, "the node's SIGTERM");
        let stderr = self.stderr.take().map(|t| t.join().unwrap_or_default());
        (status, stderr.unwrap_or_default())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What a client run did.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Its exit status.
    pub(crate) status: ExitStatus,
    /// Its standard output.
    pub(crate) stdout: String,
    /// Its standard error.
    pub(crate) stderr: String,
}

/// Runs `olivier args...` with `secret` in `ALLOY_SECRET` (none: unset)
/// to completion, within [`PATIENCE`].
pub(crate) fn olivier(args: &[&str], secret: Option<&str>) -> Outcome {
    let mut command = Command::new(binary());
    command
        .args(args)
        .env_remove("ALLOY_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(secret) = secret {
        command.env("ALLOY_SECRET", secret);
    }
    let mut child = command.spawn().expect("run olivier");
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let status = wait_bounded(&mut child, &format!("olivier {}", args.join(" ")));
    let text =
        |t: Option<JoinHandle<String>>| t.map(|t| t.join().unwrap_or_default()).unwrap_or_default();
    Outcome {
        status,
        stdout: text(stdout),
        stderr: text(stderr),
    }
}

/// Runs `olivier args...` with the shared secret and asserts it succeeds;
/// answers its standard output, trimmed.
pub(crate) fn ok(args: &[&str]) -> String {
    let outcome = olivier(args, Some(SECRET));
    assert!(
        outcome.status.success(),
        "olivier {} failed: {outcome:?}",
        args.join(" ")
    );
    outcome.stdout.trim().to_owned()
}

fn drain(mut from: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = from.read_to_string(&mut text);
        text
    })
}

fn wait_bounded(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what} did not end within {PATIENCE:?}: killed");
            }
        }
    }
}

/// A fresh folder for this test's files (Unix sockets, secret files).
pub(crate) fn scratch(test: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("olivier-node-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("a scratch folder");
    folder
}

/// `unix:` followed by `path`.
pub(crate) fn unix(path: &Path) -> String {
    format!("unix:{}", path.display())
}
