//! A test that runs its own test binary again as a child process, to play
//! the other side (a process restart, a second system).
//!
//! The child runs the same test alone (`--exact`) with [`CHILD_OF`] set, and
//! the test plays the child's part when [`is_child`] says so: no separate
//! helper test exists that a normal run would count as passing while it
//! does nothing.
#![allow(dead_code, unreachable_pub)]

use std::process::Command;

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
pub fn command(test: &str) -> Command {
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
