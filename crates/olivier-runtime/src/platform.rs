//! The one module that knows the operating system: raising the priority of
//! the Prospero thread.

use std::fmt;

/// What became of the Prospero thread's scheduling priority.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProsperoPriority {
    /// Raised above the tokio workers: the thread now runs at this nice value.
    Raised {
        /// The nice value (lower is more urgent; workers run at 0).
        nice: i32,
    },
    /// Left as it was, and why (no permission, or an OS without the call).
    Unchanged {
        /// Why it was not raised.
        reason: String,
    },
}

impl ProsperoPriority {
    /// Whether the priority was raised.
    pub fn is_raised(&self) -> bool {
        matches!(self, ProsperoPriority::Raised { .. })
    }
}

impl fmt::Display for ProsperoPriority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProsperoPriority::Raised { nice } => write!(f, "raised to nice {nice}"),
            ProsperoPriority::Unchanged { reason } => write!(f, "unchanged ({reason})"),
        }
    }
}

/// The nice value Prospero asks for: urgent, but far from real time, so a
/// runaway hook cannot starve the machine.
#[cfg(target_os = "linux")]
const PROSPERO_NICE: i32 = -10;

/// Raises the calling thread's priority where the OS allows it.
#[cfg(target_os = "linux")]
pub(crate) fn raise_current_thread() -> ProsperoPriority {
    // SAFETY: `gettid` has no preconditions; `setpriority` on PRIO_PROCESS
    // with a thread id changes only that thread's nice value on Linux.
    let result = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, PROSPERO_NICE)
    };
    if result == 0 {
        ProsperoPriority::Raised {
            nice: PROSPERO_NICE,
        }
    } else {
        ProsperoPriority::Unchanged {
            reason: format!(
                "setpriority to nice {PROSPERO_NICE} failed: {}",
                std::io::Error::last_os_error()
            ),
        }
    }
}

/// Raises the calling thread's priority where the OS allows it.
#[cfg(not(target_os = "linux"))]
pub(crate) fn raise_current_thread() -> ProsperoPriority {
    ProsperoPriority::Unchanged {
        reason: "raising a thread's priority is implemented on Linux only".to_owned(),
    }
}
