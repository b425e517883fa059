//! Small synchronisation helpers shared by the contenders: a count-down
//! latch usable from any executor, and a quiet panic hook.

use std::fmt;
use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// Counted down by every idle actor's start hook in the spawn workload.
///
/// A global, so the idle actors hold nothing but their `u64` state.
pub static STARTED: Latch = Latch::new();

/// Counted down once per finished pair in the ping-pong workload.
pub static PAIRS_DONE: Latch = Latch::new();

/// A count-down latch: [`Latch::arm`] with a count, [`Latch::count_down`]
/// from anywhere, [`Latch::wait`] until it reaches zero. It needs no
/// particular runtime (it works under actix's single-threaded arbiter as on
/// tokio's workers).
#[derive(Debug)]
pub struct Latch {
    remaining: AtomicUsize,
    reached_zero: Notify,
}

impl Latch {
    /// A latch at zero.
    pub const fn new() -> Self {
        Self {
            remaining: AtomicUsize::new(0),
            reached_zero: Notify::const_new(),
        }
    }

    /// Sets the count; call before anything counts down.
    pub fn arm(&self, count: usize) {
        self.remaining.store(count, Ordering::Release);
    }

    /// Counts one down, waking the waiter at zero.
    pub fn count_down(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.reached_zero.notify_one();
        }
    }

    /// Waits until the count is zero.
    pub async fn wait(&self) {
        while self.remaining.load(Ordering::Acquire) != 0 {
            // A wake-up left over from an earlier round only costs one more
            // look at the count.
            self.reached_zero.notified().await;
        }
    }
}

impl Default for Latch {
    fn default() -> Self {
        Self::new()
    }
}

/// The panic hook as `std::panic::take_hook` returns it.
type PanicHook = Box<dyn Fn(&panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Silences the panic hook while alive and puts the previous one back after.
///
/// Used where the failure idiom is a panic (the raw tokio restarts), so that
/// thousands of panic messages on stderr do not become the measurement.
pub struct QuietPanics {
    previous: Option<PanicHook>,
}

impl QuietPanics {
    /// Installs a hook that prints nothing.
    pub fn install() -> Self {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(|_| {}));
        Self {
            previous: Some(previous),
        }
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            panic::set_hook(previous);
        }
    }
}

impl fmt::Debug for QuietPanics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QuietPanics")
    }
}
