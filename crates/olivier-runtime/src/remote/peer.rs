//! One connected system: its bounded send queue, whether the link is up,
//! and the writer task that drains the queue onto the socket.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use alloy_actors::{ActorId, AnyMessage};
use parking_lot::RwLock;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{mpsc, watch};

use super::events::PeerEventHub;
use super::stats::Counters;
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

/// The route to each connected system, by name: a peer takes itself out
/// when its connection ends, so a system that left holds nothing here.
pub(crate) type Routes = RwLock<HashMap<String, Arc<Peer>>>;

/// What a new connection's peer is set up with.
#[derive(Debug)]
pub(crate) struct PeerSetup {
    /// The peer's system name.
    pub(crate) system: String,
    pub(crate) addr: SocketAddr,
    /// The connection's number.
    pub(crate) link: u64,
    /// The largest frame body both sides accept.
    pub(crate) max_frame_len: usize,
    /// The queue's bound in frames.
    pub(crate) capacity: usize,
    /// The queue's bound in bytes.
    pub(crate) queue_bytes: usize,
}

/// A connected system.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) system: String,
    pub(crate) addr: SocketAddr,
    /// This connection's number: a reply is accepted only on the
    /// connection its request went out on.
    pub(crate) link: u64,
    /// The largest frame body both sides accept.
    pub(crate) max_frame_len: usize,
    queue: mpsc::Sender<Outgoing>,
    capacity: usize,
    /// Bytes of frames queued and not yet taken by the writer.
    queued: AtomicUsize,
    queue_bytes: usize,
    /// `None` while the link is up.
    ending: watch::Sender<Option<Ending>>,
    /// Where its disconnection is published.
    events: PeerEventHub,
    counters: Arc<Counters>,
    /// The routes it is one of (it leaves them as its connection ends).
    routes: Weak<Routes>,
}

impl Peer {
    pub(crate) fn new(
        setup: PeerSetup,
        events: PeerEventHub,
        (counters, routes): (Arc<Counters>, Weak<Routes>),
    ) -> (Arc<Self>, mpsc::Receiver<Outgoing>) {
        let capacity = setup.capacity.max(1);
        let (queue, received) = mpsc::channel(capacity);
        let peer = Arc::new(Self {
            system: setup.system,
            addr: setup.addr,
            link: setup.link,
            max_frame_len: setup.max_frame_len,
            queue,
            capacity,
            queued: AtomicUsize::new(0),
            queue_bytes: setup.queue_bytes,
            events,
            counters,
            routes,
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
        let len = outgoing.frame.len();
        let queued = self.queued.fetch_add(len, Ordering::AcqRel);
        if queued.saturating_add(len) > self.queue_bytes && queued > 0 {
            // Over the byte budget (a lone frame, however large, may go:
            // its size is bounded by the frame limit).
            self.queued.fetch_sub(len, Ordering::AcqRel);
            return Err((
                Box::new(outgoing),
                RemoteSendError::QueueOverBudget {
                    system: self.system.clone(),
                    bytes: self.queue_bytes,
                },
            ));
        }
        let pushed = self.queue.try_send(outgoing);
        if pushed.is_err() {
            self.queued.fetch_sub(len, Ordering::AcqRel);
        }
        pushed.map_err(|error| match error {
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
            Counters::count(&self.counters.control_frames_dropped);
            tracing::debug!(target: "olivier::remote", peer = %self.system, %error, "control frame dropped");
        }
    }

    /// The writer took `bytes` of frames off the queue.
    pub(crate) fn taken(&self, bytes: usize) {
        self.queued.fetch_sub(bytes, Ordering::AcqRel);
    }

    pub(crate) fn disconnected(&self) -> RemoteSendError {
        RemoteSendError::PeerDisconnected {
            system: self.system.clone(),
        }
    }
}

/// Ends the link (first caller only): takes the peer out of the routes
/// (unless a newer connection of its system replaced it), then publishes
/// the event and logs.
pub(crate) fn end(peer: &Peer, ending: Ending, error: ConnectionError) {
    if !peer.close(ending) {
        return;
    }
    if let Some(routes) = peer.routes.upgrade() {
        let mut routes = routes.write();
        if routes
            .get(&peer.system)
            .is_some_and(|current| current.link == peer.link)
        {
            routes.remove(&peer.system);
        }
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
    (heartbeat, ping): (Duration, Vec<u8>),
) {
    let mut buffer = Vec::new();
    let mut batch = Vec::new();
    let ending = loop {
        let next = tokio::select! {
            biased;
            ending = peer.closed() => break ending,
            next = queue.recv() => next,
            // Quiet for a while: a heartbeat keeps the peer's idle timer
            // from cutting a live link.
            () = tokio::time::sleep(heartbeat) => {
                if let Err(error) = write_out(&mut socket, &ping, &peer).await {
                    end(&peer, Ending::Lost, error);
                    break Ending::Lost;
                }
                continue;
            }
        };
        // The peer holds the sender, so the queue cannot end first.
        let Some(first) = next else {
            break Ending::Flush;
        };
        peer.taken(first.frame.len());
        gather(first, &mut buffer, &mut batch);
        while buffer.len() < BATCH_BYTES {
            match queue.try_recv() {
                Ok(next) => {
                    peer.taken(next.frame.len());
                    gather(next, &mut buffer, &mut batch);
                }
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
