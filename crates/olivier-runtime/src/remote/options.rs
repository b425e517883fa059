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
    /// The largest frame body sent or accepted after the handshake, in
    /// bytes (default 1 MiB). Before it, a frame may be at most
    /// [`HANDSHAKE_FRAME_LEN`] bytes.
    pub max_frame_len: usize,
    /// How many frames may wait for each connection's writer (default 1024);
    /// a send to a full queue fails with
    /// [`RemoteSendError::QueueFull`](super::RemoteSendError::QueueFull).
    pub queue_capacity: usize,
    /// How many bytes of frames may wait for each connection's writer
    /// (default 4 MiB); with the partial frame its reader holds (at most
    /// [`Self::max_frame_len`]) this bounds what one connection buffers.
    pub queue_bytes: usize,
    /// How long a new connection may take for its whole handshake (default
    /// 5 s): a peer that trickles its hello is cut off.
    pub handshake_timeout: Duration,
    /// How long a connection may go without receiving a frame after its
    /// handshake (default 30 s); each side sends a heartbeat after a
    /// quarter of it without traffic, so only a dead or mute peer is cut.
    pub idle_timeout: Duration,
    /// How many connections a listener holds at once, handshaking or
    /// running (default 256); one more is closed at once and counted.
    pub max_connections: usize,
    /// How many of those connections may be in their handshake at once
    /// (default 64): strangers that never finish one cannot take every
    /// slot from peers that would.
    pub max_handshakes: usize,
    /// The longest system name a peer may announce (default 255 bytes).
    pub max_name_len: usize,
    /// How many messages a connection may have written without the
    /// peer's acknowledgement (default 65 536), and at most four times
    /// [`Self::queue_bytes`] of their frames: the writer waits for acks
    /// beyond either, so what is kept for the accounting stays bounded.
    pub max_unacked: usize,
    /// How long messages written to a lost connection and never
    /// acknowledged wait for the peer to come back and say how many it
    /// handled (default 10 s); then they all become dead letters
    /// ([`RemoteSendError::LinkLost`](super::RemoteSendError::LinkLost)).
    pub settle_timeout: Duration,
    /// The first wait between reconnection attempts of a kept connection
    /// ([`ActorSystem::keep_connected`](crate::ActorSystem::keep_connected)),
    /// default 100 ms; it doubles after each failed attempt.
    pub reconnect_min: Duration,
    /// The longest wait between reconnection attempts (default 10 s).
    pub reconnect_max: Duration,
}

/// The largest frame accepted before a connection is authenticated.
pub const HANDSHAKE_FRAME_LEN: usize = 4096;

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            max_frame_len: 1 << 20,
            queue_capacity: 1024,
            queue_bytes: 4 << 20,
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            max_connections: 256,
            max_handshakes: 64,
            max_name_len: 255,
            max_unacked: 1 << 16,
            settle_timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(10),
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

    /// The same options with another byte bound on each connection's queue.
    #[must_use]
    pub fn queue_bytes(mut self, bytes: usize) -> Self {
        self.queue_bytes = bytes;
        self
    }

    /// The same options with another handshake timeout.
    #[must_use]
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// The same options with another idle timeout (heartbeats go out at a
    /// quarter of it).
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The same options with another bound on a listener's connections.
    #[must_use]
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// The same options with another bound on unacknowledged messages.
    #[must_use]
    pub fn max_unacked(mut self, messages: usize) -> Self {
        self.max_unacked = messages;
        self
    }

    /// The same options with other reconnection waits (the first, and
    /// the longest).
    #[must_use]
    pub fn reconnect_backoff(mut self, first: Duration, longest: Duration) -> Self {
        self.reconnect_min = first;
        self.reconnect_max = longest;
        self
    }

    /// The same options with another settle timeout.
    #[must_use]
    pub fn settle_timeout(mut self, timeout: Duration) -> Self {
        self.settle_timeout = timeout;
        self
    }

    /// The same options with another bound on connections in their handshake.
    #[must_use]
    pub fn max_handshakes(mut self, connections: usize) -> Self {
        self.max_handshakes = connections;
        self
    }

    /// The same options with another bound on a peer's system name.
    #[must_use]
    pub fn max_name_len(mut self, bytes: usize) -> Self {
        self.max_name_len = bytes;
        self
    }
}
