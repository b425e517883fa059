//! Settings of the remote transport.

use std::time::Duration;

/// Settings of the remote transport.
///
/// ```
/// use std::time::Duration;
/// use olivier_runtime::remote::RemoteOptions;
///
/// let options = RemoteOptions::default()
///     .max_frame_len(1 << 20)
///     .queue_capacity(4096)
///     .handshake_timeout(Duration::from_secs(2));
/// assert_eq!(options.max_frame_len, 1 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteOptions {
    /// The largest frame body sent or accepted, in bytes (default 16 MiB,
    /// barewire's default).
    pub max_frame_len: usize,
    /// How many frames may wait for each connection's writer (default 1024);
    /// a send to a full queue fails with [`RemoteSendError::QueueFull`].
    pub queue_capacity: usize,
    /// How long a new connection may take to say hello (default 10 s).
    pub handshake_timeout: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            max_frame_len: barewire::frame::DEFAULT_MAX_FRAME_LEN,
            queue_capacity: 1024,
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

impl RemoteOptions {
    /// The same options with another maximum frame length.
    #[must_use]
    pub fn max_frame_len(mut self, bytes: usize) -> Self {
        self.max_frame_len = bytes;
        self
    }

    /// The same options with another queue bound per connection.
    #[must_use]
    pub fn queue_capacity(mut self, frames: usize) -> Self {
        self.queue_capacity = frames;
        self
    }

    /// The same options with another handshake timeout.
    #[must_use]
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }
}
