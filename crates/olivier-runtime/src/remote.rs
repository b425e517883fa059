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
//! use olivier_runtime::remote::Secret;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> anyhow::Result<()> {
//! let secret = Secret::new("the cluster's shared secret")?;
//! let shop = ActorSystem::builder()
//!     .name("shop")
//!     .secret(secret.clone())
//!     .listen("127.0.0.1:0".parse()?)
//!     .build()?;
//! let counter = shop.spawn(ActorSpec::new(Counter).name("counter")).await?;
//!
//! let till = ActorSystem::builder().name("till").secret(secret).build()?;
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
//! (TCP) or [`ActorSystemBuilder::listen_on`](crate::ActorSystemBuilder::listen_on)
//! (any [`Endpoint`]: TCP, a Unix domain socket, a WebSocket), and connects
//! with [`ActorSystem::connect`] or [`ActorSystem::connect_to`]; either way
//! one connection carries both directions, with the same handshake and
//! frames on every transport (on a WebSocket, one frame per binary message). Every system that listens or connects needs
//! the cluster's [`Secret`] ([`ActorSystemBuilder::secret`](crate::ActorSystemBuilder::secret)).
//!
//! The handshake, each frame at most [`HANDSHAKE_FRAME_LEN`] bytes and the
//! whole of it within [`RemoteOptions::handshake_timeout`]:
//!
//! 1. The connecting side sends its [`Hello`] (its system name,
//!    [`REMOTE_PROTOCOL`], its frame limit and a fresh random nonce); the
//!    accepting side checks it (the protocol, a valid name no longer than
//!    [`RemoteOptions::max_name_len`], not its own) and answers its own.
//! 2. The connecting side sends its [`Proof`]: an HMAC-SHA256 keyed with the
//!    secret over both hellos ([`proof`]). The accepting side checks it and
//!    only then sends its own proof, which the connecting side checks: each
//!    side knows the other holds the secret, the secret never crosses the
//!    wire, and a proof is good for one connection and one direction only.
//!
//! A failure is answered with an error frame where one helps (never
//! revealing a proof), counted ([`RemoteStats`]), published as
//! [`PeerEvent::Refused`] and logged, and the connection closes; nothing it
//! carried is delivered.
//!
//! Then each connection has a writer task draining a queue bounded in
//! frames ([`RemoteOptions::queue_capacity`]) and in bytes
//! ([`RemoteOptions::queue_bytes`]), and a reader task holding at most one
//! partial frame ([`RemoteOptions::max_frame_len`]). A side that sends
//! nothing for a quarter of [`RemoteOptions::idle_timeout`] sends a
//! heartbeat ([`PING_TYPE`]); a connection that receives nothing for the
//! whole timeout is closed. A listener holds at most
//! [`RemoteOptions::max_connections`] connections: one more is closed at
//! once and counted.
//!
//! A system's name is its route: while a connection of `shop` is up, a
//! second authenticated connection claiming `shop` is refused
//! ([`ConnectionError::NameTaken`]) and the live route kept; when the last
//! connection of a system ends, it is forgotten (a send to it is then
//! [`RemoteSendError::NoRoute`]). There is no automatic reconnection yet:
//! after a loss, [`ActorSystem::connect`] again (or the peer connects back).
//!
//! An ask's reply id is random, and the answer to a remote ask is accepted
//! only from the connection its request went out on: any other connection
//! that answers it is refused as if there were no such ask, and counted
//! ([`RemoteStats::forged_replies`]). The reply id of a local ask may have
//! been forwarded by a local actor to another system, so its answer is
//! taken from whichever connection brings it (only a system given the
//! random id can).
//!
//! # Failures
//!
//! - A frame larger than [`RemoteOptions::max_frame_len`] is refused with an
//!   error frame and the connection closes (the stream cannot be resynchronised).
//!   An error frame echoes at most the first 64 bytes of a refused payload,
//!   so a peer that sends refused frames and never reads cannot make this
//!   side hold as much again; an error frame that finds its queue full is
//!   dropped and counted ([`RemoteStats::control_frames_dropped`]).
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
//!   own dead letter ([`DeadLetterReason::RefusedByPeer`](crate::DeadLetterReason::RefusedByPeer)), and an ask fails
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
mod auth;
mod channel;
mod code;
mod connection;
mod endpoint;
pub(crate) mod error;
mod events;
mod hub;
mod in_process;
mod inbound;
mod keeper;
mod letter;
mod listener;
mod options;
mod peer;
mod selector;
mod settle;
pub(crate) mod stats;
mod stream;
#[cfg(test)]
mod tests;
mod tls;
pub(crate) mod wire;

use std::net::SocketAddr;

pub use auth::{MIN_SECRET_LEN, Role, Secret, SecretError, proof};
pub use channel::{FrameChannel, TcpChannel};
pub use endpoint::{Endpoint, EndpointError};
pub use error::{ConnectError, ConnectionError, RemoteSendError};
pub use events::{PeerEvent, PeerEvents};
pub use in_process::InProcessChannel;
pub use options::HANDSHAKE_FRAME_LEN;
pub use selector::{MessagePattern, TransportKind, TransportSelector};
pub use stats::RemoteStats;
pub use tls::{TlsConfig, rustls};
pub use wire::{
    ACK_TYPE, Ack, DOWN_TYPE, Down, ERROR_TYPE, ErrorBody, ErrorCode, HELLO_TYPE, Hello, PING_TYPE,
    PROOF_TYPE, Proof, REMOTE_PROTOCOL, SETTLE_TYPE, Settle, WATCH_TYPE, Watch, WireMessage,
};

pub use options::RemoteOptions;

pub(crate) use ask::ask;
pub(crate) use connection::{bind, serve};
pub(crate) use hub::Remote;

use crate::system::ActorSystem;

impl ActorSystem {
    /// Where the remote transport listens, when the builder asked it to
    /// ([`ActorSystemBuilder::listen`](crate::ActorSystemBuilder::listen)).
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.listen_endpoints()
            .into_iter()
            .find_map(|endpoint| match endpoint {
                Endpoint::Tcp(addr) => Some(addr),
                _ => None,
            })
    }

    /// Every endpoint the remote transport listens on, as bound (a port 0
    /// resolved), in the order the builder named them.
    pub fn listen_endpoints(&self) -> Vec<Endpoint> {
        hub::of(self.inner()).listening.lock().clone()
    }

    /// Connects to the system listening at `addr` and answers its name;
    /// from now on tells and asks to that system's ids go over the
    /// connection. While a live connection to that system exists (either
    /// side opened it), a second one is refused
    /// ([`ConnectionError::NameTaken`]).
    ///
    /// # Errors
    ///
    /// [`ConnectError::Io`] when the connection does not open,
    /// [`ConnectError::Handshake`] when the peer does not say hello in time,
    /// speaks another protocol, shares this system's name or refuses,
    /// [`ConnectError::ShutDown`].
    pub async fn connect(&self, addr: SocketAddr) -> Result<String, ConnectError> {
        connection::connect(self.inner(), &Endpoint::Tcp(addr)).await
    }

    /// Connects to the system listening at `endpoint`, over its transport
    /// (TCP, a Unix socket or a WebSocket); as [`ActorSystem::connect`].
    ///
    /// # Errors
    ///
    /// As [`ActorSystem::connect`].
    pub async fn connect_to(&self, endpoint: &Endpoint) -> Result<String, ConnectError> {
        connection::connect(self.inner(), endpoint).await
    }

    /// Connects to a system known by its `endpoints`, over the one this
    /// system's [`TransportSelector`] takes for `pattern`.
    ///
    /// # Errors
    ///
    /// [`ConnectError::NoEndpoint`] when none is on that transport (an
    /// intra-system pattern never needs a connection), otherwise as
    /// [`ActorSystem::connect`].
    pub async fn connect_for(
        &self,
        pattern: MessagePattern,
        endpoints: &[Endpoint],
    ) -> Result<String, ConnectError> {
        let selector = hub::of(self.inner()).selector;
        let Some(endpoint) = selector.pick(pattern, endpoints) else {
            return Err(ConnectError::NoEndpoint {
                kind: selector.select(pattern),
            });
        };
        self.connect_to(endpoint).await
    }

    /// Keeps this system connected to `endpoint`: connects now, and again
    /// whenever the link is lost or cannot be opened, waiting
    /// [`RemoteOptions::reconnect_min`] at first, doubling up to
    /// [`RemoteOptions::reconnect_max`] (with jitter) between failed
    /// attempts, until the system shuts down. Each failed attempt is a
    /// [`PeerEvent::Reconnecting`]; a reconnection also settles what the
    /// lost link left unacknowledged. While the peer holds a live
    /// connection to this system (it connected first, say), that one is
    /// used.
    pub fn keep_connected(&self, endpoint: Endpoint) {
        let weak = std::sync::Arc::downgrade(self.inner());
        self.inner().handle.spawn(keeper::keep(weak, endpoint));
    }

    /// The systems this one has a live connection to, sorted.
    pub fn peers(&self) -> Vec<String> {
        let mut peers: Vec<String> = hub::of(self.inner())
            .peers
            .read()
            .values()
            .filter(|peer| peer.is_open())
            .map(|peer| peer.system.clone())
            .collect();
        peers.sort();
        peers
    }

    /// What the remote transport refused or dropped so far, counted.
    pub fn remote_stats(&self) -> RemoteStats {
        hub::of(self.inner()).counters.snapshot()
    }

    /// A stream of the [`PeerEvent`]s emitted from now on.
    pub fn peer_events(&self) -> PeerEvents {
        hub::of(self.inner()).events.subscribe()
    }
}
