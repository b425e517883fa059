//! Opening connections (listening, connecting, the hello handshake) and
//! the reader task of each one.

use std::sync::{Arc, Weak};
use std::time::Duration;

use alloy_actors::{ActorId, Channel};
use barewire::{Envelope, Kind};

use tokio::sync::OwnedSemaphorePermit;

use super::auth::{self, Role, Secret, proof};
use super::channel::{FrameChannel, FrameReader};
use super::endpoint::Endpoint;
use super::hub;
use super::listener::{self, Accepted, Listener};
use super::options::{HANDSHAKE_FRAME_LEN, RemoteOptions};
use super::peer::{self, Ending, Peer, PeerSetup};
use super::stats::Counters;
use super::stream::{ReadHalf, Stream};
use super::tls::TlsConfig;
use super::wire::{
    self, ERROR_TYPE, ErrorBody, ErrorCode, HELLO_TYPE, Hello, PING_TYPE, PROOF_TYPE, Proof,
    REMOTE_PROTOCOL,
};
use super::{ConnectError, ConnectionError, PeerEvent, inbound};
use crate::BuildError;
use crate::kernel::SystemInner;

/// Binds a remote listener on the system's runtime; answers it with the
/// endpoint it is bound to.
pub(crate) fn bind(
    handle: &tokio::runtime::Handle,
    endpoint: &Endpoint,
    tls: &TlsConfig,
) -> Result<(Listener, Endpoint), BuildError> {
    let _entered = handle.enter();
    listener::bind(endpoint, tls).map_err(|source| BuildError::Listen {
        endpoint: endpoint.clone(),
        source,
    })
}

/// Accepts connections until the system ends.
pub(crate) fn serve(system: &Arc<SystemInner>, listener: Listener, bound: Endpoint) {
    let remote = hub::of(system);
    remote.listening.lock().push(bound.clone());
    if let Some(file) = listener.file() {
        remote.socket_files.lock().push(file.clone());
    }
    tracing::info!(target: "olivier::remote", system = %system.root, endpoint = %bound, "remote transport listening");
    let weak = Arc::downgrade(system);
    let mut exit = system.exit_watch();
    system.handle.spawn(async move {
        loop {
            let accepted = tokio::select! {
                biased;
                _ = exit.wait_for(Option::is_some) => {
                    listener.clean_up();
                    return;
                }
                accepted = listener.accept() => accepted,
            };
            let Some(system) = weak.upgrade() else {
                return;
            };
            match accepted {
                Ok((stream, from)) => {
                    let remote = hub::of(&system);
                    let slot = Arc::clone(&remote.slots).try_acquire_owned();
                    let shaking = Arc::clone(&remote.handshakes).try_acquire_owned();
                    match (slot, shaking) {
                        (Ok(slot), Ok(shaking)) => {
                            system.handle.spawn(accept(
                                Arc::downgrade(&system),
                                stream,
                                from,
                                (slot, shaking),
                            ));
                        }
                        _ => {
                            // Full: closed at once, nothing read or buffered.
                            Counters::count(&remote.counters.connections_refused);
                            let error = ConnectionError::TooManyConnections {
                                max: remote.options.max_connections,
                            };
                            tracing::warn!(target: "olivier::remote", %from, %error, "incoming connection refused");
                            remote.events.emit(PeerEvent::Refused { addr: from, error });
                            drop(stream);
                        }
                    }
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

/// Runs the handshake of an incoming connection, then the connection,
/// which holds `slot` of the listener until it ends.
async fn accept(
    system: Weak<SystemInner>,
    accepted: Accepted,
    from: Endpoint,
    (slot, shaking): (OwnedSemaphorePermit, OwnedSemaphorePermit),
) {
    let Some(inner) = system.upgrade() else {
        return;
    };
    let remote = hub::of(&inner);
    let (options, secret) = (remote.options, remote.secret.clone());
    let own = remote.hello(remote.next_link());
    let root = inner.root.to_string();
    drop(inner);
    // The whole handshake, a WebSocket upgrade included, has one deadline.
    let deadline = tokio::time::Instant::now() + options.handshake_timeout;
    let stream = match tokio::time::timeout_at(deadline, accepted.open(options.max_frame_len)).await
    {
        Ok(Ok(stream)) => stream,
        failed => {
            let error = match failed {
                Ok(Err(error)) => ConnectionError::io("upgrade")(error),
                _ => ConnectionError::HandshakeTimeout {
                    after: options.handshake_timeout,
                },
            };
            if let Some(inner) = system.upgrade() {
                refused(&inner, from, error);
            }
            return;
        }
    };
    let mut channel = FrameChannel::new(stream, HANDSHAKE_FRAME_LEN);
    let shaken = match &secret {
        Some(secret) => {
            let live = |name: &str| inner_is_live(&system, name);
            let shake = handshake(
                &mut channel,
                (&own, &root),
                secret,
                Role::Accepting,
                (&options, &live),
            );
            tokio::time::timeout_at(deadline, shake)
                .await
                .unwrap_or(Err(ConnectionError::HandshakeTimeout {
                    after: options.handshake_timeout,
                }))
        }
        None => Err(ConnectionError::AuthenticationFailed),
    };
    // The handshake is over, however it ended.
    drop(shaking);
    let Some(inner) = system.upgrade() else {
        return;
    };
    match shaken {
        Ok(hello) => {
            channel.set_max_frame_len(options.max_frame_len);
            if let Err(error) = start(&inner, channel, (&own, hello), from.clone(), Some(slot)) {
                refused(&inner, from, error);
            }
        }
        Err(error) => {
            refused(&inner, from, error);
            let _ = channel.close().await;
        }
    }
}

/// Whether `system` has a live connection to the system named `name`.
fn inner_is_live(system: &Weak<SystemInner>, name: &str) -> bool {
    system
        .upgrade()
        .is_some_and(|inner| hub::of(&inner).is_live(name))
}

/// Counts, logs and publishes a connection refused at its handshake.
fn refused(system: &SystemInner, from: Endpoint, error: ConnectionError) {
    let remote = hub::of(system);
    Counters::count(&remote.counters.handshakes_failed);
    match &error {
        ConnectionError::AuthenticationFailed => {
            Counters::count(&remote.counters.authentication_failures);
        }
        ConnectionError::NameTaken { .. } => Counters::count(&remote.counters.name_conflicts),
        _ => {}
    }
    tracing::warn!(target: "olivier::remote", %from, %error, "incoming connection refused");
    remote.events.emit(PeerEvent::Refused { addr: from, error });
}

/// Connects to a listening system and runs the connection; answers the
/// peer's system name.
pub(crate) async fn connect(
    system: &Arc<SystemInner>,
    addr: &Endpoint,
) -> Result<String, ConnectError> {
    if system.exit_watch().borrow().is_some() {
        return Err(ConnectError::ShutDown);
    }
    let remote = hub::of(system);
    let Some(secret) = remote.secret.clone() else {
        return Err(ConnectError::NoSecret);
    };
    let options = remote.options;
    let deadline = tokio::time::Instant::now() + options.handshake_timeout;
    let dialled = tokio::time::timeout_at(
        deadline,
        listener::dial(addr, options.max_frame_len, &remote.tls),
    );
    let stream = match dialled.await {
        Ok(connected) => connected.map_err(|source| ConnectError::Io {
            addr: addr.clone(),
            source,
        })?,
        Err(_) => {
            let source = std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out");
            return Err(ConnectError::Io {
                addr: addr.clone(),
                source,
            });
        }
    };
    let mut channel = FrameChannel::new(stream, HANDSHAKE_FRAME_LEN);
    let own = remote.hello(remote.next_link());
    let root = system.root.to_string();
    let weak = Arc::downgrade(system);
    let live = |name: &str| inner_is_live(&weak, name);
    let shake = handshake(
        &mut channel,
        (&own, &root),
        &secret,
        Role::Connecting,
        (&options, &live),
    );
    let shaken = tokio::time::timeout_at(deadline, shake)
        .await
        .unwrap_or(Err(ConnectionError::HandshakeTimeout {
            after: options.handshake_timeout,
        }));
    match shaken {
        Ok(hello) => {
            let name = hello.system.clone();
            channel.set_max_frame_len(options.max_frame_len);
            start(system, channel, (&own, hello), addr.clone(), None).map_err(|error| {
                ConnectError::Handshake {
                    addr: addr.clone(),
                    error,
                }
            })?;
            Ok(name)
        }
        Err(error) => {
            let _ = channel.close().await;
            Err(ConnectError::Handshake {
                addr: addr.clone(),
                error,
            })
        }
    }
}

/// Exchanges hellos, then proofs: the connecting side speaks first, and
/// the accepting side sends its proof only for a valid one, so a peer
/// that does not know the secret learns nothing it could use.
///
/// An authenticated peer whose system is connected already (`live`) is
/// refused with [`ConnectionError::NameTaken`] before this side proves
/// itself: the live route is never taken over.
async fn handshake(
    channel: &mut FrameChannel<Stream>,
    (own, root): (&Hello, &str),
    secret: &Secret,
    role: Role,
    (options, live): (&RemoteOptions, &(dyn Fn(&str) -> bool + Sync)),
) -> Result<Hello, ConnectionError> {
    let hello = wire::control_frame(wire::system_route(root), HELLO_TYPE, own);
    let connecting = role == Role::Connecting;
    if connecting {
        channel.write_framed(&hello).await?;
    }
    let theirs = read_hello(channel, own, options).await;
    let theirs = refuse_on_error(channel, root, theirs).await?;
    if !connecting {
        channel.write_framed(&hello).await?;
    }
    // A connecting side that is linked with that system already (it
    // connected to us) says so before it proves anything.
    if connecting && live(&theirs.system) {
        return Err(ConnectionError::NameTaken {
            system: theirs.system,
        });
    }
    let their_role = match role {
        Role::Connecting => Role::Accepting,
        _ => Role::Connecting,
    };
    let mine = Proof {
        mac: proof(secret, role, own, &theirs),
    };
    let mine = wire::control_frame(wire::system_route(root), PROOF_TYPE, &mine);
    if connecting {
        channel.write_framed(&mine).await?;
    }
    let valid = read_proof(channel)
        .await
        .map(|mac| auth::verify(secret, their_role, &theirs, own, &mac));
    let checked = match valid {
        Ok(true) if live(&theirs.system) => Err((
            ConnectionError::NameTaken {
                system: theirs.system.clone(),
            },
            Some(ErrorCode::NameTaken),
        )),
        Ok(true) => Ok(()),
        Ok(false) => Err((
            ConnectionError::AuthenticationFailed,
            Some(ErrorCode::AuthenticationFailed),
        )),
        Err(failed) => Err(failed),
    };
    refuse_on_error(channel, root, checked).await?;
    if !connecting {
        channel.write_framed(&mine).await?;
    }
    Ok(theirs)
}

/// Answers a handshake failure that carries an error code with an error
/// frame (best effort: the peer may be gone already).
async fn refuse_on_error<T>(
    channel: &mut FrameChannel<Stream>,
    root: &str,
    result: Result<T, (ConnectionError, Option<ErrorCode>)>,
) -> Result<T, ConnectionError> {
    match result {
        Ok(value) => Ok(value),
        Err((error, Some(code))) => {
            let body = ErrorBody {
                code,
                detail: error.to_string(),
                message_type: String::new(),
                payload: Vec::new(),
            };
            let refusal = wire::control_frame(wire::error_route(root, ""), ERROR_TYPE, &body);
            let _ = channel.write_framed(&refusal).await;
            Err(error)
        }
        Err((error, None)) => Err(error),
    }
}

/// Reads one handshake frame as an envelope of kind `System` and type
/// `expected` (an error frame is the peer's refusal).
async fn read_system_frame(
    channel: &mut FrameChannel<Stream>,
    expected: &str,
) -> Result<Vec<u8>, (ConnectionError, Option<ErrorCode>)> {
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
    if envelope.kind != Kind::System || envelope.message_type != expected {
        return Err((
            ConnectionError::UnexpectedFrame {
                kind: envelope.kind,
                message_type: envelope.message_type.to_owned(),
            },
            Some(ErrorCode::HandshakeFailed),
        ));
    }
    Ok(envelope.payload.to_vec())
}

/// Reads and checks the peer's hello; a failure carries the code of the
/// error frame to answer with, if any.
async fn read_hello(
    channel: &mut FrameChannel<Stream>,
    own: &Hello,
    options: &RemoteOptions,
) -> Result<Hello, (ConnectionError, Option<ErrorCode>)> {
    let payload = read_system_frame(channel, HELLO_TYPE).await?;
    let refused = |error| (error, Some(ErrorCode::HandshakeFailed));
    let hello: Hello = barewire::from_slice(&payload)
        .map_err(|error| refused(ConnectionError::MalformedHello(error)))?;
    if hello.protocol != REMOTE_PROTOCOL {
        return Err(refused(ConnectionError::ProtocolMismatch {
            ours: REMOTE_PROTOCOL,
            theirs: hello.protocol,
        }));
    }
    if hello.system.len() > options.max_name_len {
        return Err(refused(ConnectionError::NameTooLong {
            len: hello.system.len(),
            max: options.max_name_len,
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

/// Reads the peer's proof.
async fn read_proof(
    channel: &mut FrameChannel<Stream>,
) -> Result<[u8; 32], (ConnectionError, Option<ErrorCode>)> {
    let payload = read_system_frame(channel, PROOF_TYPE).await?;
    let proof: Proof = barewire::from_slice(&payload).map_err(|error| {
        (
            ConnectionError::MalformedHello(error),
            Some(ErrorCode::HandshakeFailed),
        )
    })?;
    Ok(proof.mac)
}

/// Registers the peer and starts its reader and writer tasks; refused
/// when a live connection of the same system is the route already.
fn start(
    system: &Arc<SystemInner>,
    channel: FrameChannel<Stream>,
    (own, hello): (&Hello, Hello),
    addr: Endpoint,
    slot: Option<OwnedSemaphorePermit>,
) -> Result<(), ConnectionError> {
    let remote = hub::of(system);
    let options = remote.options;
    let theirs = usize::try_from(hello.max_frame_len).unwrap_or(usize::MAX);
    let max_frame_len = options.max_frame_len.min(theirs);
    let (peer, queue) = Peer::new(
        PeerSetup {
            system: hello.system,
            addr: addr.clone(),
            link: own.link,
            max_frame_len,
            capacity: options.queue_capacity,
            queue_bytes: options.queue_bytes,
            their_link: hello.link,
            max_unacked: options.max_unacked,
        },
        remote.shared(),
    );
    if let Err(error) = remote.register(Arc::clone(&peer)) {
        // The live route stays; the newcomer hears why and is closed.
        let body = ErrorBody {
            code: ErrorCode::NameTaken,
            detail: error.to_string(),
            message_type: String::new(),
            payload: Vec::new(),
        };
        let refusal = wire::control_frame(wire::error_route(&remote.root, ""), ERROR_TYPE, &body);
        let mut channel = channel;
        system.handle.spawn(async move {
            let _ = channel.write_framed(&refusal).await;
            let _ = channel.close().await;
        });
        return Err(error);
    }
    let (reader, writer) = channel.split();
    // The peer's earlier connection was lost: say how much of it was
    // handled here, so the peer counts exactly what was lost.
    if let Some((link, received)) = remote.accounts.take_record(&peer.system) {
        let settle = wire::Settle { link, received };
        peer.push_control(wire::control_frame(
            wire::system_route(&remote.root),
            wire::SETTLE_TYPE,
            &settle,
        ));
    }
    tracing::info!(target: "olivier::remote", system = %system.root, peer = %peer.system, addr = %peer.addr, "connected");
    hub::of(system).events.emit(PeerEvent::Connected {
        system: peer.system.clone(),
        addr: peer.addr.clone(),
    });
    let weak = Arc::downgrade(system);
    let ping = wire::control_frame(wire::system_route(&remote.root), PING_TYPE, &());
    let heartbeat = (options.idle_timeout / 4).max(Duration::from_millis(10));
    system.handle.spawn(peer::write_loop(
        weak.clone(),
        Arc::clone(&peer),
        queue,
        writer,
        (heartbeat, ping, remote.root.clone()),
    ));
    system.handle.spawn(read_loop(
        weak,
        peer,
        reader,
        system.exit_watch(),
        (options.idle_timeout, slot),
    ));
    Ok(())
}

/// Hands every frame to [`inbound::handle`] until the link ends (nothing
/// received for `idle` ends it too); then frees the listener's slot.
async fn read_loop(
    system: Weak<SystemInner>,
    peer: Arc<Peer>,
    mut reader: FrameReader<ReadHalf>,
    mut exit: tokio::sync::watch::Receiver<Option<Result<(), crate::SystemFailure>>>,
    (idle, slot): (Duration, Option<OwnedSemaphorePermit>),
) {
    let ended = read_frames(&system, &peer, &mut reader, &mut exit, idle).await;
    if let Some((ending, error)) = ended {
        if let (ConnectionError::IdleTimeout { .. }, Some(inner)) = (&error, system.upgrade()) {
            Counters::count(&hub::of(&inner).counters.idle_timeouts);
        }
        peer::end(&peer, ending, error);
    }
    // Kept for the peer's next connection, which learns how much of this
    // one was handled here.
    if let Some(inner) = system.upgrade() {
        let remote = hub::of(&inner);
        remote
            .accounts
            .record(&peer.system, peer.their_link, peer.received());
        // The lost system's watches of ours go; our watches of its actors
        // end with the link.
        remote.forget_watches_of(&peer.system);
        inner.system_lost(&peer.system);
    }
    drop(slot);
}

/// Reads until the link ends: how, unless it had ended already.
async fn read_frames(
    system: &Weak<SystemInner>,
    peer: &Arc<Peer>,
    reader: &mut FrameReader<ReadHalf>,
    exit: &mut tokio::sync::watch::Receiver<Option<Result<(), crate::SystemFailure>>>,
    idle: Duration,
) -> Option<(Ending, ConnectionError)> {
    let mut deadline = tokio::time::Instant::now() + idle;
    let mut acked = 0;
    let ended = 'link: loop {
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => {
                    let Some(inner) = system.upgrade() else {
                        break 'link (Ending::Lost, ConnectionError::ShutDown);
                    };
                    inbound::handle(&inner, peer, frame);
                    deadline = tokio::time::Instant::now() + idle;
                }
                Ok(None) => break,
                Err(error) => {
                    // The stream cannot be resynchronised: say why, then close.
                    if let Some(inner) = system.upgrade() {
                        inbound::refuse_stream(&inner, peer, &error);
                    }
                    break 'link (Ending::Flush, error);
                }
            }
        }
        // One cumulative acknowledgement per burst read (the writer sends
        // it ahead of its queue).
        let received = peer.received();
        if received > acked {
            acked = received;
            peer.ack(received);
        }
        tokio::select! {
            biased;
            _ = peer.closed() => return None,
            _ = exit.wait_for(Option::is_some) => break (Ending::Flush, ConnectionError::ShutDown),
            () = tokio::time::sleep_until(deadline) => {
                break (Ending::Lost, ConnectionError::IdleTimeout { after: idle });
            }
            filled = reader.fill() => match filled {
                Ok(true) => {}
                Ok(false) => break (Ending::Lost, ConnectionError::Closed),
                Err(error) => break (Ending::Lost, error),
            },
        }
    };
    Some(ended)
}
