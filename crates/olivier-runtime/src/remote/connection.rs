//! Opening connections (listening, connecting, the hello handshake) and
//! the reader task of each one.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use alloy_actors::{ActorId, Channel};
use barewire::{Envelope, Kind, Priority};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};

use super::channel::{FrameReader, TcpChannel};
use super::hub;
use super::peer::{self, Ending, Peer};
use super::wire::{
    self, ERROR_TYPE, ErrorBody, ErrorCode, HELLO_TYPE, Hello, REMOTE_PROTOCOL, Route,
};
use super::{ConnectError, ConnectionError, PeerEvent, inbound};
use crate::BuildError;
use crate::kernel::SystemInner;

/// Binds the remote listener on the system's runtime.
pub(crate) fn bind(
    handle: &tokio::runtime::Handle,
    addr: SocketAddr,
) -> Result<(TcpListener, SocketAddr), BuildError> {
    let failed = |source| BuildError::Listen { addr, source };
    let listener = std::net::TcpListener::bind(addr).map_err(failed)?;
    listener.set_nonblocking(true).map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    let _entered = handle.enter();
    let listener = TcpListener::from_std(listener).map_err(failed)?;
    Ok((listener, bound))
}

/// Accepts connections until the system ends.
pub(crate) fn serve(system: &Arc<SystemInner>, listener: TcpListener, addr: SocketAddr) {
    let _ = hub::of(system).listen_addr.set(addr);
    tracing::info!(target: "olivier::remote", system = %system.root, %addr, "remote transport listening");
    let weak = Arc::downgrade(system);
    let mut exit = system.exit_watch();
    system.handle.spawn(async move {
        loop {
            let accepted = tokio::select! {
                biased;
                _ = exit.wait_for(Option::is_some) => return,
                accepted = listener.accept() => accepted,
            };
            let Some(system) = weak.upgrade() else {
                return;
            };
            match accepted {
                Ok((stream, from)) => {
                    system
                        .handle
                        .spawn(accept(Arc::downgrade(&system), stream, from));
                }
                Err(error) => {
                    // Out of descriptors, say: wait a little rather than spin.
                    tracing::warn!(target: "olivier::remote", %error, "accept failed");
                    drop(system);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
}

/// Runs the handshake of an incoming connection, then the connection.
async fn accept(system: Weak<SystemInner>, stream: TcpStream, from: SocketAddr) {
    let Some(inner) = system.upgrade() else {
        return;
    };
    let _ = stream.set_nodelay(true);
    let options = hub::of(&inner).options;
    let mut channel = TcpChannel::new(stream, options.max_frame_len);
    let own = hub::of(&inner).hello();
    let root = inner.root.to_string();
    drop(inner);
    let shaken = tokio::time::timeout(
        options.handshake_timeout,
        handshake(&mut channel, &own, &root, false),
    )
    .await
    .unwrap_or(Err(ConnectionError::HandshakeTimeout {
        after: options.handshake_timeout,
    }));
    let Some(inner) = system.upgrade() else {
        return;
    };
    match shaken {
        Ok(hello) => {
            start(&inner, channel, hello, from);
        }
        Err(error) => {
            tracing::warn!(target: "olivier::remote", %from, %error, "incoming connection refused");
            hub::of(&inner)
                .events
                .emit(PeerEvent::Refused { addr: from, error });
            let _ = channel.close().await;
        }
    }
}

/// Connects to a listening system and runs the connection; answers the
/// peer's system name.
pub(crate) async fn connect(
    system: &Arc<SystemInner>,
    addr: SocketAddr,
) -> Result<String, ConnectError> {
    if system.exit_watch().borrow().is_some() {
        return Err(ConnectError::ShutDown);
    }
    let options = hub::of(system).options;
    let mut channel = TcpChannel::connect(addr, options.max_frame_len)
        .await
        .map_err(|source| ConnectError::Io { addr, source })?;
    let own = hub::of(system).hello();
    let root = system.root.to_string();
    let shaken = tokio::time::timeout(
        options.handshake_timeout,
        handshake(&mut channel, &own, &root, true),
    )
    .await
    .unwrap_or(Err(ConnectionError::HandshakeTimeout {
        after: options.handshake_timeout,
    }));
    match shaken {
        Ok(hello) => {
            let name = hello.system.clone();
            start(system, channel, hello, addr);
            Ok(name)
        }
        Err(error) => {
            let _ = channel.close().await;
            Err(ConnectError::Handshake { addr, error })
        }
    }
}

/// Exchanges hellos: the connecting side speaks first.
async fn handshake(
    channel: &mut TcpChannel,
    own: &Hello,
    root: &str,
    connecting: bool,
) -> Result<Hello, ConnectionError> {
    let hello = wire::control_frame(hello_route(root), HELLO_TYPE, own);
    if connecting {
        channel.write_framed(&hello).await?;
    }
    let theirs = match read_hello(channel, own).await {
        Ok(theirs) => theirs,
        Err((error, Some(code))) => {
            let body = ErrorBody {
                code,
                detail: error.to_string(),
                message_type: String::new(),
                payload: Vec::new(),
            };
            let refusal = wire::control_frame(wire::error_route(root, ""), ERROR_TYPE, &body);
            // Best effort: the peer may be gone already.
            let _ = channel.write_framed(&refusal).await;
            return Err(error);
        }
        Err((error, None)) => return Err(error),
    };
    if !connecting {
        channel.write_framed(&hello).await?;
    }
    Ok(theirs)
}

/// Reads and checks the peer's hello; a failure carries the code of the
/// error frame to answer with, if any.
async fn read_hello(
    channel: &mut TcpChannel,
    own: &Hello,
) -> Result<Hello, (ConnectionError, Option<ErrorCode>)> {
    let frame = match channel.receive().await {
        Ok(Some(frame)) => frame,
        Ok(None) => return Err((ConnectionError::Closed, None)),
        Err(error @ ConnectionError::FrameTooLarge { .. }) => {
            return Err((error, Some(ErrorCode::FrameTooLarge)));
        }
        Err(error) => return Err((error, None)),
    };
    let envelope = Envelope::decode(&frame).map_err(|error| {
        (
            ConnectionError::MalformedEnvelope(error),
            Some(ErrorCode::MalformedEnvelope),
        )
    })?;
    let refused = |error| (error, Some(ErrorCode::HandshakeFailed));
    if envelope.kind == Kind::Error && envelope.message_type == ERROR_TYPE {
        let body: ErrorBody = barewire::from_slice(envelope.payload)
            .map_err(|error| (ConnectionError::MalformedHello(error), None))?;
        return Err((
            ConnectionError::Refused {
                code: body.code,
                detail: body.detail,
            },
            None,
        ));
    }
    if envelope.kind != Kind::System || envelope.message_type != HELLO_TYPE {
        return Err(refused(ConnectionError::UnexpectedFrame {
            kind: envelope.kind,
            message_type: envelope.message_type.to_owned(),
        }));
    }
    let hello: Hello = barewire::from_slice(envelope.payload)
        .map_err(|error| refused(ConnectionError::MalformedHello(error)))?;
    if hello.protocol != REMOTE_PROTOCOL {
        return Err(refused(ConnectionError::ProtocolMismatch {
            ours: REMOTE_PROTOCOL,
            theirs: hello.protocol,
        }));
    }
    if ActorId::root(&hello.system).is_err() {
        return Err(refused(ConnectionError::BadName {
            system: hello.system,
        }));
    }
    if hello.system == own.system {
        return Err(refused(ConnectionError::SameName {
            system: hello.system,
        }));
    }
    Ok(hello)
}

fn hello_route(root: &str) -> Route<'_> {
    Route {
        kind: Kind::System,
        priority: Priority::Control,
        source: root,
        target: "",
        correlation: None,
    }
}

/// Registers the peer and starts its reader and writer tasks.
fn start(system: &Arc<SystemInner>, channel: TcpChannel, hello: Hello, addr: SocketAddr) {
    let (reader, writer) = channel.split();
    let options = hub::of(system).options;
    let theirs = usize::try_from(hello.max_frame_len).unwrap_or(usize::MAX);
    let max_frame_len = options.max_frame_len.min(theirs);
    let events = hub::of(system).events.clone();
    let (peer, queue) = Peer::new(
        hello.system,
        addr,
        max_frame_len,
        options.queue_capacity,
        events,
    );
    hub::of(system).register(Arc::clone(&peer));
    tracing::info!(target: "olivier::remote", system = %system.root, peer = %peer.system, %addr, "connected");
    hub::of(system).events.emit(PeerEvent::Connected {
        system: peer.system.clone(),
        addr,
    });
    let weak = Arc::downgrade(system);
    system.handle.spawn(peer::write_loop(
        weak.clone(),
        Arc::clone(&peer),
        queue,
        writer,
    ));
    system
        .handle
        .spawn(read_loop(weak, peer, reader, system.exit_watch()));
}

/// Hands every frame to [`inbound::handle`] until the link ends.
async fn read_loop(
    system: Weak<SystemInner>,
    peer: Arc<Peer>,
    mut reader: FrameReader<OwnedReadHalf>,
    mut exit: tokio::sync::watch::Receiver<Option<Result<(), crate::SystemFailure>>>,
) {
    let (ending, error) = 'link: loop {
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => {
                    let Some(inner) = system.upgrade() else {
                        break 'link (Ending::Lost, ConnectionError::ShutDown);
                    };
                    inbound::handle(&inner, &peer, frame);
                }
                Ok(None) => break,
                Err(error) => {
                    // The stream cannot be resynchronised: say why, then close.
                    if let Some(inner) = system.upgrade() {
                        inbound::refuse_stream(&inner, &peer, &error);
                    }
                    break 'link (Ending::Flush, error);
                }
            }
        }
        tokio::select! {
            biased;
            _ = peer.closed() => return,
            _ = exit.wait_for(Option::is_some) => break (Ending::Flush, ConnectionError::ShutDown),
            filled = reader.fill() => match filled {
                Ok(true) => {}
                Ok(false) => break (Ending::Lost, ConnectionError::Closed),
                Err(error) => break (Ending::Lost, error),
            },
        }
    };
    peer::end(&peer, ending, error);
}
