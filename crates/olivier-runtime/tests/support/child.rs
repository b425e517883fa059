//! A test that runs its own test binary again as a child process, to play
//! the other side (a process restart, a second system).
//!
//! The child runs the same test alone (`--exact`) with [`CHILD_OF`] set, and
//! the test plays the child's part when [`is_child`] says so: no separate
//! helper test exists that a normal run would count as passing while it
//! does nothing.
#![allow(dead_code, unreachable_pub)]

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Set in the child process: the name of the test it runs for.
pub const CHILD_OF: &str = "OLIVIER_TEST_CHILD_OF";

/// Whether this process is the child of `test`.
pub fn is_child(test: &str) -> bool {
    std::env::var(CHILD_OF).is_ok_and(|of| of == test)
}

/// Runs `test` (the caller's own name) alone in a child process, as its
/// child; a panic in the child's part makes the child exit with a failure
/// status. Unknown names run no test and print nothing, which the caller's
/// parsing of the child's output catches.
///
/// A child process starts no child of its own: a test that failed to see
/// it is the child (and so played the parent again) fails instead of
/// starting processes without end.
pub fn command(test: &str) -> Command {
    assert!(
        std::env::var_os(CHILD_OF).is_none(),
        "the child process of a test started a child process of its own"
    );
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_OF, test);
    command
}

/// A running child process, killed when dropped: a parent that fails (or
/// finishes) early does not leave it running or keep readers of its
/// output waiting.
#[derive(Debug)]
pub struct KillOnDrop(pub std::process::Child);

impl std::ops::Deref for KillOnDrop {
    type Target = std::process::Child;

    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // It may have exited already: nothing to do then.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `command` to its end, its stdin empty and its output read off the
/// async workers: what it printed and how it exited. Panics after
/// `patience`, and the child is killed then (as when the caller fails), so
/// its pipes close and the reads end.
pub async fn output(command: &mut Command, patience: Duration) -> Output {
    let mut child = KillOnDrop(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the child process"),
    );
    let read = |mut pipe: Box<dyn Read + Send>| {
        tokio::task::spawn_blocking(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).map(|_| bytes)
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("the child's stdout")));
    let stderr = read(Box::new(child.stderr.take().expect("the child's stderr")));
    let finished = async {
        let stdout = stdout.await.expect("the reader's task");
        let stderr = stderr.await.expect("the reader's task");
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the child") {
                break status;
            }
            // Its pipes are closed: it has exited, or is about to.
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        Output {
            status,
            stdout: stdout.expect("read the child's stdout"),
            stderr: stderr.expect("read the child's stderr"),
        }
    };
    match tokio::time::timeout(patience, finished).await {
        Ok(output) => output,
        Err(_) => panic!("the child process did not finish within {patience:?}"),
    }
}
