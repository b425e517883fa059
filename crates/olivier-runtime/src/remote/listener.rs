//! Listening and dialling on each transport: the sockets under a
//! connection, before its handshake.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::{TlsAcceptor, TlsStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::endpoint::Endpoint;
use super::stream::{Stream, WsStream};
use super::tls::TlsConfig;

/// A bound listener of any transport.
#[derive(Debug)]
pub(crate) enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, SocketFile),
    WebSocket(TcpListener),
    /// TLS, and then a WebSocket too when `ws`.
    Tls {
        listener: TcpListener,
        acceptor: Arc<ServerConfig>,
        ws: bool,
    },
}

/// The file a Unix listener made, known by its identity so that only this
/// one is ever removed (another system may bind the same path after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SocketFile {
    pub(crate) path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl SocketFile {
    fn of(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            identity: identity(path),
        }
    }

    /// Removes the file, if it is still the one the listener made.
    pub(crate) fn remove(&self) {
        if self.identity.is_some() && identity(&self.path) == self.identity {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let metadata = std::fs::symlink_metadata(path).ok()?;
    Some((metadata.dev(), metadata.ino()))
}

/// An accepted socket; a WebSocket one still has its upgrade to do (in
/// its connection's task, under the handshake timeout, never in the
/// accept loop).
#[derive(Debug)]
pub(crate) enum Accepted {
    Ready(Stream),
    Upgrade(TcpStream),
    /// A TLS handshake to run (then a WebSocket upgrade when `ws`).
    Tls {
        stream: TcpStream,
        acceptor: Arc<ServerConfig>,
        ws: bool,
    },
}

/// Binds `endpoint` on the current runtime; answers the listener and the
/// endpoint it is bound to (port 0 resolved). A Unix socket path left by
/// a process that is gone is replaced; one in use is an error.
pub(crate) fn bind(endpoint: &Endpoint, tls: &TlsConfig) -> io::Result<(Listener, Endpoint)> {
    match endpoint {
        Endpoint::Tls(addr) | Endpoint::WebSocketTls(addr) => {
            let acceptor = tls.server_config().ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a TLS endpoint needs a TLS server configuration (ActorSystemBuilder::tls)",
                )
            })?;
            let listener = tcp_listener(*addr)?;
            let bound = listener.local_addr()?;
            let ws = matches!(endpoint, Endpoint::WebSocketTls(_));
            let endpoint = if ws {
                Endpoint::WebSocketTls(bound)
            } else {
                Endpoint::Tls(bound)
            };
            Ok((
                Listener::Tls {
                    listener,
                    acceptor,
                    ws,
                },
                endpoint,
            ))
        }
        Endpoint::Tcp(addr) => {
            let listener = tcp_listener(*addr)?;
            let bound = listener.local_addr()?;
            Ok((Listener::Tcp(listener), Endpoint::Tcp(bound)))
        }
        Endpoint::WebSocket(addr) => {
            let listener = tcp_listener(*addr)?;
            let bound = listener.local_addr()?;
            Ok((Listener::WebSocket(listener), Endpoint::WebSocket(bound)))
        }
        Endpoint::Unix(path) => {
            let listener = match UnixListener::bind(path) {
                Err(error) if error.kind() == io::ErrorKind::AddrInUse && is_stale(path) => {
                    std::fs::remove_file(path)?;
                    UnixListener::bind(path)?
                }
                bound => bound?,
            };
            Ok((
                Listener::Unix(listener, SocketFile::of(path)),
                Endpoint::Unix(path.clone()),
            ))
        }
    }
}

fn tcp_listener(addr: std::net::SocketAddr) -> io::Result<TcpListener> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    TcpListener::from_std(listener)
}

/// Whether `path` is a socket file with no listener behind it (any other
/// kind of file is never removed).
fn is_stale(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let is_socket = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket());
    is_socket && std::os::unix::net::UnixStream::connect(path).is_err()
}

impl Listener {
    /// The next accepted socket and where it came from.
    pub(crate) async fn accept(&self) -> io::Result<(Accepted, Endpoint)> {
        match self {
            Listener::Tcp(listener) => {
                let (stream, from) = listener.accept().await?;
                let _ = stream.set_nodelay(true);
                Ok((Accepted::Ready(Stream::Tcp(stream)), Endpoint::Tcp(from)))
            }
            Listener::WebSocket(listener) => {
                let (stream, from) = listener.accept().await?;
                let _ = stream.set_nodelay(true);
                Ok((Accepted::Upgrade(stream), Endpoint::WebSocket(from)))
            }
            Listener::Tls {
                listener,
                acceptor,
                ws,
            } => {
                let (stream, from) = listener.accept().await?;
                let _ = stream.set_nodelay(true);
                let endpoint = if *ws {
                    Endpoint::WebSocketTls(from)
                } else {
                    Endpoint::Tls(from)
                };
                let accepted = Accepted::Tls {
                    stream,
                    acceptor: Arc::clone(acceptor),
                    ws: *ws,
                };
                Ok((accepted, endpoint))
            }
            Listener::Unix(listener, file) => {
                let (stream, _) = listener.accept().await?;
                Ok((
                    Accepted::Ready(Stream::Unix(stream)),
                    Endpoint::Unix(file.path.clone()),
                ))
            }
        }
    }

    /// The socket file it made, if it is a Unix listener.
    pub(crate) fn file(&self) -> Option<&SocketFile> {
        match self {
            Listener::Unix(_, file) => Some(file),
            _ => None,
        }
    }

    /// Removes what the listener leaves behind (its socket file, unless
    /// another listener has the path by now).
    pub(crate) fn clean_up(&self) {
        if let Some(file) = self.file() {
            file.remove();
        }
    }
}

/// The WebSocket settings for frames up to `max_frame_len`.
fn ws_config(max_frame_len: usize) -> WebSocketConfig {
    // A message is one frame with its 4-byte prefix.
    let max = max_frame_len.saturating_add(4);
    WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

impl Accepted {
    /// The stream, after the WebSocket upgrade where there is one.
    pub(crate) async fn open(self, max_frame_len: usize) -> io::Result<Stream> {
        match self {
            Accepted::Ready(stream) => Ok(stream),
            Accepted::Upgrade(stream) => {
                let config = ws_config(max_frame_len);
                let ws = tokio_tungstenite::accept_async_with_config(stream, Some(config))
                    .await
                    .map_err(io::Error::other)?;
                Ok(Stream::WebSocket(Box::new(WsStream::new(ws))))
            }
            Accepted::Tls {
                stream,
                acceptor,
                ws,
            } => {
                let tls = TlsStream::Server(TlsAcceptor::from(acceptor).accept(stream).await?);
                if !ws {
                    return Ok(Stream::Tls(Box::new(tls)));
                }
                let config = ws_config(max_frame_len);
                let ws = tokio_tungstenite::accept_async_with_config(tls, Some(config))
                    .await
                    .map_err(io::Error::other)?;
                Ok(Stream::WebSocketTls(Box::new(WsStream::new(ws))))
            }
        }
    }
}

/// Dials `endpoint`.
pub(crate) async fn dial(
    endpoint: &Endpoint,
    max_frame_len: usize,
    tls: &TlsConfig,
) -> io::Result<Stream> {
    match endpoint {
        Endpoint::Tls(addr) | Endpoint::WebSocketTls(addr) => {
            let connector = tls.connector().ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a TLS endpoint needs a TLS client configuration (ActorSystemBuilder::tls)",
                )
            })?;
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let name = ServerName::IpAddress(addr.ip().into());
            let tls = TlsStream::Client(connector.connect(name, stream).await?);
            if matches!(endpoint, Endpoint::Tls(_)) {
                return Ok(Stream::Tls(Box::new(tls)));
            }
            let url = format!("wss://{addr}/");
            let config = ws_config(max_frame_len);
            let (ws, _) = tokio_tungstenite::client_async_with_config(url, tls, Some(config))
                .await
                .map_err(io::Error::other)?;
            Ok(Stream::WebSocketTls(Box::new(WsStream::new(ws))))
        }
        Endpoint::Tcp(addr) => {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(Stream::Tcp(stream))
        }
        Endpoint::Unix(path) => Ok(Stream::Unix(UnixStream::connect(path).await?)),
        Endpoint::WebSocket(addr) => {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let url = format!("ws://{addr}/");
            let config = ws_config(max_frame_len);
            let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config))
                .await
                .map_err(io::Error::other)?;
            Ok(Stream::WebSocket(Box::new(WsStream::new(ws))))
        }
    }
}
