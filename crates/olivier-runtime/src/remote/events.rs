//! What happens to connections: [`PeerEvent`]s, published as a stream.

use tokio::sync::broadcast;

use super::ConnectionError;
use super::endpoint::Endpoint;

/// Something that happened to a connection with another system.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerEvent {
    /// A handshake succeeded: messages to `system`'s ids go over this
    /// connection from now on.
    Connected {
        /// The peer's system name.
        system: String,
        /// Its address.
        addr: Endpoint,
    },
    /// A connection ended; its queued messages went to dead letters unless
    /// this system was the one shutting down (then they were written first).
    Disconnected {
        /// The peer's system name.
        system: String,
        /// Its address.
        addr: Endpoint,
        /// Why: the peer closed, a socket or framing error, or our shutdown.
        error: ConnectionError,
    },
    /// A connection's accounting closed, once it ended: the messages
    /// written to it and never acknowledged (possibly none) were settled: `delivered` of them were handled by the peer (it said
    /// so on a later connection), `lost` became dead letters
    /// ([`RemoteSendError::LinkLost`](super::RemoteSendError::LinkLost)).
    Settled {
        /// The peer's system name.
        system: String,
        /// This side's number of the lost connection.
        link: u64,
        /// How many the peer handled.
        delivered: u64,
        /// How many became dead letters.
        lost: u64,
    },
    /// A kept connection ([`ActorSystem::keep_connected`](crate::ActorSystem::keep_connected))
    /// could not be opened; the next attempt comes `after` this long.
    Reconnecting {
        /// Where it connects.
        endpoint: Endpoint,
        /// How many attempts failed in a row.
        attempt: u32,
        /// The wait before the next one.
        after: std::time::Duration,
        /// Why this one failed.
        detail: String,
    },
    /// An incoming connection failed its handshake and was closed (after an
    /// error frame, when one could be written).
    Refused {
        /// The address it came from.
        addr: Endpoint,
        /// Why.
        error: ConnectionError,
    },
    /// A connected peer sent a frame that is not an envelope, or an envelope
    /// of a kind that makes no sense; it was answered with an error frame
    /// and the connection kept.
    BadFrame {
        /// The peer's system name.
        system: String,
        /// What was wrong.
        error: ConnectionError,
    },
}

/// The publishing side, kept by the system (and by each peer, a clone).
#[derive(Debug, Clone)]
pub(crate) struct PeerEventHub {
    stream: broadcast::Sender<PeerEvent>,
}

impl PeerEventHub {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            stream: broadcast::channel(capacity.max(1)).0,
        }
    }

    pub(crate) fn emit(&self, event: PeerEvent) {
        // Nobody listening is fine.
        let _ = self.stream.send(event);
    }

    pub(crate) fn subscribe(&self) -> PeerEvents {
        PeerEvents {
            receiver: self.stream.subscribe(),
            missed: 0,
        }
    }
}

/// A stream of the [`PeerEvent`]s emitted after it was opened, from
/// [`ActorSystem::peer_events`](crate::ActorSystem::peer_events).
///
/// Like [`DeadLetters`](crate::DeadLetters), it keeps a bounded backlog; a
/// reader that falls behind skips the oldest events ([`PeerEvents::missed`]).
#[derive(Debug)]
pub struct PeerEvents {
    receiver: broadcast::Receiver<PeerEvent>,
    missed: u64,
}

impl PeerEvents {
    /// The next event, or `None` once the system is gone.
    pub async fn recv(&mut self) -> Option<PeerEvent> {
        loop {
            match self.receiver.recv().await {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(skipped)) => self.missed += skipped,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// How many events this reader skipped because it fell behind.
    pub fn missed(&self) -> u64 {
        self.missed
    }
}
