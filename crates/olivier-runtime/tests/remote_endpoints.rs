//! The remote transport on each of its endpoints: TCP, a Unix domain
//! socket and a WebSocket carry the same handshake and frames, so a
//! counter is told and asked by name over each; a wrong secret is refused
//! on each; a Unix socket's file left by a dead process is replaced.

#[path = "support/raw.rs"]
mod raw;
#[path = "support/behaviors.rs"]
mod support;

use std::net::SocketAddr;
use std::path::PathBuf;

use alloy_actors::ActorSpec;
use alloy_counter::Counter;
use futures_util::{SinkExt, StreamExt};
use olivier_runtime::ActorSystem;
use olivier_runtime::remote::{ConnectError, ConnectionError, Endpoint, ErrorCode, Secret};
use support::within;
use tokio_tungstenite::tungstenite::Message;

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A fresh socket path in the system's temporary directory.
fn socket_path(tag: &str) -> PathBuf {
    let unique = format!(
        "alloy-{tag}-{}-{}.sock",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|t| t.subsec_nanos())
            .unwrap_or(0)
    );
    std::env::temp_dir().join(unique)
}

fn shop(endpoints: &[Endpoint]) -> ActorSystem {
    let mut builder = ActorSystem::builder().name("shop").secret(raw::secret());
    for endpoint in endpoints {
        builder = builder.listen_on(endpoint.clone());
    }
    builder.build().expect("build shop")
}

fn client(name: &str, secret: Secret) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .secret(secret)
        .build()
        .expect("build a client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_is_told_and_asked_by_name_over_tcp_unix_and_websocket() {
    let path = socket_path("shop");
    let shop = shop(&[
        Endpoint::Tcp(loopback()),
        Endpoint::Unix(path.clone()),
        Endpoint::WebSocket(loopback()),
    ]);
    let bound = shop.listen_endpoints();
    assert_eq!(bound.len(), 3, "{bound:?}");
    assert!(matches!(bound[0], Endpoint::Tcp(addr) if addr.port() != 0));
    assert_eq!(bound[1], Endpoint::Unix(path.clone()));
    assert!(matches!(bound[2], Endpoint::WebSocket(addr) if addr.port() != 0));
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    shop.register("tally", &counter).expect("register");

    for (n, endpoint) in bound.iter().enumerate() {
        let till = client(&format!("till{n}"), raw::secret());
        let count = raw::increment_tally_over(&till, endpoint).await;
        assert_eq!(count, n as i64 + 1, "over {endpoint}");
        within("the shutdown", till.shutdown()).await.expect("till");
    }
    within("the shutdown", shop.shutdown()).await.expect("shop");
    assert!(!path.exists(), "the socket file is removed at shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_refused_over_unix_and_websocket() {
    let path = socket_path("secret");
    let shop = shop(&[Endpoint::Unix(path), Endpoint::WebSocket(loopback())]);
    let wrong = Secret::new("not the cluster's secret").expect("secret");
    for endpoint in shop.listen_endpoints() {
        let intruder = client("intruder", wrong.clone());
        match within("the handshake", intruder.connect_to(&endpoint)).await {
            Err(ConnectError::Handshake {
                error: ConnectionError::Refused { code, .. },
                ..
            }) => assert_eq!(code, ErrorCode::AuthenticationFailed, "over {endpoint}"),
            other => panic!("over {endpoint}: expected a refusal, got {other:?}"),
        }
        within("the shutdown", intruder.shutdown())
            .await
            .expect("intruder");
    }
    assert_eq!(shop.remote_stats().authentication_failures, 2);
    within("the shutdown", shop.shutdown()).await.expect("shop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_socket_file_is_replaced_and_a_live_one_is_not() {
    let path = socket_path("stale");
    // A socket file whose listener is gone.
    drop(std::os::unix::net::UnixListener::bind(&path).expect("bind"));
    assert!(path.exists());
    let first = shop(&[Endpoint::Unix(path.clone())]);
    // A second system cannot take a path that is in use.
    let second = ActorSystem::builder()
        .name("second")
        .secret(raw::secret())
        .listen_on(Endpoint::Unix(path.clone()))
        .build();
    assert!(
        matches!(second, Err(olivier_runtime::BuildError::Listen { .. })),
        "{second:?}"
    );
    within("the shutdown", first.shutdown())
        .await
        .expect("first");
}

/// A WebSocket text message, or junk where a frame should be, ends the
/// connection with a typed error; the listener keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_peer_that_sends_text_is_refused() {
    let shop = shop(&[Endpoint::WebSocket(loopback())]);
    let Endpoint::WebSocket(addr) = shop.listen_endpoints()[0] else {
        panic!("a WebSocket endpoint");
    };
    let mut events = shop.peer_events();
    let (mut ws, _) = within(
        "the upgrade",
        tokio_tungstenite::connect_async(format!("ws://{addr}/")),
    )
    .await
    .expect("upgrade");
    ws.send(Message::text("hello?")).await.expect("send");
    let refused = within("the refusal", async {
        loop {
            match events.recv().await {
                Some(olivier_runtime::remote::PeerEvent::Refused { error, .. }) => break error,
                Some(_) => {}
                None => panic!("the event stream ended"),
            }
        }
    })
    .await;
    assert!(matches!(refused, ConnectionError::Io { .. }), "{refused:?}");
    // The socket closes.
    let rest = within("the close", async {
        while let Some(Ok(message)) = ws.next().await {
            if message.is_close() {
                break;
            }
        }
    })
    .await;
    let () = rest;
    let till = client("till", raw::secret());
    within("connect", till.connect_to(&Endpoint::WebSocket(addr)))
        .await
        .expect("a real peer still connects");
    within("the shutdown", till.shutdown()).await.expect("till");
    within("the shutdown", shop.shutdown()).await.expect("shop");
}

/// On a WebSocket each binary message is one whole BAREWire frame, its
/// length prefix included, as Conclave's sockets expect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_websocket_message_is_one_whole_frame() {
    let shop = shop(&[Endpoint::WebSocket(loopback())]);
    let Endpoint::WebSocket(addr) = shop.listen_endpoints()[0] else {
        panic!("a WebSocket endpoint");
    };
    let (mut ws, _) = within(
        "the upgrade",
        tokio_tungstenite::connect_async(format!("ws://{addr}/")),
    )
    .await
    .expect("upgrade");
    let hello = raw::hello_frame(&raw::hello("raw", olivier_runtime::remote::REMOTE_PROTOCOL));
    let mut framed = (hello.len() as u32).to_le_bytes().to_vec();
    framed.extend_from_slice(&hello);
    ws.send(Message::binary(framed))
        .await
        .expect("send the hello");
    let answer = within("shop's hello", ws.next())
        .await
        .expect("a message")
        .expect("a message");
    let bytes = answer.into_data();
    let header: [u8; 4] = bytes[..4].try_into().expect("a prefix");
    assert_eq!(
        bytes.len(),
        4 + u32::from_le_bytes(header) as usize,
        "one whole frame"
    );
    let envelope = barewire::Envelope::decode(&bytes[4..]).expect("an envelope");
    assert_eq!(envelope.message_type, olivier_runtime::remote::HELLO_TYPE);
    within("the shutdown", shop.shutdown()).await.expect("shop");
}

/// A path that holds a file other than a socket is never removed: the
/// listen fails and the file stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_socket_is_never_removed() {
    let path = socket_path("data");
    std::fs::write(&path, b"precious").expect("write a file");
    let built = ActorSystem::builder()
        .name("careless")
        .secret(raw::secret())
        .listen_on(Endpoint::Unix(path.clone()))
        .build();
    assert!(
        matches!(built, Err(olivier_runtime::BuildError::Listen { .. })),
        "{built:?}"
    );
    assert_eq!(std::fs::read(&path).expect("still there"), b"precious");
    let _ = std::fs::remove_file(&path);
}

/// The transport selector picks the endpoint per message pattern: a
/// WebSocket for light traffic and TCP for heavy traffic by default, as
/// a system's selector says otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selector_picks_the_transport_for_each_pattern() {
    use olivier_runtime::remote::{MessagePattern, PeerEvent, TransportKind, TransportSelector};

    let path = socket_path("selector");
    let shop = shop(&[
        Endpoint::Tcp(loopback()),
        Endpoint::WebSocket(loopback()),
        Endpoint::Unix(path),
    ]);
    let endpoints = shop.listen_endpoints();
    let connected_over = |pattern, selector| {
        let endpoints = endpoints.clone();
        async move {
            let till = ActorSystem::builder()
                .name("till")
                .secret(raw::secret())
                .selector(selector)
                .build()
                .expect("build till");
            let mut events = till.peer_events();
            within("connect", till.connect_for(pattern, &endpoints))
                .await
                .expect("connect");
            let PeerEvent::Connected { addr, .. } = raw::peer_event(&mut events, "the link", |e| {
                matches!(e, PeerEvent::Connected { .. })
            })
            .await
            else {
                unreachable!("matched above");
            };
            within("the shutdown", till.shutdown()).await.expect("till");
            addr.kind()
        }
    };
    let seed = TransportSelector::default();
    assert_eq!(
        connected_over(MessagePattern::CrossSystemLight, seed).await,
        TransportKind::WebSocket
    );
    assert_eq!(
        connected_over(MessagePattern::CrossSystemHeavy, seed).await,
        TransportKind::Tcp
    );
    let local = TransportSelector::new(TransportKind::Unix, TransportKind::Unix);
    assert_eq!(
        connected_over(MessagePattern::CrossSystemHeavy, local).await,
        TransportKind::Unix
    );
    let till = client("till", raw::secret());
    assert!(matches!(
        till.connect_for(MessagePattern::IntraSystem, &endpoints)
            .await,
        Err(ConnectError::NoEndpoint {
            kind: TransportKind::InProcess
        })
    ));
    within("the shutdown", till.shutdown()).await.expect("till");
    within("the shutdown", shop.shutdown()).await.expect("shop");
}
