//! What the remote transport refused or lost, counted: every refusal is
//! typed where it happens and counted here.

use std::sync::atomic::{AtomicU64, Ordering};

/// How many times the remote transport refused or dropped something since
/// the system started ([`ActorSystem::remote_stats`](crate::ActorSystem::remote_stats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteStats {
    /// Connections closed at once because the listener was full.
    pub connections_refused: u64,
    /// Handshakes that failed for any reason (timeouts, malformed or
    /// oversized hellos, bad or long names, protocol mismatches,
    /// authentication).
    pub handshakes_failed: u64,
    /// Of those, peers that did not prove they know the secret.
    pub authentication_failures: u64,
    /// Authenticated connections refused because their system was
    /// already connected.
    pub name_conflicts: u64,
    /// Frames that were not envelopes, or envelopes of the wrong kind.
    pub bad_frames: u64,
    /// Messages from peers refused here (unknown target, wrong type,
    /// undecodable, full mailbox): each is also a dead letter.
    pub messages_refused: u64,
    /// Answers to asks that came over another connection than their
    /// request, or for no pending ask: refused and counted, never accepted.
    pub forged_replies: u64,
    /// Error frames and heartbeats dropped because their queue was full.
    pub control_frames_dropped: u64,
    /// Connections closed because nothing arrived for the idle timeout.
    pub idle_timeouts: u64,
    /// Messages written to a connection that was lost before the peer
    /// acknowledged them, and that the peer did not say it handled: each
    /// is also a dead letter ([`RemoteSendError::LinkLost`](super::RemoteSendError::LinkLost)).
    pub messages_lost: u64,
}

/// The counters behind [`RemoteStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) connections_refused: AtomicU64,
    pub(crate) handshakes_failed: AtomicU64,
    pub(crate) authentication_failures: AtomicU64,
    pub(crate) name_conflicts: AtomicU64,
    pub(crate) bad_frames: AtomicU64,
    pub(crate) messages_refused: AtomicU64,
    pub(crate) forged_replies: AtomicU64,
    pub(crate) control_frames_dropped: AtomicU64,
    pub(crate) idle_timeouts: AtomicU64,
    pub(crate) messages_lost: AtomicU64,
}

impl Counters {
    /// Adds one to `counter`.
    pub(crate) fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> RemoteStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        RemoteStats {
            connections_refused: read(&self.connections_refused),
            handshakes_failed: read(&self.handshakes_failed),
            authentication_failures: read(&self.authentication_failures),
            name_conflicts: read(&self.name_conflicts),
            bad_frames: read(&self.bad_frames),
            messages_refused: read(&self.messages_refused),
            forged_replies: read(&self.forged_replies),
            control_frames_dropped: read(&self.control_frames_dropped),
            idle_timeouts: read(&self.idle_timeouts),
            messages_lost: read(&self.messages_lost),
        }
    }
}
