//! The remote transport tried as an attacker would, on real loopback
//! sockets: a wrong secret, a name taken over, forged replies, too many
//! connections, a trickled handshake, oversized names, a mute peer and a
//! peer that never reads. Each attack is refused with a typed error and
//! counted, the process keeps serving, and what it buffers stays bounded.

#[path = "support/raw.rs"]
mod raw;
#[path = "support/behaviors.rs"]
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use alloy_actors::{ActorRef, ActorSpec, Behavior, Channel, Context, Effect, Message};
use alloy_counter::{Count, Counter, CounterMsg};
use barewire::{Envelope, Kind};
use olivier_runtime::remote::{
    ConnectError, ConnectionError, ErrorCode, PeerEvent, REMOTE_PROTOCOL, RemoteOptions, Secret,
    TcpChannel,
};
use olivier_runtime::{ActorSystem, BuildError};
use serde::{Deserialize, Serialize};
use support::{PATIENCE, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn listening(name: &str, options: RemoteOptions) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .secret(raw::secret())
        .listen(loopback())
        .remote(options)
        .build()
        .expect("build a listening system")
}

fn connecting(name: &str, secret: Secret, options: RemoteOptions) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .secret(secret)
        .remote(options)
        .build()
        .expect("build a system")
}

fn addr(system: &ActorSystem) -> SocketAddr {
    system.listen_addr().expect("the system listens")
}

async fn count_of(system: &ActorSystem, counter: &ActorRef<CounterMsg>) -> i64 {
    let Count(count) = system
        .ask(
            counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            PATIENCE,
        )
        .await
        .expect("ask the counter");
    count
}

async fn shut(system: ActorSystem) {
    within("the shutdown", system.shutdown())
        .await
        .expect("shut down");
}

/// Reads from a raw socket until it closes; the bytes read.
async fn read_to_close(stream: &mut TcpStream) -> usize {
    let mut sink = Vec::new();
    within("the connection's close", stream.read_to_end(&mut sink))
        .await
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_that_listens_needs_a_secret() {
    let built = ActorSystem::builder()
        .name("open")
        .listen(loopback())
        .build();
    assert!(matches!(built, Err(BuildError::NoSecret)), "{built:?}");
    let lone = ActorSystem::builder().name("lone").build().expect("build");
    let shop = listening("shop", RemoteOptions::default());
    assert!(matches!(
        within("connect", lone.connect(addr(&shop))).await,
        Err(ConnectError::NoSecret)
    ));
    shut(lone).await;
    shut(shop).await;
}

/// A peer with another secret is refused, on either side, and nothing it
/// sends after a forged proof is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_refused_counted_and_delivers_nothing() {
    let shop = listening("shop", RemoteOptions::default());
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    let mut events = shop.peer_events();
    let wrong = Secret::new("another cluster's secret!").expect("secret");
    let intruder = connecting("intruder", wrong.clone(), RemoteOptions::default());
    match within("the handshake", intruder.connect(addr(&shop))).await {
        Err(ConnectError::Handshake {
            error: ConnectionError::Refused { code, .. },
            ..
        }) => assert_eq!(code, ErrorCode::AuthenticationFailed),
        other => panic!("expected an authentication failure, got {other:?}"),
    }
    let refused = raw::peer_event(&mut events, "the refusal", |e| {
        matches!(e, PeerEvent::Refused { .. })
    })
    .await;
    assert!(
        matches!(
            refused,
            PeerEvent::Refused {
                error: ConnectionError::AuthenticationFailed,
                ..
            }
        ),
        "{refused:?}"
    );

    // By hand: a wrong proof, then a tell as if accepted.
    let mut channel = TcpChannel::connect(addr(&shop), 4096)
        .await
        .expect("connect");
    let ours = raw::hello("raw", REMOTE_PROTOCOL);
    channel.send(raw::hello_frame(&ours)).await.expect("hello");
    let theirs = raw::expect_system(&mut channel, olivier_runtime::remote::HELLO_TYPE).await;
    let theirs = barewire::from_slice(&theirs).expect("a hello");
    let forged = olivier_runtime::remote::proof(
        &wrong,
        olivier_runtime::remote::Role::Connecting,
        &ours,
        &theirs,
    );
    channel
        .send(raw::proof_frame("raw", forged))
        .await
        .expect("proof");
    let payload = barewire::to_vec(&CounterMsg::Increment).expect("encode");
    let target = counter.id().to_string();
    let tell = Envelope::new(
        Kind::Tell,
        "raw#0",
        &target,
        "alloy.counter.CounterMsg",
        &payload,
    );
    let _ = channel.send(tell.to_vec()).await;
    // Answered with a refusal, then closed.
    let refusal = within("the refusal", channel.receive())
        .await
        .expect("a frame")
        .expect("an error frame");
    let refusal = Envelope::decode(&refusal).expect("an envelope");
    assert_eq!(refusal.kind, Kind::Error);
    assert_eq!(
        within("the close", channel.receive()).await.ok().flatten(),
        None
    );

    assert_eq!(count_of(&shop, &counter).await, 0, "nothing was delivered");
    let stats = shop.remote_stats();
    assert_eq!(stats.authentication_failures, 2, "{stats:?}");
    let exported = shop.metrics_text();
    assert!(
        exported.contains("olivier_remote_events_total{kind=\"authentication_failed\"} 2"),
        "{exported}"
    );
    assert!(stats.handshakes_failed >= 2, "{stats:?}");
    assert!(shop.peers().is_empty());
    shut(intruder).await;
    shut(shop).await;
}

/// While `till` is connected, a second system that knows the secret and
/// claims the name `till` is refused; the live route keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_name_is_not_taken_over() {
    let shop = listening("shop", RemoteOptions::default());
    let till = connecting("till", raw::secret(), RemoteOptions::default());
    let counter = till
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    within("connect", till.connect(addr(&shop)))
        .await
        .expect("connect the real till");
    let impostor = connecting("till", raw::secret(), RemoteOptions::default());
    match within("the impostor's handshake", impostor.connect(addr(&shop))).await {
        Err(ConnectError::Handshake {
            error: ConnectionError::Refused { code, detail },
            ..
        }) => {
            assert_eq!(code, ErrorCode::NameTaken);
            assert!(detail.contains("till"), "{detail}");
        }
        Ok(name) => panic!("the impostor connected to {name}"),
        Err(other) => panic!("expected NameTaken, got {other:?}"),
    }
    // Shop still reaches the real till.
    let there: ActorRef<CounterMsg> = ActorRef::new(counter.id().clone());
    shop.tell(&there, CounterMsg::Increment).expect("tell");
    assert_eq!(count_of(&shop, &there).await, 1);
    assert_eq!(count_of(&till, &counter).await, 1);
    assert_eq!(shop.remote_stats().name_conflicts, 1);
    shut(impostor).await;
    shut(till).await;
    shut(shop).await;
}

/// Holds an ask's reply reference, hands it to the test, and answers only
/// when told to.
struct Holder(mpsc::UnboundedSender<ActorRef<Count>>);

#[derive(Debug, Clone, Serialize, Deserialize)]
enum HolderMsg {
    Get { reply_to: ActorRef<Count> },
    Answer(i64),
}

impl Message for HolderMsg {
    const TYPE_NAME: &'static str = "tests.security.HolderMsg";
}

impl Behavior for Holder {
    type State = Option<ActorRef<Count>>;
    type Message = HolderMsg;

    fn init(&self) -> Option<ActorRef<Count>> {
        None
    }

    fn receive(
        &self,
        _ctx: &Context<HolderMsg>,
        held: Option<ActorRef<Count>>,
        msg: HolderMsg,
    ) -> Effect<Option<ActorRef<Count>>> {
        match (msg, held) {
            (HolderMsg::Get { reply_to }, _) => {
                let _ = self.0.send(reply_to.clone());
                Effect::from(Some(reply_to))
            }
            (HolderMsg::Answer(n), Some(reply_to)) => Effect::from(None).tell(&reply_to, Count(n)),
            (HolderMsg::Answer(_), None) => Effect::from(None),
        }
    }
}

/// An ask from `till` to `shop` whose reply id a third system learnt: its
/// forged answer is refused and counted, and the real answer still ends
/// the ask.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_reply_from_another_connection_is_refused() {
    let till = listening("till", RemoteOptions::default());
    let shop = connecting("shop", raw::secret(), RemoteOptions::default());
    let zed = connecting("zed", raw::secret(), RemoteOptions::default());
    let (held, mut handed) = mpsc::unbounded_channel();
    let holder = shop
        .spawn(ActorSpec::new(Holder(held)).name("holder"))
        .await
        .expect("spawn");
    within("connect", shop.connect(addr(&till)))
        .await
        .expect("connect shop");
    within("connect", zed.connect(addr(&till)))
        .await
        .expect("connect zed");
    let there: ActorRef<HolderMsg> = ActorRef::new(holder.id().clone());
    let asking = {
        let (till, there) = (till.clone(), there.clone());
        tokio::spawn(async move {
            till.ask(&there, |reply_to| HolderMsg::Get { reply_to }, 3 * PATIENCE)
                .await
        })
    };
    let reply_to = within("the reply id", handed.recv())
        .await
        .expect("the holder ran");
    assert!(reply_to.id().is_ask_reply(), "{reply_to}");
    zed.tell(&reply_to, Count(666))
        .expect("zed sends its forgery");
    // Zed's forgery is refused over zed's connection: wait for its count.
    within("the forgery's refusal", async {
        while till.remote_stats().forged_replies == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    shop.tell(&holder, HolderMsg::Answer(7)).expect("tell");
    let answer = within("the ask", asking).await.expect("the asking task");
    assert_eq!(answer.map(|Count(n)| n), Ok(7), "the real answer");
    assert_eq!(till.remote_stats().forged_replies, 1);
    // A local ask's reply id takes an answer from any connection (a local
    // actor may have forwarded it), so it must not be guessable: zed's
    // guesses at the small sequential numbers of old answer nothing.
    let (held, mut handed) = mpsc::unbounded_channel();
    let local = till
        .spawn(ActorSpec::new(Holder(held)).name("local"))
        .await
        .expect("spawn");
    let asking = {
        let (till, local) = (till.clone(), local.clone());
        tokio::spawn(async move {
            till.ask(&local, |reply_to| HolderMsg::Get { reply_to }, 3 * PATIENCE)
                .await
        })
    };
    within("the local reply id", handed.recv())
        .await
        .expect("the local holder ran");
    const GUESSES: u64 = 1000;
    let refused = till.remote_stats().messages_refused;
    for guess in 0..GUESSES {
        let id = format!("till/$ask#{guess}").parse().expect("an id");
        zed.tell(&ActorRef::<Count>::new(id), Count(666))
            .expect("zed guesses");
    }
    within("the guesses' refusals", async {
        while till.remote_stats().messages_refused < refused + GUESSES {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    till.tell(&local, HolderMsg::Answer(8)).expect("tell");
    let answer = within("the local ask", asking)
        .await
        .expect("the asking task");
    assert_eq!(answer.map(|Count(n)| n), Ok(8), "no guess answered it");
    shut(zed).await;
    shut(shop).await;
    shut(till).await;
}

/// A listener holds at most `max_connections`; one more is closed at
/// once and counted; once they go, a real peer connects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_are_closed_at_once_and_counted() {
    let shop = listening("shop", RemoteOptions::default().max_connections(4));
    let mut events = shop.peer_events();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(
            within("a raw connection", TcpStream::connect(addr(&shop)))
                .await
                .expect("connect"),
        );
    }
    let mut extra = within("the extra connection", TcpStream::connect(addr(&shop)))
        .await
        .expect("connect");
    assert_eq!(read_to_close(&mut extra).await, 0, "closed, nothing said");
    let refused = raw::peer_event(&mut events, "the cap's refusal", |e| {
        matches!(e, PeerEvent::Refused { .. })
    })
    .await;
    assert!(
        matches!(
            refused,
            PeerEvent::Refused {
                error: ConnectionError::TooManyConnections { max: 4 },
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(shop.remote_stats().connections_refused, 1);
    drop(held);
    // Each closed handshake frees its slot.
    for _ in 0..4 {
        raw::peer_event(&mut events, "a closed handshake", |e| {
            matches!(
                e,
                PeerEvent::Refused {
                    error: ConnectionError::Closed,
                    ..
                }
            )
        })
        .await;
    }
    let till = connecting("till", raw::secret(), RemoteOptions::default());
    within("connect", till.connect(addr(&shop)))
        .await
        .expect("a real peer connects once the slots are free");
    shut(till).await;
    shut(shop).await;
}

/// A peer that sends its hello one byte at a time is cut off when the
/// handshake's whole time is up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_handshake_is_cut_off_at_its_timeout() {
    let shop = listening(
        "shop",
        RemoteOptions::default().handshake_timeout(Duration::from_millis(400)),
    );
    let mut events = shop.peer_events();
    let mut stream = within("connect", TcpStream::connect(addr(&shop)))
        .await
        .expect("connect");
    let hello = raw::hello_frame(&raw::hello("slow", REMOTE_PROTOCOL));
    let mut framed = (hello.len() as u32).to_le_bytes().to_vec();
    framed.extend_from_slice(&hello);
    let trickle = tokio::spawn(async move {
        for byte in framed {
            if stream.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let cut = raw::peer_event(&mut events, "the cut-off", |e| {
        matches!(e, PeerEvent::Refused { .. })
    })
    .await;
    assert!(
        matches!(
            cut,
            PeerEvent::Refused {
                error: ConnectionError::HandshakeTimeout { .. },
                ..
            }
        ),
        "{cut:?}"
    );
    assert_eq!(shop.remote_stats().handshakes_failed, 1);
    trickle.abort();
    shut(shop).await;
}

/// Names are bounded: one over the name limit is refused by name, and a
/// hello larger than a handshake frame is refused before it is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_names_are_refused() {
    let shop = listening("shop", RemoteOptions::default().max_name_len(32));
    let mut events = shop.peer_events();
    let mut channel = TcpChannel::connect(addr(&shop), 4096)
        .await
        .expect("connect");
    let long = "n".repeat(300);
    channel
        .send(raw::hello_frame(&raw::hello(&long, REMOTE_PROTOCOL)))
        .await
        .expect("hello");
    let refused = raw::peer_event(&mut events, "the long name", |e| {
        matches!(e, PeerEvent::Refused { .. })
    })
    .await;
    assert!(
        matches!(
            refused,
            PeerEvent::Refused {
                error: ConnectionError::NameTooLong { len: 300, max: 32 },
                ..
            }
        ),
        "{refused:?}"
    );
    // A 4 MiB name: its frame header alone is refused.
    let mut stream = within("connect", TcpStream::connect(addr(&shop)))
        .await
        .expect("connect");
    let header = ((4u32 << 20) + 64).to_le_bytes();
    stream.write_all(&header).await.expect("header");
    let _ = stream.write_all(&vec![b'n'; 64 << 10]).await;
    let refused = raw::peer_event(&mut events, "the huge hello", |e| {
        matches!(e, PeerEvent::Refused { .. })
    })
    .await;
    assert!(
        matches!(
            refused,
            PeerEvent::Refused {
                error: ConnectionError::FrameTooLarge { max: 4096, .. },
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(shop.remote_stats().handshakes_failed, 2);
    shut(shop).await;
}

/// An authenticated peer that goes mute is cut at the idle timeout, while
/// a quiet but live peer, connected longer, stays up on heartbeats.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mute_peer_is_cut_at_the_idle_timeout_while_a_quiet_one_stays() {
    let idle = RemoteOptions::default().idle_timeout(Duration::from_millis(400));
    let shop = listening("shop", idle);
    let till = connecting("till", raw::secret(), idle);
    within("connect", till.connect(addr(&shop)))
        .await
        .expect("connect");
    let mut events = shop.peer_events();
    let mut mute = TcpChannel::connect(addr(&shop), 4096)
        .await
        .expect("connect");
    raw::connect(&mut mute, "mute", &raw::secret()).await;
    let cut = raw::peer_event(
        &mut events,
        "the mute peer's end",
        |e| matches!(e, PeerEvent::Disconnected { system, .. } if system == "mute"),
    )
    .await;
    assert!(
        matches!(
            cut,
            PeerEvent::Disconnected {
                error: ConnectionError::IdleTimeout { .. },
                ..
            }
        ),
        "{cut:?}"
    );
    assert_eq!(shop.remote_stats().idle_timeouts, 1);
    assert_eq!(shop.peers(), ["till"], "the quiet peer is still connected");
    assert_eq!(till.peers(), ["shop"]);
    shut(till).await;
    shut(shop).await;
}

/// Resident memory of this process, in bytes (Linux).
fn resident() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// A peer that floods bad frames and never reads the error frames that
/// answer them: every bad frame is counted, the error frames that find the
/// queue full are dropped and counted, and memory stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_reads_its_error_replies_stays_bounded() {
    let shop = listening("shop", RemoteOptions::default().queue_capacity(64));
    let mut channel = TcpChannel::connect(addr(&shop), 4096)
        .await
        .expect("connect");
    raw::connect(&mut channel, "flood", &raw::secret()).await;
    let before = resident();
    const FLOOD: u64 = 100_000;
    // Refused payloads of 1 KiB: echoed whole, the answers would be
    // 100 MB; as sent (a 64-byte prefix each) they are still far more
    // than the socket buffers hold.
    let target = "shop/nobody#1";
    let payload = vec![0xab; 1 << 10];
    let bad = Envelope::new(Kind::Tell, "flood#0", target, "flood.Junk", &payload).to_vec();
    let sender = tokio::spawn(async move {
        for _ in 0..FLOOD {
            if channel.send(bad.clone()).await.is_err() {
                break;
            }
        }
        channel
    });
    within("the flood's count", async {
        while shop.remote_stats().messages_refused < FLOOD {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let stats = shop.remote_stats();
    assert_eq!(stats.messages_refused, FLOOD, "{stats:?}");
    assert!(stats.control_frames_dropped > 0, "{stats:?}");
    if let (Some(before), Some(after)) = (before, resident()) {
        let grown = after.saturating_sub(before);
        assert!(grown < 256 << 20, "resident memory grew by {grown} bytes");
    }
    let channel = within("the sender", sender).await.expect("the sender task");
    drop(channel);
    // Shop still serves a real peer.
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    let till = connecting("till", raw::secret(), RemoteOptions::default());
    within("connect", till.connect(addr(&shop)))
        .await
        .expect("connect");
    let there: ActorRef<CounterMsg> = ActorRef::new(counter.id().clone());
    till.tell(&there, CounterMsg::Increment).expect("tell");
    assert_eq!(count_of(&till, &there).await, 1);
    shut(till).await;
    shut(shop).await;
}
