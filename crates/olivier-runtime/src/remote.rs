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
mod hub;
mod inbound;
mod options;
mod peer;
#[cfg(test)]
mod tests;
pub(crate) mod wire;

use std::net::SocketAddr;

pub use channel::TcpChannel;
pub use error::{ConnectError, ConnectionError, RemoteSendError};
pub use events::{PeerEvent, PeerEvents};
pub use wire::{ERROR_TYPE, ErrorBody, ErrorCode, HELLO_TYPE, Hello, REMOTE_PROTOCOL, WireMessage};

pub use options::RemoteOptions;

pub(crate) use ask::ask;
pub(crate) use connection::{bind, serve};
pub(crate) use hub::Remote;

use crate::system::ActorSystem;

impl ActorSystem {
    /// Where the remote transport listens, when the builder asked it to
    /// ([`ActorSystemBuilder::listen`](crate::ActorSystemBuilder::listen)).
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        hub::of(self.inner()).listen_addr.get().copied()
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

    /// A stream of the [`PeerEvent`]s emitted from now on.
    pub fn peer_events(&self) -> PeerEvents {
        hub::of(self.inner()).events.subscribe()
    }
}
