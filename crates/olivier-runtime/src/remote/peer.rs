//! One connected system: its bounded send queue, whether the link is up,
//! and the writer task that drains the queue onto the socket.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use alloy_actors::{ActorId, AnyMessage};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{mpsc, watch};

use super::events::PeerEventHub;
use super::{ConnectionError, PeerEvent, RemoteSendError};
use crate::dead_letters::{DeadLetter, DeadLetterReason};
use crate::kernel::SystemInner;

/// How many bytes the writer gathers from the queue before one write.
const BATCH_BYTES: usize = 256 * 1024;

/// How long a connection that ends in an orderly way (our shutdown, a
/// protocol error of the peer) may take to write what it still holds: a
/// peer that stopped reading cannot keep the writer forever.
const FLUSH_GRACE: Duration = Duration::from_secs(5);

/// How a connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Write what is queued, then close (our shutdown, or a peer that broke
    /// the protocol and gets an error frame).
    Flush,
    /// The link is gone: what is queued becomes dead letters.
    Lost,
}

/// A framed envelope waiting for the writer, with the message it carries
/// (kept for the dead letter if it never leaves).
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) frame: Vec<u8>,
    pub(crate) letter: Option<Letter>,
}

/// A message that left its sender for another system.
#[derive(Debug)]
pub(crate) struct Letter {
    pub(crate) target: ActorId,
    pub(crate) sender: Option<ActorId>,
    pub(crate) message: AnyMessage,
}

/// A connected system.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) system: String,
    pub(crate) addr: SocketAddr,
    /// The largest frame body both sides accept.
    pub(crate) max_frame_len: usize,
    queue: mpsc::Sender<Outgoing>,
    capacity: usize,
    /// `None` while the link is up.
    ending: watch::Sender<Option<Ending>>,
    /// Where its disconnection is published.
    events: PeerEventHub,
}

impl Peer {
    pub(crate) fn new(
        system: String,
        addr: SocketAddr,
        max_frame_len: usize,
        capacity: usize,
        events: PeerEventHub,
    ) -> (Arc<Self>, mpsc::Receiver<Outgoing>) {
        let capacity = capacity.max(1);
        let (queue, received) = mpsc::channel(capacity);
        let peer = Arc::new(Self {
            system,
            addr,
            max_frame_len,
            queue,
            capacity,
            events,
            ending: watch::channel(None).0,
        });
        (peer, received)
    }

    pub(crate) fn is_open(&self) -> bool {
        self.ending.borrow().is_none()
    }

    /// Marks the link as ending; true for the first caller only.
    pub(crate) fn close(&self, ending: Ending) -> bool {
        self.ending.send_if_modified(|state| {
            if state.is_none() {
                *state = Some(ending);
                true
            } else {
                false
            }
        })
    }

    /// Waits until the link is ending, and says how.
    pub(crate) async fn closed(&self) -> Ending {
        let mut watch = self.ending.subscribe();
        match watch.wait_for(Option::is_some).await {
            Ok(ending) => ending.unwrap_or(Ending::Lost),
            Err(_) => Ending::Lost,
        }
    }

    /// Queues a frame; refused when the link is down or the queue is full,
    /// the frame handed back (boxed: refusals are rare).
    pub(crate) fn push(&self, outgoing: Outgoing) -> Result<(), (Box<Outgoing>, RemoteSendError)> {
        if !self.is_open() {
            return Err((Box::new(outgoing), self.disconnected()));
        }
        self.queue.try_send(outgoing).map_err(|error| match error {
            mpsc::error::TrySendError::Full(outgoing) => (
                Box::new(outgoing),
                RemoteSendError::QueueFull {
                    system: self.system.clone(),
                    capacity: self.capacity,
                },
            ),
            mpsc::error::TrySendError::Closed(outgoing) => {
                (Box::new(outgoing), self.disconnected())
            }
        })
    }

    /// Queues a control frame (an error frame); dropped when it cannot be.
    pub(crate) fn push_control(&self, frame: Vec<u8>) {
        let pushed = self.push(Outgoing {
            frame,
            letter: None,
        });
        if let Err((_, error)) = pushed {
            tracing::debug!(target: "olivier::remote", peer = %self.system, %error, "error frame dropped");
        }
    }

    pub(crate) fn disconnected(&self) -> RemoteSendError {
        RemoteSendError::PeerDisconnected {
            system: self.system.clone(),
        }
    }
}

/// Ends the link (first caller only): publishes the event and logs.
pub(crate) fn end(peer: &Peer, ending: Ending, error: ConnectionError) {
    if !peer.close(ending) {
        return;
    }
    match &error {
        ConnectionError::ShutDown | ConnectionError::Closed => {
            tracing::info!(target: "olivier::remote", peer = %peer.system, addr = %peer.addr, %error, "connection ended");
        }
        _ => {
            tracing::warn!(target: "olivier::remote", peer = %peer.system, addr = %peer.addr, %error, "connection lost");
        }
    }
    peer.events.emit(PeerEvent::Disconnected {
        system: peer.system.clone(),
        addr: peer.addr,
        error,
    });
}

/// Writes queued frames in batches until the link ends; then flushes or
/// buries what is still queued, and closes the socket's write side.
pub(crate) async fn write_loop(
    system: Weak<SystemInner>,
    peer: Arc<Peer>,
    mut queue: mpsc::Receiver<Outgoing>,
    mut socket: OwnedWriteHalf,
) {
    let mut buffer = Vec::new();
    let mut batch = Vec::new();
    let ending = loop {
        let next = tokio::select! {
            biased;
            ending = peer.closed() => break ending,
            next = queue.recv() => next,
        };
        // The peer holds the sender, so the queue cannot end first.
        let Some(first) = next else {
            break Ending::Flush;
        };
        gather(first, &mut buffer, &mut batch);
        while buffer.len() < BATCH_BYTES {
            match queue.try_recv() {
                Ok(next) => gather(next, &mut buffer, &mut batch),
                Err(_) => break,
            }
        }
        if let Err(error) = write_out(&mut socket, &buffer, &peer).await {
            end(&peer, Ending::Lost, error);
            bury(&system, &peer, batch.drain(..));
            break Ending::Lost;
        }
        buffer.clear();
        batch.clear();
    };
    queue.close();
    let mut rest = Vec::new();
    while let Some(outgoing) = queue.recv().await {
        gather(outgoing, &mut buffer, &mut rest);
    }
    if ending == Ending::Flush && !buffer.is_empty() {
        let flushed = tokio::time::timeout(FLUSH_GRACE, socket.write_all(&buffer)).await;
        if !matches!(flushed, Ok(Ok(()))) {
            tracing::debug!(target: "olivier::remote", peer = %peer.system, "final flush failed");
            bury(&system, &peer, rest.drain(..));
        }
    } else {
        bury(&system, &peer, rest.drain(..));
    }
    let _ = socket.shutdown().await;
}

/// Writes `buffer` unless the link ends meanwhile: an orderly end gives the
/// write [`FLUSH_GRACE`] to finish, a loss abandons it.
async fn write_out(
    socket: &mut OwnedWriteHalf,
    buffer: &[u8],
    peer: &Peer,
) -> Result<(), ConnectionError> {
    let write = socket.write_all(buffer);
    tokio::pin!(write);
    let ending = tokio::select! {
        biased;
        written = &mut write => return written.map_err(ConnectionError::io("write")),
        ending = peer.closed() => ending,
    };
    match ending {
        Ending::Lost => Err(ConnectionError::Closed),
        Ending::Flush => match tokio::time::timeout(FLUSH_GRACE, &mut write).await {
            Ok(written) => written.map_err(ConnectionError::io("write")),
            Err(_) => Err(ConnectionError::Io {
                operation: "flush",
                kind: std::io::ErrorKind::TimedOut,
                detail: format!("the peer read nothing for {FLUSH_GRACE:?}"),
            }),
        },
    }
}

fn gather(outgoing: Outgoing, buffer: &mut Vec<u8>, batch: &mut Vec<Letter>) {
    buffer.extend_from_slice(&outgoing.frame);
    batch.extend(outgoing.letter);
}

/// Sends messages that never left to dead letters.
pub(crate) fn bury(
    system: &Weak<SystemInner>,
    peer: &Peer,
    letters: impl IntoIterator<Item = Letter>,
) {
    let Some(system) = system.upgrade() else {
        return;
    };
    for letter in letters {
        system.dead_letters.record(DeadLetter {
            target: letter.target,
            sender: letter.sender,
            message: letter.message,
            reason: DeadLetterReason::Unreachable(peer.disconnected()),
        });
    }
}
