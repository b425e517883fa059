//! A raw BAREWire peer for the remote tests: the handshake done by hand
//! over a [`TcpChannel`] (hello, then proof), so a test can speak the
//! protocol (or break it) exactly where it wants.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::time::Duration;

use alloy_actors::Channel;
use barewire::{Envelope, Kind};
use olivier_runtime::remote::{
    HELLO_TYPE, Hello, PROOF_TYPE, PeerEvent, PeerEvents, Proof, REMOTE_PROTOCOL, Role, Secret,
    TcpChannel, proof,
};

/// The secret the tests' systems share.
pub const SECRET: &str = "the remote tests' shared secret";

/// How long a raw read may wait.
const PATIENCE: Duration = Duration::from_secs(20);

/// The tests' secret.
pub fn secret() -> Secret {
    Secret::new(SECRET).expect("a long enough secret")
}

/// A hello from `system` speaking `protocol`, with a fresh-looking nonce.
pub fn hello(system: &str, protocol: u32) -> Hello {
    Hello {
        protocol,
        system: system.to_owned(),
        max_frame_len: 1 << 20,
        nonce: [0x5a; 32],
        link: 1,
    }
}

/// A `System` envelope of `message_type` carrying `payload`, from `system`.
pub fn system_frame(system: &str, message_type: &str, payload: &[u8]) -> Vec<u8> {
    let source = format!("{system}#0");
    Envelope::new(Kind::System, &source, "", message_type, payload).to_vec()
}

/// A framed hello envelope.
pub fn hello_frame(hello: &Hello) -> Vec<u8> {
    let payload = barewire::to_vec(hello).expect("encode a hello");
    system_frame(&hello.system, HELLO_TYPE, &payload)
}

/// A framed proof envelope.
pub fn proof_frame(system: &str, mac: [u8; 32]) -> Vec<u8> {
    let payload = barewire::to_vec(&Proof { mac }).expect("encode a proof");
    system_frame(system, PROOF_TYPE, &payload)
}

async fn within<T>(what: &str, work: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, work).await {
        Ok(value) => value,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// The next frame, which must be a `System` envelope of `message_type`.
pub async fn expect_system(channel: &mut TcpChannel, message_type: &str) -> Vec<u8> {
    let frame = within(message_type, channel.receive())
        .await
        .expect("a frame")
        .unwrap_or_else(|| panic!("the connection closed before a {message_type}"));
    let envelope = Envelope::decode(&frame).expect("an envelope");
    assert_eq!(envelope.kind, Kind::System, "{envelope:?}");
    assert_eq!(envelope.message_type, message_type);
    envelope.payload.to_vec()
}

/// Connects as `name` with `secret`: hello, the peer's hello, our proof,
/// the peer's proof. Answers the peer's hello.
pub async fn connect(channel: &mut TcpChannel, name: &str, secret: &Secret) -> Hello {
    let ours = hello(name, REMOTE_PROTOCOL);
    channel.send(hello_frame(&ours)).await.expect("send hello");
    let theirs: Hello =
        barewire::from_slice(&expect_system(channel, HELLO_TYPE).await).expect("the peer's hello");
    let mac = proof(secret, Role::Connecting, &ours, &theirs);
    channel
        .send(proof_frame(name, mac))
        .await
        .expect("send proof");
    expect_system(channel, PROOF_TYPE).await;
    channel.set_max_frame_len(1 << 20);
    theirs
}

/// Accepts as `name` with `secret`: the peer's hello, our hello, the
/// peer's proof (not checked), our proof. Answers the peer's hello.
pub async fn accept(channel: &mut TcpChannel, name: &str, secret: &Secret) -> Hello {
    let theirs: Hello =
        barewire::from_slice(&expect_system(channel, HELLO_TYPE).await).expect("the peer's hello");
    let ours = hello(name, REMOTE_PROTOCOL);
    channel.send(hello_frame(&ours)).await.expect("send hello");
    expect_system(channel, PROOF_TYPE).await;
    let mac = proof(secret, Role::Accepting, &ours, &theirs);
    channel
        .send(proof_frame(name, mac))
        .await
        .expect("send proof");
    channel.set_max_frame_len(1 << 20);
    theirs
}

/// The next frame that is not a `System` envelope (acknowledgements and
/// heartbeats are skipped); `None` once the connection closed.
pub async fn next_non_system(channel: &mut TcpChannel) -> Option<Vec<u8>> {
    loop {
        let frame = within("a frame", channel.receive()).await.ok()??;
        match Envelope::decode(&frame) {
            Ok(envelope) if envelope.kind == Kind::System => continue,
            _ => return Some(frame),
        }
    }
}

/// The next peer event that is `wanted`, within the tests' patience.
pub async fn peer_event(
    events: &mut PeerEvents,
    what: &str,
    mut wanted: impl FnMut(&PeerEvent) -> bool,
) -> PeerEvent {
    let found = tokio::time::timeout(PATIENCE, async {
        while let Some(event) = events.recv().await {
            if wanted(&event) {
                return Some(event);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the peer event stream ended while waiting for {what}"),
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// Connects `till` to `shop` at `endpoint`, tells `shop/tally` (a counter)
/// one increment by name, and answers its count.
pub async fn increment_tally_over(
    till: &olivier_runtime::ActorSystem,
    endpoint: &olivier_runtime::remote::Endpoint,
) -> i64 {
    use alloy_counter::{Count, CounterMsg};
    let peer = within("the connection", till.connect_to(endpoint))
        .await
        .unwrap_or_else(|error| panic!("connect over {endpoint}: {error}"));
    assert_eq!(peer, "shop");
    let tally = till.lookup::<CounterMsg>("shop", "tally").expect("by name");
    till.tell(&tally, CounterMsg::Increment).expect("tell");
    let asked = till.ask(
        &tally,
        |reply_to| CounterMsg::GetCount { reply_to },
        PATIENCE,
    );
    let Count(count) = within("the ask", asked)
        .await
        .unwrap_or_else(|error| panic!("ask over {endpoint}: {error}"));
    count
}
