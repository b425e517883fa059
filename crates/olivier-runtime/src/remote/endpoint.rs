//! Where a system listens or connects: a TCP address, a Unix domain
//! socket, or a WebSocket address; the same handshake and frames on each.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

/// A transport and its address.
///
/// Written `tcp://127.0.0.1:7070`, `unix:/run/shop.sock` (or
/// `unix:///run/shop.sock`), `ws://127.0.0.1:7071`, and with TLS
/// `tls://127.0.0.1:7072` and `wss://127.0.0.1:7073`. On a WebSocket each
/// binary message carries one BAREWire frame (its 4-byte length prefix
/// included), as on Conclave's sockets.
///
/// ```
/// use olivier_runtime::remote::Endpoint;
///
/// let tcp: Endpoint = "tcp://127.0.0.1:7070".parse()?;
/// assert_eq!(tcp, Endpoint::Tcp("127.0.0.1:7070".parse()?));
/// let unix: Endpoint = "unix:///run/shop.sock".parse()?;
/// assert_eq!(unix.to_string(), "unix:/run/shop.sock");
/// let ws: Endpoint = "ws://127.0.0.1:7071".parse()?;
/// assert_eq!(ws.to_string(), "ws://127.0.0.1:7071");
/// assert!("http://example".parse::<Endpoint>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// A TCP socket address.
    Tcp(SocketAddr),
    /// A Unix domain socket's path.
    Unix(PathBuf),
    /// A WebSocket over TCP at this address (path `/`, no TLS).
    WebSocket(SocketAddr),
    /// TLS over TCP ([`TlsConfig`](super::TlsConfig)); the certificate
    /// must name the address's IP.
    Tls(SocketAddr),
    /// A WebSocket over TLS (`wss://`).
    WebSocketTls(SocketAddr),
}

/// Text that is not an [`Endpoint`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// Not `tcp://`, `tls://`, `unix:`, `ws://` or `wss://`.
    #[error(
        "`{0}` is not an endpoint (tcp://host:port, tls://host:port, unix:/path, ws://host:port or wss://host:port)"
    )]
    UnknownScheme(String),
    /// The address after the scheme does not parse.
    #[error("`{0}` has no valid socket address")]
    BadAddress(String),
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let address = |rest: &str| {
            rest.trim_end_matches('/')
                .parse::<SocketAddr>()
                .map_err(|_| EndpointError::BadAddress(text.to_owned()))
        };
        if let Some(rest) = text.strip_prefix("tcp://") {
            return address(rest).map(Endpoint::Tcp);
        }
        if let Some(rest) = text.strip_prefix("ws://") {
            return address(rest).map(Endpoint::WebSocket);
        }
        if let Some(rest) = text.strip_prefix("tls://") {
            return address(rest).map(Endpoint::Tls);
        }
        if let Some(rest) = text.strip_prefix("wss://") {
            return address(rest).map(Endpoint::WebSocketTls);
        }
        if let Some(rest) = text.strip_prefix("unix:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(EndpointError::BadAddress(text.to_owned()));
            }
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        Err(EndpointError::UnknownScheme(text.to_owned()))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(addr) => write!(f, "tcp://{addr}"),
            Endpoint::Unix(path) => write!(f, "unix:{}", path.display()),
            Endpoint::WebSocket(addr) => write!(f, "ws://{addr}"),
            Endpoint::Tls(addr) => write!(f, "tls://{addr}"),
            Endpoint::WebSocketTls(addr) => write!(f, "wss://{addr}"),
        }
    }
}

impl From<SocketAddr> for Endpoint {
    fn from(addr: SocketAddr) -> Self {
        Endpoint::Tcp(addr)
    }
}
