//! The delivery accounting across links: messages written to a connection
//! that was lost before the peer acknowledged them wait here until the
//! peer, on a later connection, says how many of them it handled
//! ([`Settle`](super::Settle)); the rest become dead letters
//! ([`RemoteSendError::LinkLost`]). Without that word within the settle
//! timeout they all do. So every message sent is either acknowledged
//! (handled by the peer, or refused there and counted) or counted here.
//!
//! The receiving side keeps, per peer system, how many message frames it
//! handled of that peer's last connection, to say so on the next one.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::error::RemoteSendError;
use super::events::{PeerEvent, PeerEventHub};
use super::letter::Letter;
use super::stats::Counters;
use crate::dead_letters::{DeadLetter, DeadLetterReason};
use crate::kernel::SystemInner;

/// How many peer systems' last counts are kept for a later settlement.
const RECORDS: usize = 1024;

/// How many early settlements one peer may have waiting.
const EARLY_PER_PEER: usize = 8;

/// A lost connection's unacknowledged messages.
#[derive(Debug)]
struct Limbo {
    /// How many of the connection's messages the peer acknowledged.
    acked: u64,
    letters: Vec<Letter>,
}

/// The accounts of a system's links.
#[derive(Debug)]
pub(crate) struct Accounts {
    /// By (peer system, our link number).
    limbo: Mutex<HashMap<(String, u64), Limbo>>,
    /// Settlements that came before their connection's loss was noticed here.
    early: Mutex<HashMap<(String, u64), (u64, Instant)>>,
    /// By peer system: its number for its last connection that ended, and
    /// how many of that connection's message frames this side handled.
    records: Mutex<HashMap<String, (u64, u64)>>,
    settle_timeout: Duration,
    events: PeerEventHub,
    counters: Arc<Counters>,
}

impl Accounts {
    pub(crate) fn new(
        settle_timeout: Duration,
        events: PeerEventHub,
        counters: Arc<Counters>,
    ) -> Self {
        Self {
            limbo: Mutex::default(),
            early: Mutex::default(),
            records: Mutex::default(),
            settle_timeout,
            events,
            counters,
        }
    }

    /// Connection `link` to `peer` was lost with `letters` written and
    /// not acknowledged (after `acked` that were): they wait for the
    /// peer's settlement, or the settle timeout.
    pub(crate) fn lost(
        self: &Arc<Self>,
        system: &Weak<SystemInner>,
        (peer, link): (&str, u64),
        acked: u64,
        letters: Vec<Letter>,
    ) {
        if letters.is_empty() {
            self.early.lock().remove(&(peer.to_owned(), link));
            self.events.emit(PeerEvent::Settled {
                system: peer.to_owned(),
                link,
                delivered: 0,
                lost: 0,
            });
            return;
        }
        let key = (peer.to_owned(), link);
        let limbo = Limbo { acked, letters };
        if let Some((received, _)) = self.early.lock().remove(&key) {
            return self.resolve(system, &key, limbo, Some(received));
        }
        self.limbo.lock().insert(key.clone(), limbo);
        let Some(inner) = system.upgrade() else {
            return self.expire(system, &key);
        };
        let (accounts, weak, timeout) = (Arc::clone(self), system.clone(), self.settle_timeout);
        let mut exit = inner.exit_watch();
        inner.handle.spawn(async move {
            tokio::select! {
                () = tokio::time::sleep(timeout) => {}
                // A system that shuts down settles what it can at once.
                _ = exit.wait_for(Option::is_some) => {}
            }
            accounts.expire(&weak, &key);
        });
    }

    /// The peer says it handled `received` message frames of our
    /// connection `link`.
    pub(crate) fn settle(&self, system: &Weak<SystemInner>, peer: &str, link: u64, received: u64) {
        let key = (peer.to_owned(), link);
        let limbo = self.limbo.lock().remove(&key);
        match limbo {
            Some(limbo) => self.resolve(system, &key, limbo, Some(received)),
            None => {
                // Kept for a settle timeout, a few per peer: a settlement
                // for a connection this side never had is forgotten.
                let mut early = self.early.lock();
                let timeout = self.settle_timeout;
                early.retain(|_, (_, at)| at.elapsed() < timeout);
                let of_peer = early.keys().filter(|(system, _)| system == peer).count();
                if early.len() < RECORDS && of_peer < EARLY_PER_PEER {
                    early.insert(key, (received, Instant::now()));
                }
            }
        }
    }

    /// The settle timeout of `key` ran out (or the system is ending).
    fn expire(&self, system: &Weak<SystemInner>, key: &(String, u64)) {
        let limbo = self.limbo.lock().remove(key);
        if let Some(limbo) = limbo {
            self.resolve(system, key, limbo, None);
        }
    }

    /// Forgets what the peer handled and counts the rest as dead letters.
    fn resolve(
        &self,
        system: &Weak<SystemInner>,
        (peer, link): &(String, u64),
        limbo: Limbo,
        received: Option<u64>,
    ) {
        let len = limbo.letters.len() as u64;
        let delivered =
            received.map_or(0, |received| received.saturating_sub(limbo.acked).min(len));
        let lost = len - delivered;
        let inner = system.upgrade();
        for letter in limbo.letters.into_iter().skip(delivered as usize) {
            Counters::count(&self.counters.messages_lost);
            if let Some(inner) = &inner {
                inner.dead_letters.record(DeadLetter {
                    target: letter.target,
                    sender: letter.sender,
                    message: letter.message,
                    reason: DeadLetterReason::Unreachable(RemoteSendError::LinkLost {
                        system: peer.clone(),
                    }),
                });
            }
        }
        if lost > 0 {
            tracing::warn!(target: "olivier::remote", %peer, link, delivered, lost, "messages lost with a link");
        }
        self.events.emit(PeerEvent::Settled {
            system: peer.clone(),
            link: *link,
            delivered,
            lost,
        });
    }

    /// A connection from `peer` (its number `their_link`) ended after this
    /// side handled `received` of its message frames.
    pub(crate) fn record(&self, peer: &str, their_link: u64, received: u64) {
        let mut records = self.records.lock();
        if records.len() >= RECORDS && !records.contains_key(peer) {
            // Full: forget an arbitrary one (that peer's messages then
            // wait out the settle timeout instead).
            if let Some(any) = records.keys().next().cloned() {
                records.remove(&any);
            }
        }
        records.insert(peer.to_owned(), (their_link, received));
    }

    /// What this side handled of `peer`'s last connection, once.
    pub(crate) fn take_record(&self, peer: &str) -> Option<(u64, u64)> {
        self.records.lock().remove(peer)
    }
}
