//! The seed's transport selector: which transport a message pattern takes.
//! Within a system, the fastest (delivery in memory); between systems, a
//! light transport for occasional traffic and a heavy one for dense
//! streams. Chosen once per communication path (when connecting), never
//! per message.

use super::endpoint::Endpoint;

/// How a path between actors is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessagePattern {
    /// Both ends in one system.
    IntraSystem,
    /// Across systems, occasional messages (control, sparse state sync).
    CrossSystemLight,
    /// Across systems, dense traffic (telemetry, feeds, chatty actors).
    CrossSystemHeavy,
}

/// A kind of transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// In memory: a system's own mailboxes, or an [`InProcessChannel`](super::InProcessChannel).
    InProcess,
    /// TCP.
    Tcp,
    /// A Unix domain socket.
    Unix,
    /// A WebSocket.
    WebSocket,
    /// TLS over TCP.
    Tls,
    /// A WebSocket over TLS.
    WebSocketTls,
}

impl Endpoint {
    /// The transport this endpoint is on.
    pub fn kind(&self) -> TransportKind {
        match self {
            Endpoint::Tcp(_) => TransportKind::Tcp,
            Endpoint::Unix(_) => TransportKind::Unix,
            Endpoint::WebSocket(_) => TransportKind::WebSocket,
            Endpoint::Tls(_) => TransportKind::Tls,
            Endpoint::WebSocketTls(_) => TransportKind::WebSocketTls,
        }
    }
}

/// Which transport each [`MessagePattern`] takes; set per system with
/// [`ActorSystemBuilder::selector`](crate::ActorSystemBuilder::selector).
///
/// The default follows the seed: in memory within a system, a WebSocket
/// for light cross-system traffic, and TCP for heavy traffic (the seed's
/// Media over QUIC once it is built).
///
/// ```
/// use olivier_runtime::remote::{Endpoint, MessagePattern, TransportKind, TransportSelector};
///
/// let selector = TransportSelector::default();
/// assert_eq!(selector.select(MessagePattern::IntraSystem), TransportKind::InProcess);
/// let shop: Vec<Endpoint> = vec!["tcp://10.0.0.2:7070".parse()?, "ws://10.0.0.2:7071".parse()?];
/// assert_eq!(
///     selector.pick(MessagePattern::CrossSystemLight, &shop),
///     Some(&shop[1])
/// );
/// assert_eq!(
///     selector.pick(MessagePattern::CrossSystemHeavy, &shop),
///     Some(&shop[0])
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportSelector {
    /// Within a system.
    pub intra_system: TransportKind,
    /// Across systems, light traffic.
    pub cross_light: TransportKind,
    /// Across systems, heavy traffic.
    pub cross_heavy: TransportKind,
}

impl Default for TransportSelector {
    fn default() -> Self {
        Self {
            intra_system: TransportKind::InProcess,
            cross_light: TransportKind::WebSocket,
            cross_heavy: TransportKind::Tcp,
        }
    }
}

impl TransportSelector {
    /// A selector taking `light` and `heavy` between systems.
    pub fn new(light: TransportKind, heavy: TransportKind) -> Self {
        Self {
            intra_system: TransportKind::InProcess,
            cross_light: light,
            cross_heavy: heavy,
        }
    }

    /// The transport `pattern` takes.
    pub fn select(&self, pattern: MessagePattern) -> TransportKind {
        match pattern {
            MessagePattern::IntraSystem => self.intra_system,
            MessagePattern::CrossSystemLight => self.cross_light,
            MessagePattern::CrossSystemHeavy => self.cross_heavy,
        }
    }

    /// Of a system's `endpoints`, the first on the transport `pattern` takes.
    pub fn pick<'a>(
        &self,
        pattern: MessagePattern,
        endpoints: &'a [Endpoint],
    ) -> Option<&'a Endpoint> {
        let kind = self.select(pattern);
        endpoints.iter().find(|endpoint| endpoint.kind() == kind)
    }
}
