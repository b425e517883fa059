//! The remote transport: Olivier systems exchanging tells and asks over
//! TCP, every message a BAREWire frame.
//!
//! An id's first path segment names its system (`shop/counter#3` lives on
//! `shop`). A tell or ask whose target belongs to another system is
//! encoded (the message in BARE, in a barewire [`Envelope`](barewire::Envelope)
//! with its type name, sender, priority and, for asks and replies, a
//! correlation id) and queued on the connection to that system; local
//! delivery never serializes.
//!
//! ```
//! use std::time::Duration;
//! use alloy_actors::{ActorRef, ActorSpec};
//! use alloy_counter::{Count, Counter, CounterMsg};
//! use olivier_runtime::ActorSystem;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> anyhow::Result<()> {
//! let shop = ActorSystem::builder()
//!     .name("shop")
//!     .listen("127.0.0.1:0".parse()?)
//!     .build()?;
//! let counter = shop.spawn(ActorSpec::new(Counter).name("counter")).await?;
//!
//! let till = ActorSystem::builder().name("till").build()?;
//! let peer = till.connect(shop.listen_addr().expect("listening")).await?;
//! assert_eq!(peer, "shop");
//!
//! // The same reference, used from the other system.
//! let remote: ActorRef<CounterMsg> = ActorRef::new(counter.id().clone());
//! till.tell(&remote, CounterMsg::Increment)?;
//! let count = till
//!     .ask(&remote, |reply_to| CounterMsg::GetCount { reply_to }, Duration::from_secs(5))
//!     .await?;
//! assert_eq!(count, Count(1));
//! till.shutdown().await?;
//! shop.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Connections
//!
//! A system listens with [`ActorSystemBuilder::listen`](crate::ActorSystemBuilder::listen)
//! and connects with [`ActorSystem::connect`]; either way one connection
//! carries both directions. Each side's first frame is a [`Hello`] (its
//! system name, [`REMOTE_PROTOCOL`] and its frame limit); a connection
//! whose first frame is anything else, whose protocol differs or whose
//! peer has this system's name is refused with an error frame. Each connection has a writer task draining a bounded queue
//! ([`RemoteOptions::queue_capacity`]) and a reader task. There is no
//! automatic reconnection: after a loss, [`ActorSystem::connect`] again (or
//! the peer connects back) and the new connection replaces the old.
//!
//! # Failures
//!
//! - A frame larger than [`RemoteOptions::max_frame_len`] is refused with an
//!   error frame and the connection closes (the stream cannot be resynchronised).
//!   Each hello announces its system's limit, and a system never sends a
//!   frame above the smaller of the two: such a message fails at its sender
//!   with [`RemoteSendError::TooLarge`] and the connection stays.
//! - [`ActorSystem::send`] to another system's actor does not wait for
//!   room: it behaves as [`ActorSystem::tell`].
//! - A frame that is not an envelope, or an envelope of the wrong kind, is
//!   answered with an error frame and published as [`PeerEvent::BadFrame`];
//!   the connection stays.
//! - A message for an unknown actor, of a type the target does not accept,
//!   whose payload does not decode, or refused by a full mailbox, is a dead
//!   letter on the receiving system (holding a [`WireMessage`]) and is
//!   answered with an error frame ([`ErrorBody`]); the sender records its
//!   own dead letter ([`DeadLetterReason::RefusedByPeer`]), and an ask fails
//!   at once with [`AskError::RefusedByPeer`](crate::AskError::RefusedByPeer).
//! - A send to a system this one is not connected to, or whose connection
//!   is lost, fails with [`TellError::Unreachable`](crate::TellError::Unreachable);
//!   messages still queued when a connection is lost become dead letters
//!   ([`RemoteSendError::PeerDisconnected`]), and pending asks to that system fail.
//!
//! # Capabilities
//!
//! An actor's tell (or timer) to another system's actor needs
//! [`Capability::Remote`](alloy_actors::Capability::Remote); without it the
//! actor fails with a [`CapabilityError`](alloy_actors::CapabilityError), as
//! for a spawn without `Spawn`: the check is alloy-actors' own
//! ([`Capabilities::check`](alloy_actors::Capabilities::check)), shared with
//! the test kit and Conclave.
//! Answering an ask (a tell to a `$ask` id) needs no capability: the asker
//! chose to reach the actor. Sends from outside any actor
//! ([`ActorSystem::tell`], [`ActorSystem::ask`]) are not checked.

mod ask;
mod channel;
mod code;
mod connection;
pub(crate) mod error;
mod events;
mod inbound;
mod peer;
#[cfg(test)]
mod tests;
pub(crate) mod wire;

use std::any::TypeId;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use alloy_actors::runtime::DynBehavior;
use alloy_actors::{ActorId, ActorPriority, AnyMessage, AnySpec, Message};
use barewire::{CorrelationId, Kind};
use parking_lot::RwLock;

pub use channel::TcpChannel;
pub use error::{ConnectError, ConnectionError, RemoteSendError};
pub use events::{PeerEvent, PeerEvents};
pub use wire::{ERROR_TYPE, ErrorBody, ErrorCode, HELLO_TYPE, Hello, REMOTE_PROTOCOL, WireMessage};

pub(crate) use ask::ask;
pub(crate) use connection::{bind, serve};

use crate::ActorSystem;
use crate::dead_letters::DeadLetterReason;
use crate::system::Undelivered;
use events::PeerEventHub;
use peer::{Letter, Outgoing, Peer};
use wire::Route;

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

/// A system's remote side: its peers, how to decode each accepted message
/// type, and its connection events.
pub(crate) struct Remote {
    options: RemoteOptions,
    /// The system's name and its root id's text (the source of frames no
    /// actor sent).
    name: String,
    root: String,
    peers: RwLock<HashMap<String, Arc<Peer>>>,
    /// A behavior per accepted message type, to decode incoming payloads.
    decoders: RwLock<HashMap<TypeId, Arc<dyn DynBehavior>>>,
    listen_addr: OnceLock<SocketAddr>,
    events: PeerEventHub,
}

impl Remote {
    pub(crate) fn new(root: &ActorId, options: RemoteOptions, backlog: usize) -> Self {
        Self {
            options,
            name: root.path().to_owned(),
            root: root.to_string(),
            peers: RwLock::default(),
            decoders: RwLock::default(),
            listen_addr: OnceLock::new(),
            events: PeerEventHub::new(backlog),
        }
    }

    /// Remembers how to decode the messages `spec`'s actor accepts.
    pub(crate) fn learn(&self, spec: &AnySpec) {
        let behavior = spec.behavior();
        let type_id = behavior.message_type_id();
        if !self.decoders.read().contains_key(&type_id) {
            self.decoders.write().insert(type_id, Arc::clone(behavior));
        }
    }

    /// Decodes a payload as the message type `type_id`, filling it exactly.
    fn decode(&self, type_id: TypeId, payload: &[u8]) -> Result<AnyMessage, String> {
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

    fn hello(&self) -> Hello {
        Hello {
            protocol: REMOTE_PROTOCOL,
            system: self.name.clone(),
            max_frame_len: self.options.max_frame_len as u64,
        }
    }

    /// Makes `peer` the route to its system, replacing an older connection
    /// (which keeps serving what it receives until it ends).
    fn register(&self, peer: Arc<Peer>) {
        self.peers.write().insert(peer.system.clone(), peer);
    }

    fn peer(&self, system: &str) -> Option<Arc<Peer>> {
        self.peers.read().get(system).cloned()
    }

    /// Sends a tell to an actor of another system (a `Reply` envelope when
    /// the target is an ask's reply id).
    pub(crate) fn send(
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
    fn send_as(
        &self,
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
        let Some(peer) = self.peer(system) else {
            let error = RemoteSendError::NoRoute {
                system: system.to_owned(),
            };
            return Err(unreachable(error, message));
        };
        if !peer.is_open() {
            return Err(unreachable(peer.disconnected(), message));
        }
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
        let outgoing = Outgoing {
            frame,
            letter: Some(Letter {
                target: target.clone(),
                sender: sender.cloned(),
                message,
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
            .field("listen_addr", &self.listen_addr.get())
            .finish()
    }
}

#[cold]
fn unreachable_letter() -> ! {
    unreachable!("a message frame was queued without its letter")
}

/// An ask's answer as `R`: the typed message, or one that came from another
/// system undecoded (the request was forwarded there); anything else back.
pub(crate) fn decoded_reply<R: Message>(message: AnyMessage) -> Result<R, AnyMessage> {
    let message = match message.downcast::<R>() {
        Ok(reply) => return Ok(reply),
        Err(other) => other,
    };
    match message
        .downcast_ref::<WireMessage>()
        .and_then(WireMessage::decode)
    {
        Some(reply) => Ok(reply),
        None => Err(message),
    }
}

/// Whether `id` is an ask's reply id, `<system>/$ask#<n>`.
impl ActorSystem {
    /// Where the remote transport listens, when the builder asked it to
    /// ([`ActorSystemBuilder::listen`](crate::ActorSystemBuilder::listen)).
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.inner().remote.listen_addr.get().copied()
    }

    /// Connects to the system listening at `addr` and answers its name;
    /// from now on tells and asks to that system's ids go over the
    /// connection (replacing an older one to the same system).
    ///
    /// # Errors
    ///
    /// [`ConnectError::Io`] when the connection does not open,
    /// [`ConnectError::Handshake`] when the peer does not say hello in time,
    /// speaks another protocol, shares this system's name or refuses,
    /// [`ConnectError::ShutDown`].
    pub async fn connect(&self, addr: SocketAddr) -> Result<String, ConnectError> {
        connection::connect(self.inner(), addr).await
    }

    /// The systems this one has a live connection to, sorted.
    pub fn peers(&self) -> Vec<String> {
        let mut peers: Vec<String> = self
            .inner()
            .remote
            .peers
            .read()
            .values()
            .filter(|peer| peer.is_open())
            .map(|peer| peer.system.clone())
            .collect();
        peers.sort();
        peers
    }

    /// A stream of the [`PeerEvent`]s emitted from now on.
    pub fn peer_events(&self) -> PeerEvents {
        self.inner().remote.events.subscribe()
    }
}
