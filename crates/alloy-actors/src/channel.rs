//! The byte channel and the transport that opens channels.
//!
//! A [`Channel`] moves BAREWire frames between two endpoints without looking
//! inside them; a [`Transport`] addresses actors by id and opens channels to
//! them. These are the contracts for runtimes' network transports (TCP for
//! Olivier, WebSockets for Conclave). Olivier's `TcpChannel` implements
//! [`Channel`]; no runtime implements [`Transport`] yet: Olivier routes by id
//! inside its system, and Conclave's sockets are driven by its Durable Object
//! host directly.

use std::future::Future;

use crate::{ActorId, MaybeSend};

/// A bidirectional, ordered, persistent channel of byte frames.
pub trait Channel {
    /// Why an operation on the channel failed.
    type Error: std::error::Error + MaybeSend + 'static;

    /// Sends one frame.
    fn send(&mut self, frame: Vec<u8>)
    -> impl Future<Output = Result<(), Self::Error>> + MaybeSend;

    /// Receives the next frame, or `None` once the peer closed the channel.
    fn receive(&mut self)
    -> impl Future<Output = Result<Option<Vec<u8>>, Self::Error>> + MaybeSend;

    /// Closes the channel; later sends fail.
    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + MaybeSend;

    /// Whether the channel is still open.
    fn is_open(&self) -> bool;
}

/// Delivers frames to actors by id, and opens channels to them.
pub trait Transport {
    /// The channel type it opens.
    type Channel: Channel;
    /// Why an operation failed.
    type Error: std::error::Error + MaybeSend + 'static;

    /// Sends one frame to `target`.
    fn send(
        &self,
        target: &ActorId,
        frame: Vec<u8>,
    ) -> impl Future<Output = Result<(), Self::Error>> + MaybeSend;

    /// Opens (or reuses) a channel to `target`.
    fn connect(
        &self,
        target: &ActorId,
    ) -> impl Future<Output = Result<Self::Channel, Self::Error>> + MaybeSend;
}
