//! One connected system: its bounded send queue, whether the link is up,
//! and the writer task that drains the queue onto the socket.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Notify, mpsc, watch};

use super::endpoint::Endpoint;
use super::events::PeerEventHub;
pub(crate) use super::letter::{Lane, Letter, Outgoing};
use super::settle::Accounts;
use super::stats::Counters;
use super::stream::WriteHalf;
use super::wire::{self, ACK_TYPE, Ack};
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

/// The route to each connected system, by name: a peer takes itself out
/// when its connection ends, so a system that left holds nothing here.
pub(crate) type Routes = RwLock<HashMap<String, Arc<Peer>>>;

/// The receiving ends of a peer's lanes, most urgent first.
#[derive(Debug)]
pub(crate) struct Lanes([mpsc::Receiver<Outgoing>; Lane::COUNT]);

impl Lanes {
    /// The next frame already queued, from the most urgent lane that has one.
    fn try_next(&mut self) -> Option<Outgoing> {
        self.0.iter_mut().find_map(|lane| lane.try_recv().ok())
    }

    /// The next frame, from the most urgent lane that has one; `None`
    /// once every lane is closed and empty.
    pub(crate) async fn recv(&mut self) -> Option<Outgoing> {
        let [urgent, normal, low] = &mut self.0;
        tokio::select! {
            biased;
            Some(next) = urgent.recv() => Some(next),
            Some(next) = normal.recv() => Some(next),
            Some(next) = low.recv() => Some(next),
            else => None,
        }
    }

    fn close(&mut self) {
        for lane in &mut self.0 {
            lane.close();
        }
    }

    /// What is still queued after a close, most urgent first.
    async fn drain(&mut self) -> Vec<Outgoing> {
        let mut rest = Vec::new();
        for lane in &mut self.0 {
            while let Some(outgoing) = lane.recv().await {
                rest.push(outgoing);
            }
        }
        rest
    }
}

/// What a new connection's peer is set up with.
#[derive(Debug)]
pub(crate) struct PeerSetup {
    /// The peer's system name.
    pub(crate) system: String,
    pub(crate) addr: Endpoint,
    /// The connection's number.
    pub(crate) link: u64,
    /// The largest frame body both sides accept.
    pub(crate) max_frame_len: usize,
    /// The queue's bound in frames.
    pub(crate) capacity: usize,
    /// The queue's bound in bytes.
    pub(crate) queue_bytes: usize,
    /// The peer's own number for this connection (its hello's `link`).
    pub(crate) their_link: u64,
    /// How many messages may be written and not yet acknowledged.
    pub(crate) max_unacked: usize,
}

/// What every peer of a system shares with it.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) events: PeerEventHub,
    pub(crate) counters: Arc<Counters>,
    pub(crate) routes: Weak<Routes>,
    pub(crate) accounts: Arc<Accounts>,
}

/// A connected system.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) system: String,
    pub(crate) addr: Endpoint,
    /// This connection's number: a reply is accepted only on the
    /// connection its request went out on.
    pub(crate) link: u64,
    /// The largest frame body both sides accept.
    pub(crate) max_frame_len: usize,
    /// One queue per lane, most urgent first.
    queues: [mpsc::Sender<Outgoing>; Lane::COUNT],
    capacity: usize,
    /// Bytes of frames queued and not yet taken by the writer.
    queued: AtomicUsize,
    queue_bytes: usize,
    /// `None` while the link is up.
    ending: watch::Sender<Option<Ending>>,
    /// The peer's own number for this connection.
    pub(crate) their_link: u64,
    /// Message frames received and handled on this connection.
    received: AtomicU64,
    /// Messages written and not yet acknowledged, oldest first, with how
    /// many were written in all (`written - unacked.len()` were acked).
    unacked: Mutex<Unacked>,
    /// Woken when an acknowledgement makes room.
    room: Notify,
    /// The count the writer should acknowledge next (set by the reader
    /// after each burst), and the wake-up that says so: acknowledgements
    /// bypass the queue, so a writer waiting for room still sends them.
    ack_due: AtomicU64,
    ack_ready: Notify,
    max_unacked: usize,
    max_unacked_bytes: usize,
    /// What it shares with its system: events, counters, routes, accounts.
    shared: Shared,
}

/// Messages written to the connection and not yet acknowledged.
#[derive(Debug, Default)]
struct Unacked {
    letters: VecDeque<Letter>,
    written: u64,
    /// The frame bytes the letters stand for.
    bytes: usize,
}

impl Peer {
    pub(crate) fn new(setup: PeerSetup, shared: Shared) -> (Arc<Self>, Lanes) {
        let capacity = setup.capacity.max(1);
        let (urgent, urgent_rx) = mpsc::channel(capacity);
        let (normal, normal_rx) = mpsc::channel(capacity);
        let (low, low_rx) = mpsc::channel(capacity);
        let received = Lanes([urgent_rx, normal_rx, low_rx]);
        let peer = Arc::new(Self {
            system: setup.system,
            addr: setup.addr,
            link: setup.link,
            max_frame_len: setup.max_frame_len,
            queues: [urgent, normal, low],
            capacity,
            queued: AtomicUsize::new(0),
            queue_bytes: setup.queue_bytes,
            their_link: setup.their_link,
            received: AtomicU64::new(0),
            unacked: Mutex::default(),
            room: Notify::new(),
            ack_due: AtomicU64::new(0),
            ack_ready: Notify::new(),
            max_unacked: setup.max_unacked.max(1),
            // Four queues' worth of frames may wait for acknowledgements.
            max_unacked_bytes: setup.queue_bytes.saturating_mul(4),
            shared,
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
        let pushed = self.queues[outgoing.lane as usize].try_send(outgoing);
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
            lane: Lane::Urgent,
            frame,
            letter: None,
        });
        if let Err((_, error)) = pushed {
            Counters::count(&self.shared.counters.control_frames_dropped);
            tracing::debug!(target: "olivier::remote", peer = %self.system, %error, "control frame dropped");
        }
    }

    /// One more message frame was received and handled.
    pub(crate) fn received_one(&self) {
        self.received.fetch_add(1, Ordering::Relaxed);
    }

    /// How many message frames were received and handled so far.
    pub(crate) fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// The peer handled `received` message frames of this connection: the
    /// messages up to there are forgotten.
    pub(crate) fn acknowledge(&self, received: u64) {
        let mut unacked = self.unacked.lock();
        let acked = unacked.written - unacked.letters.len() as u64;
        let newly = received.min(unacked.written).saturating_sub(acked);
        for _ in 0..newly {
            if let Some(letter) = unacked.letters.pop_front() {
                unacked.bytes -= letter.bytes;
            }
        }
        drop(unacked);
        if newly > 0 {
            self.room.notify_one();
        }
    }

    /// Asks the writer to acknowledge `received` message frames.
    pub(crate) fn ack(&self, received: u64) {
        self.ack_due.store(received, Ordering::Release);
        self.ack_ready.notify_one();
    }

    /// Whether one more message may be written unacknowledged.
    fn has_room(&self, gathered: usize) -> bool {
        let unacked = self.unacked.lock();
        unacked.letters.len() + gathered < self.max_unacked
            && (unacked.letters.is_empty() || unacked.bytes < self.max_unacked_bytes)
    }

    /// Keeps messages about to be written until they are acknowledged.
    fn written(&self, letters: impl IntoIterator<Item = Letter>) {
        let mut unacked = self.unacked.lock();
        for letter in letters {
            unacked.bytes += letter.bytes;
            unacked.letters.push_back(letter);
            unacked.written += 1;
        }
    }

    /// The messages written and never acknowledged, with how many were.
    fn take_unacked(&self) -> (u64, Vec<Letter>) {
        let mut unacked = self.unacked.lock();
        let letters: Vec<Letter> = unacked.letters.drain(..).collect();
        unacked.bytes = 0;
        let acked = unacked.written - letters.len() as u64;
        (acked, letters)
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
    if let Some(routes) = peer.shared.routes.upgrade() {
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
    peer.shared.events.emit(PeerEvent::Disconnected {
        system: peer.system.clone(),
        addr: peer.addr.clone(),
        error,
    });
}

/// Writes queued frames in batches until the link ends; then flushes or
/// buries what is still queued, and closes the socket's write side.
pub(crate) async fn write_loop(
    system: Weak<SystemInner>,
    peer: Arc<Peer>,
    mut lanes: Lanes,
    mut socket: WriteHalf,
    (heartbeat, ping, root): (Duration, Vec<u8>, String),
) {
    let mut buffer = Vec::new();
    let mut batch = Vec::new();
    let mut acked = 0;
    let ending = loop {
        let next = tokio::select! {
            biased;
            ending = peer.closed() => break ending,
            () = peer.ack_ready.notified() => {
                ack_frame(&peer, &root, &mut acked, &mut buffer);
                if !buffer.is_empty() {
                    let written = write_out(&mut socket, &buffer, &peer).await;
                    buffer.clear();
                    if let Err(error) = written {
                        end(&peer, Ending::Lost, error);
                        break Ending::Lost;
                    }
                }
                continue;
            }
            next = lanes.recv(), if peer.has_room(0) => next,
            // As many messages written as may wait for acknowledgements.
            () = peer.room.notified(), if !peer.has_room(0) => continue,
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
        // An acknowledgement due rides ahead of the batch.
        ack_frame(&peer, &root, &mut acked, &mut buffer);
        peer.taken(first.frame.len());
        gather(first, &mut buffer, &mut batch);
        while buffer.len() < BATCH_BYTES && peer.has_room(batch.len()) {
            match lanes.try_next() {
                Some(next) => {
                    peer.taken(next.frame.len());
                    gather(next, &mut buffer, &mut batch);
                }
                None => break,
            }
        }
        // From here on a message may reach the peer, whatever the write's
        // outcome: it is kept until the peer acknowledges it.
        peer.written(batch.drain(..));
        if let Err(error) = write_out(&mut socket, &buffer, &peer).await {
            end(&peer, Ending::Lost, error);
            buffer.clear();
            break Ending::Lost;
        }
        buffer.clear();
    };
    lanes.close();
    let mut rest = Vec::new();
    for outgoing in lanes.drain().await {
        gather(outgoing, &mut buffer, &mut rest);
    }
    if ending == Ending::Flush && !buffer.is_empty() {
        peer.written(rest.drain(..));
        let flushed = tokio::time::timeout(FLUSH_GRACE, async {
            socket.write_all(&buffer).await?;
            socket.flush().await
        })
        .await;
        if !matches!(flushed, Ok(Ok(()))) {
            tracing::debug!(target: "olivier::remote", peer = %peer.system, "final flush failed");
        }
    } else {
        // Never written: certainly not delivered.
        bury(&system, &peer, rest.drain(..));
    }
    let _ = socket.shutdown().await;
    // What was written and never acknowledged waits for the peer to say
    // how much of it it handled (on a later connection), or its timeout.
    let (acked, unacked) = peer.take_unacked();
    peer.shared
        .accounts
        .lost(&system, (&peer.system, peer.link), acked, unacked);
}

/// Writes `buffer` unless the link ends meanwhile: an orderly end gives the
/// write [`FLUSH_GRACE`] to finish, a loss abandons it.
async fn write_out(
    socket: &mut WriteHalf,
    buffer: &[u8],
    peer: &Peer,
) -> Result<(), ConnectionError> {
    let write = async {
        socket.write_all(buffer).await?;
        // A WebSocket sends what it holds on a flush; TCP's is free.
        socket.flush().await
    };
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

/// Appends an acknowledgement frame to `buffer` when the reader asked for
/// a count beyond the last one written.
fn ack_frame(peer: &Peer, root: &str, acked: &mut u64, buffer: &mut Vec<u8>) {
    let due = peer.ack_due.load(Ordering::Acquire);
    if due > *acked {
        *acked = due;
        buffer.extend_from_slice(&wire::control_frame(
            wire::system_route(root),
            ACK_TYPE,
            &Ack { received: due },
        ));
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
