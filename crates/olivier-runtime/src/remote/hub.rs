//! A system's remote side: its peers, the decoders of the message types its
//! actors accept, and its connection events; the kernel reaches it as its
//! [`Outbound`].

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use alloy_actors::runtime::DynBehavior;
use alloy_actors::{ActorId, ActorPriority, AnyMessage, AnySpec};
use barewire::{CorrelationId, Kind};
use parking_lot::{Mutex, RwLock};
use tokio::sync::Semaphore;

use super::auth::Secret;
use super::endpoint::Endpoint;
use super::error::{ConnectionError, RemoteSendError};
use super::events::PeerEventHub;
use super::listener::SocketFile;
use super::options::RemoteOptions;
use super::peer::{Lane, Letter, Outgoing, Peer, Routes, Shared};
use super::selector::TransportSelector;
use super::settle::Accounts;
use super::stats::{Counters, RemoteStats};
use super::tls::TlsConfig;
use super::wire::{self, DOWN_TYPE, Down, Hello, REMOTE_PROTOCOL, Route, WATCH_TYPE, Watch};
use crate::dead_letters::DeadLetterReason;
use crate::kernel::{Outbound, SystemInner, Undelivered};

/// A system's remote side: its peers, how to decode each accepted message
/// type, and its connection events.
pub(crate) struct Remote {
    pub(super) options: RemoteOptions,
    /// The system's name and its root id's text (the source of frames no
    /// actor sent).
    pub(super) name: String,
    pub(super) root: String,
    /// The route to each connected system.
    pub(super) peers: Arc<Routes>,
    /// A behavior per accepted message type, to decode incoming payloads.
    pub(super) decoders: RwLock<HashMap<TypeId, Arc<dyn DynBehavior>>>,
    /// The endpoints this system listens on, as bound.
    pub(super) listening: Mutex<Vec<Endpoint>>,
    /// The socket files of its Unix listeners, removed when it ends.
    pub(super) socket_files: Mutex<Vec<SocketFile>>,
    pub(super) events: PeerEventHub,
    /// Which transport each message pattern takes.
    pub(super) selector: TransportSelector,
    /// TLS for `tls://` and `wss://` endpoints.
    pub(super) tls: TlsConfig,
    /// What every peer must prove it knows; `None`: no connection at all.
    pub(super) secret: Option<Secret>,
    /// The listener's connection slots.
    pub(super) slots: Arc<Semaphore>,
    /// The slots of connections still in their handshake.
    pub(super) handshakes: Arc<Semaphore>,
    pub(super) counters: Arc<Counters>,
    /// The delivery accounting of lost connections.
    pub(super) accounts: Arc<Accounts>,
    /// Which systems watch which of this system's actors, each with the
    /// id as that watcher wrote it (a name, say).
    watched: Mutex<Watches>,
}

/// The watches other systems hold on this system's actors.
#[derive(Debug, Default)]
struct Watches {
    /// By watched actor: each watcher system, with the id as it wrote it.
    by_actor: HashMap<ActorId, Vec<(String, String)>>,
    /// How many each watcher system holds.
    per_peer: HashMap<String, usize>,
    total: usize,
}

/// How many of its actors a system lets other systems watch in all.
const MAX_WATCHES: usize = 1 << 16;

/// How many watches one peer system may hold here.
const MAX_WATCHES_PER_PEER: usize = 4096;

impl Remote {
    pub(crate) fn new(
        root: &ActorId,
        options: RemoteOptions,
        (secret, selector, tls): (Option<Secret>, TransportSelector, TlsConfig),
        backlog: usize,
    ) -> Self {
        let counters = Arc::<Counters>::default();
        let events = PeerEventHub::new(backlog);
        let accounts = Arc::new(Accounts::new(
            options.settle_timeout,
            events.clone(),
            Arc::clone(&counters),
        ));
        Self {
            secret,
            selector,
            tls,
            slots: Arc::new(Semaphore::new(options.max_connections)),
            handshakes: Arc::new(Semaphore::new(options.max_handshakes)),
            counters,
            accounts,
            options,
            name: root.path().to_owned(),
            root: root.to_string(),
            peers: Arc::default(),
            decoders: RwLock::default(),
            listening: Mutex::default(),
            socket_files: Mutex::default(),
            watched: Mutex::default(),
            events,
        }
    }

    /// Remembers how to decode the messages `spec`'s actor accepts.
    fn learn_decoder(&self, spec: &AnySpec) {
        let behavior = spec.behavior();
        let type_id = behavior.message_type_id();
        if !self.decoders.read().contains_key(&type_id) {
            self.decoders.write().insert(type_id, Arc::clone(behavior));
        }
    }

    /// Decodes a payload as the message type `type_id`, filling it exactly.
    pub(super) fn decode(&self, type_id: TypeId, payload: &[u8]) -> Result<AnyMessage, String> {
        let behavior = self.decoders.read().get(&type_id).cloned();
        let Some(behavior) = behavior else {
            return Err("no decoder for the actor's message type".to_owned());
        };
        let mut input = barewire::Deserializer::new(payload);
        let message = behavior
            .decode_message(&mut <dyn erased_serde::Deserializer<'_>>::erase(&mut input))
            .map_err(|error| error.to_string())?;
        input.end().map_err(|error| error.to_string())?;
        Ok(message)
    }

    /// This side's hello for its new connection `link`, with a fresh nonce.
    pub(super) fn hello(&self, link: u64) -> Hello {
        Hello {
            protocol: REMOTE_PROTOCOL,
            system: self.name.clone(),
            max_frame_len: self.options.max_frame_len as u64,
            nonce: crate::random::nonce(),
            link,
        }
    }

    /// What a new peer of this system shares with it.
    pub(super) fn shared(&self) -> Shared {
        Shared {
            events: self.events.clone(),
            counters: Arc::clone(&self.counters),
            routes: Arc::downgrade(&self.peers),
            accounts: Arc::clone(&self.accounts),
        }
    }

    /// A new connection's number.
    pub(super) fn next_link(&self) -> u64 {
        // Random, so a settlement about a previous process's connection
        // can never match one of this process's (and never 0, a local
        // ask's slot).
        crate::random::unguessable_u64() | 1
    }

    /// `peer` watches `actor` (it wrote it `as_written`); false when this
    /// system keeps as many watches as it may.
    pub(super) fn watched_by(&self, actor: ActorId, peer: &str, as_written: String) -> bool {
        let mut watches = self.watched.lock();
        // Each peer gets its share, so one cannot use up the others'.
        let of_peer = watches.per_peer.get(peer).copied().unwrap_or(0);
        if of_peer >= MAX_WATCHES_PER_PEER || watches.total >= MAX_WATCHES {
            return false;
        }
        if watches
            .by_actor
            .get(&actor)
            .is_some_and(|watchers| watchers.iter().any(|(p, w)| p == peer && *w == as_written))
        {
            // Watched already: one Down will say it.
            return true;
        }
        *watches.per_peer.entry(peer.to_owned()).or_default() += 1;
        watches.total += 1;
        watches
            .by_actor
            .entry(actor)
            .or_default()
            .push((peer.to_owned(), as_written));
        true
    }

    /// The watchers of `actor`, which has just been found gone, hear it.
    pub(super) fn actor_gone_now(&self, actor: &ActorId) {
        Outbound::actor_gone(self, actor, "it stopped");
    }

    /// The link to `peer` ended: its watches go.
    pub(super) fn forget_watches_of(&self, peer: &str) {
        let mut watches = self.watched.lock();
        let Some(held) = watches.per_peer.remove(peer) else {
            return;
        };
        watches.total -= held;
        watches.by_actor.retain(|_, watchers| {
            watchers.retain(|(system, _)| system != peer);
            !watchers.is_empty()
        });
    }

    /// Sends `peer` a [`Down`] for `as_written`.
    pub(super) fn send_down(&self, peer: &str, as_written: &str, reason: &str) {
        if let Ok(route) = self.route(peer) {
            let down = Down {
                target: as_written.to_owned(),
                reason: reason.to_owned(),
            };
            route.push_control(wire::control_frame(
                wire::system_route(&self.root),
                DOWN_TYPE,
                &down,
            ));
        }
    }

    /// Whether a live connection of `system` is its route.
    pub(super) fn is_live(&self, system: &str) -> bool {
        self.peers
            .read()
            .get(system)
            .is_some_and(|peer| peer.is_open())
    }

    /// Makes `peer` the route to its system, unless a live connection of
    /// that system is the route already: a name is never taken over while
    /// its connection is up (an older, ended one is replaced).
    pub(super) fn register(&self, peer: Arc<Peer>) -> Result<(), ConnectionError> {
        let mut peers = self.peers.write();
        if let Some(live) = peers.get(&peer.system)
            && live.is_open()
        {
            Counters::count(&self.counters.name_conflicts);
            return Err(ConnectionError::NameTaken {
                system: peer.system.clone(),
            });
        }
        peers.insert(peer.system.clone(), peer);
        Ok(())
    }

    pub(super) fn peer(&self, system: &str) -> Option<Arc<Peer>> {
        self.peers.read().get(system).cloned()
    }

    /// Sends a tell to an actor of another system (a `Reply` envelope when
    /// the target is an ask's reply id).
    fn send_tell(
        &self,
        target: &ActorId,
        message: AnyMessage,
        priority: ActorPriority,
        sender: Option<&ActorId>,
    ) -> Result<(), Undelivered> {
        let (kind, correlation) = if target.is_ask_reply() {
            let correlation = CorrelationId::from(u128::from(target.instance()));
            (Kind::Reply, Some(correlation))
        } else {
            (Kind::Tell, None)
        };
        self.send_as(kind, target, message, priority, sender, correlation)
            .map(drop)
    }

    /// Encodes a message and queues it on the connection to its target's
    /// system; answers that connection.
    pub(super) fn send_as(
        &self,
        kind: Kind,
        target: &ActorId,
        message: AnyMessage,
        priority: ActorPriority,
        sender: Option<&ActorId>,
        correlation: Option<CorrelationId>,
    ) -> Result<Arc<Peer>, Undelivered> {
        match self.route(target.system()) {
            Ok(peer) => self.send_on(peer, kind, target, message, priority, sender, correlation),
            Err(error) => Err(Undelivered {
                reason: DeadLetterReason::Unreachable(error),
                message,
            }),
        }
    }

    /// The live connection to `system`.
    pub(super) fn route(&self, system: &str) -> Result<Arc<Peer>, RemoteSendError> {
        let Some(peer) = self.peer(system) else {
            return Err(RemoteSendError::NoRoute {
                system: system.to_owned(),
            });
        };
        if !peer.is_open() {
            return Err(peer.disconnected());
        }
        Ok(peer)
    }

    /// Encodes a message and queues it on `peer`'s connection; answers it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_on(
        &self,
        peer: Arc<Peer>,
        kind: Kind,
        target: &ActorId,
        message: AnyMessage,
        priority: ActorPriority,
        sender: Option<&ActorId>,
        correlation: Option<CorrelationId>,
    ) -> Result<Arc<Peer>, Undelivered> {
        let unreachable = |error, message| Undelivered {
            reason: DeadLetterReason::Unreachable(error),
            message,
        };
        let system = target.system();
        let source = sender.map(ToString::to_string);
        let target_text = target.to_string();
        let route = Route {
            kind,
            priority: wire::to_wire(priority),
            source: source.as_deref().unwrap_or(&self.root),
            target: &target_text,
            correlation,
        };
        let frame = match wire::message_frame(route, &message, system, peer.max_frame_len) {
            Ok(frame) => frame,
            Err(error) => return Err(unreachable(error, message)),
        };
        let bytes = frame.len();
        let outgoing = Outgoing {
            lane: Lane::of(priority),
            frame,
            letter: Some(Letter {
                target: target.clone(),
                sender: sender.cloned(),
                message,
                bytes,
            }),
        };
        match peer.push(outgoing) {
            Ok(()) => Ok(peer),
            Err((outgoing, error)) => {
                let message = match outgoing.letter {
                    Some(letter) => letter.message,
                    None => unreachable_letter(),
                };
                Err(unreachable(error, message))
            }
        }
    }
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("name", &self.name)
            .field("options", &self.options)
            .field("peers", &self.peers.read().keys().collect::<Vec<_>>())
            .field("decoders", &self.decoders.read().len())
            .field("listening", &*self.listening.lock())
            .finish()
    }
}

#[cold]
fn unreachable_letter() -> ! {
    unreachable!("a message frame was queued without its letter")
}

impl Outbound for Remote {
    fn send(
        &self,
        target: &ActorId,
        message: AnyMessage,
        priority: ActorPriority,
        sender: Option<&ActorId>,
    ) -> Result<(), Undelivered> {
        self.send_tell(target, message, priority, sender)
    }

    fn learn(&self, spec: &AnySpec) {
        self.learn_decoder(spec);
    }

    fn watch(&self, target: &ActorId) -> Result<(), String> {
        let route = self
            .route(target.system())
            .map_err(|error| error.to_string())?;
        let watch = Watch {
            target: target.to_string(),
        };
        let frame = wire::control_frame(wire::system_route(&self.root), WATCH_TYPE, &watch);
        // Not dropped when the queue is full: the watcher hears why instead.
        route
            .push(Outgoing {
                lane: Lane::Urgent,
                frame,
                letter: None,
            })
            .map_err(|(_, error)| error.to_string())
    }

    fn stats(&self) -> RemoteStats {
        self.counters.snapshot()
    }

    fn actor_gone(&self, actor: &ActorId, reason: &str) {
        let watchers = {
            let mut watches = self.watched.lock();
            let watchers = watches.by_actor.remove(actor).unwrap_or_default();
            for (peer, _) in &watchers {
                if let Some(held) = watches.per_peer.get_mut(peer) {
                    *held -= 1;
                    if *held == 0 {
                        watches.per_peer.remove(peer);
                    }
                }
                watches.total -= 1;
            }
            watchers
        };
        for (peer, as_written) in watchers {
            self.send_down(&peer, &as_written, reason);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn finish(&self) {
        for file in self.socket_files.lock().iter() {
            file.remove();
        }
    }
}

/// The remote side of `system` (every system has one: the builder makes it).
pub(crate) fn of(system: &SystemInner) -> &Remote {
    match system.remote.as_any().downcast_ref::<Remote>() {
        Some(remote) => remote,
        None => not_remote(),
    }
}

#[cold]
fn not_remote() -> ! {
    unreachable!("a system's outbound transport is always the remote transport")
}
