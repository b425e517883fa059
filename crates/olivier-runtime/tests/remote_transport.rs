//! The remote transport on real loopback sockets: two systems (in this
//! process, or this one and a child process running this test binary)
//! exchange tells and asks over TCP, every message a BAREWire frame; bad
//! input from raw sockets gets typed errors and dead letters, and the
//! receiving system keeps serving.

#[path = "support/child.rs"]
mod child;
#[path = "support/raw.rs"]
mod raw;
#[path = "support/behaviors.rs"]
mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use alloy_actors::{
    ActorRef, ActorSpec, Capabilities, Capability, CapabilityError, Channel, SupervisionStrategy,
};
use alloy_counter::{Count, Counter, CounterMsg};
use barewire::{Envelope, Kind};
use olivier_runtime::remote::{
    ConnectError, ConnectionError, ERROR_TYPE, ErrorBody, ErrorCode, HANDSHAKE_FRAME_LEN,
    PeerEvent, REMOTE_PROTOCOL, RemoteOptions, RemoteSendError, TcpChannel, WireMessage,
};
use olivier_runtime::{
    ActorSystem, AskError, DeadLetter, DeadLetterReason, DeadLetters, SystemEvent, TellError,
};
use support::{Gate, Journal, PATIENCE, Reply, Worker, WorkerMsg, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn root() -> SupervisionStrategy {
    SupervisionStrategy::one_for_one(10, Duration::from_secs(60))
}

/// A system named `name` listening on a free loopback port.
fn listening(name: &str, options: RemoteOptions) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .default_supervision(root())
        .listen(loopback())
        .secret(raw::secret())
        .remote(options)
        .build()
        .expect("build a listening system")
}

/// A system named `name` that can connect (it knows the secret).
fn connecting(name: &str) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .default_supervision(root())
        .secret(raw::secret())
        .build()
        .expect("build a system")
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn addr(system: &ActorSystem) -> SocketAddr {
    system.listen_addr().expect("the system listens")
}

/// `till` connected to a listening `shop`.
async fn pair() -> (ActorSystem, ActorSystem) {
    let shop = listening("shop", RemoteOptions::default());
    let till = connecting("till");
    let peer = within("the connection", till.connect(addr(&shop)))
        .await
        .expect("connect till to shop");
    assert_eq!(peer, "shop");
    (shop, till)
}

async fn letter(letters: &mut DeadLetters, what: &str) -> DeadLetter {
    match tokio::time::timeout(PATIENCE, letters.recv()).await {
        Ok(Some(letter)) => letter,
        Ok(None) => panic!("the dead letter stream ended while waiting for {what}"),
        Err(_) => panic!("timed out waiting for {what}"),
    }
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

/// The same reference, as another system holds it.
fn remote<M: alloy_actors::Message>(id: &str) -> ActorRef<M> {
    ActorRef::new(id.parse().expect("an actor id"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tells_and_asks_cross_between_two_systems() {
    let (shop, till) = pair().await;
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .unwrap();
    let there: ActorRef<CounterMsg> = ActorRef::new(counter.id().clone());

    for _ in 0..10 {
        till.tell(&there, CounterMsg::Increment).unwrap();
    }
    till.tell(&there, CounterMsg::Decrement).unwrap();
    // Ordered on the one connection: the ask sees every tell.
    assert_eq!(count_of(&till, &there).await, 9);
    // One connection, known to both sides.
    assert_eq!(till.peers(), ["shop"]);
    assert_eq!(shop.peers(), ["till"]);
    assert_eq!(count_of(&shop, &counter).await, 9);
    assert_eq!(till.dead_letter_count(), 0);
    assert_eq!(shop.dead_letter_count(), 0);

    // A counter on till, asked from shop over the connection till opened.
    let local = till
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .unwrap();
    let back: ActorRef<CounterMsg> = ActorRef::new(local.id().clone());
    shop.tell(&back, CounterMsg::Increment).unwrap();
    assert_eq!(count_of(&shop, &back).await, 1);

    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
    support::within("the shutdown", shop.shutdown())
        .await
        .unwrap();
}

/// A worker on `system` allowed to tell other systems' actors.
async fn relay(
    system: &ActorSystem,
    journal: &Arc<Journal>,
    gate: &Arc<Gate>,
) -> ActorRef<WorkerMsg> {
    system
        .spawn(
            Worker::new("relay", journal, gate)
                .spec()
                .capabilities(Capabilities::default().with(Capability::Remote)),
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_tells_an_actor_of_another_system() {
    let (shop, till) = pair().await;
    let journal = Journal::new();
    let gate = Gate::guarded();
    let sink = shop
        .spawn(Worker::new("sink", &journal, &gate).spec())
        .await
        .unwrap();
    let relay = relay(&till, &journal, &gate).await;
    let to: ActorRef<WorkerMsg> = ActorRef::new(sink.id().clone());
    for n in 1..=3 {
        till.tell(&relay, WorkerMsg::Forward { to: to.clone(), n })
            .unwrap();
    }
    journal
        .wait("three forwarded works", |entries| {
            entries
                .iter()
                .filter(|e| e.starts_with("sink:work:"))
                .count()
                == 3
        })
        .await;
    assert_eq!(
        journal.with_prefix("sink:work:"),
        ["sink:work:1", "sink:work:2", "sink:work:3"]
    );
    // The sink answers an ask from till (a reply to a `$ask` id needs no
    // capability).
    let Reply(handled) = till
        .ask(&to, |reply_to| WorkerMsg::Get { reply_to }, PATIENCE)
        .await
        .unwrap();
    assert_eq!(handled, 3);
    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
    support::within("the shutdown", shop.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_without_the_remote_capability_fails_when_it_tells_another_system() {
    let (shop, till) = pair().await;
    let journal = Journal::new();
    let gate = Gate::guarded();
    let sink = shop
        .spawn(Worker::new("sink", &journal, &gate).spec())
        .await
        .unwrap();
    // The default capabilities (spawn, schedule) lack `Remote`.
    let relay = till
        .spawn(Worker::new("relay", &journal, &gate).spec())
        .await
        .unwrap();
    let mut events = till.events();
    let to: ActorRef<WorkerMsg> = ActorRef::new(sink.id().clone());
    till.tell(
        &relay,
        WorkerMsg::Forward {
            to: to.clone(),
            n: 1,
        },
    )
    .unwrap();
    let failed = support::event(
        &mut events,
        "the relay's failure",
        |event| matches!(event, SystemEvent::Failed { actor, .. } if actor == relay.id()),
    )
    .await;
    let SystemEvent::Failed { error, .. } = failed else {
        unreachable!()
    };
    let denied = std::error::Error::source(&error)
        .and_then(|source| source.downcast_ref::<CapabilityError>())
        .expect("a capability error");
    assert_eq!(denied.capability, Capability::Remote);
    assert_eq!(&denied.actor, relay.id());
    // Nothing left till: the sink handled nothing.
    let Reply(handled) = till
        .ask(&to, |reply_to| WorkerMsg::Get { reply_to }, PATIENCE)
        .await
        .unwrap();
    assert_eq!(handled, 0);
    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
    support::within("the shutdown", shop.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_remote_actor_is_a_dead_letter_on_both_sides() {
    let (shop, till) = pair().await;
    let mut shop_letters = shop.dead_letters();
    let mut till_letters = till.dead_letters();
    let nobody: ActorRef<CounterMsg> = remote("shop/nobody#99");

    // The tell leaves: only shop knows there is nobody.
    till.tell(&nobody, CounterMsg::Increment).unwrap();
    let here = letter(&mut shop_letters, "shop's dead letter").await;
    assert_eq!(here.reason, DeadLetterReason::UnknownActor);
    assert_eq!(&here.target, nobody.id());
    let wire = here.message.downcast_ref::<WireMessage>().unwrap();
    assert_eq!(wire.decode::<CounterMsg>(), Some(CounterMsg::Increment));

    // The error frame comes back: till records its own dead letter.
    let there = letter(&mut till_letters, "till's dead letter").await;
    match &there.reason {
        DeadLetterReason::RefusedByPeer { system, code, .. } => {
            assert_eq!(system, "shop");
            assert_eq!(*code, ErrorCode::UnknownActor);
        }
        other => panic!("expected RefusedByPeer, got {other:?}"),
    }
    assert_eq!(&there.target, nobody.id());
    let wire = there.message.downcast_ref::<WireMessage>().unwrap();
    assert_eq!(wire.decode::<CounterMsg>(), Some(CounterMsg::Increment));

    // An ask fails at once with the refusal.
    let answer = till
        .ask(
            &nobody,
            |reply_to| CounterMsg::GetCount { reply_to },
            PATIENCE,
        )
        .await;
    assert!(
        matches!(
            answer,
            Err(AskError::RefusedByPeer {
                code: ErrorCode::UnknownActor,
                ..
            })
        ),
        "{answer:?}"
    );
    letter(&mut shop_letters, "shop's second dead letter").await;
    letter(&mut till_letters, "till's second dead letter").await;
    assert_eq!(shop.dead_letter_count(), 2);
    assert_eq!(till.dead_letter_count(), 2);

    // A system nobody connected to is a typed error at once.
    let nowhere: ActorRef<CounterMsg> = remote("nowhere/counter#1");
    match till.tell(&nowhere, CounterMsg::Increment) {
        Err(TellError::Unreachable {
            error: RemoteSendError::NoRoute { system },
            message,
            ..
        }) => {
            assert_eq!(system, "nowhere");
            assert_eq!(message, CounterMsg::Increment);
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert_eq!(till.dead_letter_count(), 3);
    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
    support::within("the shutdown", shop.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_of_the_wrong_type_is_refused_by_the_receiving_system() {
    let (shop, till) = pair().await;
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .unwrap();
    let mut shop_letters = shop.dead_letters();
    let mut till_letters = till.dead_letters();
    // A reference that lies about the counter's message type.
    let liar: ActorRef<WorkerMsg> = ActorRef::new(counter.id().clone());
    till.tell(&liar, WorkerMsg::Work(7)).unwrap();

    let here = letter(&mut shop_letters, "shop's dead letter").await;
    assert_eq!(
        here.reason,
        DeadLetterReason::WrongMessageType {
            expected: "alloy.counter.CounterMsg"
        }
    );
    let wire = here.message.downcast_ref::<WireMessage>().unwrap();
    assert_eq!(wire.message_type, "test.WorkerMsg");
    let there = letter(&mut till_letters, "till's dead letter").await;
    assert!(
        matches!(
            &there.reason,
            DeadLetterReason::RefusedByPeer {
                code: ErrorCode::WrongMessageType,
                ..
            }
        ),
        "{:?}",
        there.reason
    );
    let answer = till
        .ask(
            &liar,
            |reply_to: ActorRef<Reply>| WorkerMsg::Get { reply_to },
            PATIENCE,
        )
        .await;
    assert!(
        matches!(
            answer,
            Err(AskError::RefusedByPeer {
                code: ErrorCode::WrongMessageType,
                ..
            })
        ),
        "{answer:?}"
    );
    // The counter kept serving.
    let there: ActorRef<CounterMsg> = ActorRef::new(counter.id().clone());
    till.tell(&there, CounterMsg::Increment).unwrap();
    assert_eq!(count_of(&till, &there).await, 1);
    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
    support::within("the shutdown", shop.shutdown())
        .await
        .unwrap();
}

/// Reads one raw frame: `None` at the end of the stream.
async fn read_raw_frame(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut header = [0u8; 4];
    let read = tokio::time::timeout(PATIENCE, stream.read_exact(&mut header))
        .await
        .expect("an answer in time");
    if read.is_err() {
        return None;
    }
    let mut body = vec![0; u32::from_le_bytes(header) as usize];
    within("a frame's body", stream.read_exact(&mut body))
        .await
        .ok()?;
    Some(body)
}

/// The error body of an error frame.
fn error_body(frame: &[u8]) -> ErrorBody {
    let envelope = Envelope::decode(frame).expect("an envelope");
    assert_eq!(envelope.kind, Kind::Error);
    assert_eq!(envelope.message_type, ERROR_TYPE);
    barewire::from_slice(envelope.payload).expect("an error body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_frames_from_raw_sockets_are_refused() {
    let shop = listening("shop", RemoteOptions::default().max_frame_len(1024));
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .unwrap();
    let mut events = shop.peer_events();

    // A frame that is no envelope, where the hello should be.
    let mut raw = TcpStream::connect(addr(&shop)).await.unwrap();
    raw.write_all(&[3, 0, 0, 0, 0xde, 0xad, 0xbe])
        .await
        .unwrap();
    let refusal = error_body(&read_raw_frame(&mut raw).await.expect("an error frame"));
    assert_eq!(refusal.code, ErrorCode::MalformedEnvelope);
    assert_eq!(
        read_raw_frame(&mut raw).await,
        None,
        "then the connection closes"
    );
    let refused = raw::peer_event(&mut events, "the refused connection", |event| {
        matches!(event, PeerEvent::Refused { .. })
    })
    .await;
    assert!(
        matches!(
            refused,
            PeerEvent::Refused {
                error: ConnectionError::MalformedEnvelope(_),
                ..
            }
        ),
        "{refused:?}"
    );

    // A header claiming 2 GiB.
    let mut raw = TcpStream::connect(addr(&shop)).await.unwrap();
    raw.write_all(&[0, 0, 0, 0x80]).await.unwrap();
    let refusal = error_body(&read_raw_frame(&mut raw).await.expect("an error frame"));
    assert_eq!(refusal.code, ErrorCode::FrameTooLarge);
    assert_eq!(
        read_raw_frame(&mut raw).await,
        None,
        "then the connection closes"
    );
    let refused = raw::peer_event(&mut events, "the refused connection", |event| {
        matches!(event, PeerEvent::Refused { .. })
    })
    .await;
    assert!(
        matches!(
            refused,
            PeerEvent::Refused {
                error: ConnectionError::FrameTooLarge {
                    len: 0x8000_0000,
                    max: HANDSHAKE_FRAME_LEN,
                    ..
                },
                ..
            }
        ),
        "{refused:?}"
    );

    // A hello of another protocol version.
    let mut channel = TcpChannel::connect(addr(&shop), 1 << 20).await.unwrap();
    channel
        .send(raw::hello_frame(&raw::hello("raw", REMOTE_PROTOCOL + 1)))
        .await
        .unwrap();
    let refusal = error_body(
        &within("a frame", channel.receive())
            .await
            .unwrap()
            .expect("an error frame"),
    );
    assert_eq!(refusal.code, ErrorCode::HandshakeFailed);
    assert_eq!(within("a frame", channel.receive()).await.unwrap(), None);

    // After a proper handshake, a bad frame is answered and the link kept.
    let mut channel = TcpChannel::connect(addr(&shop), 1 << 20).await.unwrap();
    let theirs = raw::connect(&mut channel, "raw", &raw::secret()).await;
    assert_eq!(theirs.system, "shop");
    channel.send(vec![9, 9, 9]).await.unwrap();
    let refusal = error_body(
        &raw::next_non_system(&mut channel)
            .await
            .expect("an error frame"),
    );
    assert_eq!(refusal.code, ErrorCode::MalformedEnvelope);
    let bad = raw::peer_event(&mut events, "the bad frame", |event| {
        matches!(event, PeerEvent::BadFrame { .. })
    })
    .await;
    assert!(
        matches!(&bad, PeerEvent::BadFrame { system, .. } if system == "raw"),
        "{bad:?}"
    );
    // A tell whose payload is not the counter message it claims.
    let target = counter.id().to_string();
    let garbage = Envelope::new(
        Kind::Tell,
        "raw#0",
        &target,
        "alloy.counter.CounterMsg",
        &[9, 9],
    );
    channel.send(garbage.to_vec()).await.unwrap();
    let refusal = error_body(
        &raw::next_non_system(&mut channel)
            .await
            .expect("an error frame"),
    );
    assert_eq!(refusal.code, ErrorCode::MalformedPayload);
    assert_eq!(refusal.payload, [9, 9]);
    // Of a refused message only a short prefix is echoed back (a peer
    // that sends large refused frames must not make shop buffer as much).
    let large = vec![7; 960];
    let wrong = Envelope::new(Kind::Tell, "raw#0", &target, "raw.Wrong", &large);
    channel.send(wrong.to_vec()).await.unwrap();
    let refusal = error_body(
        &raw::next_non_system(&mut channel)
            .await
            .expect("an error frame"),
    );
    assert_eq!(refusal.code, ErrorCode::WrongMessageType);
    assert_eq!(refusal.payload, [7; 64], "a 64-byte prefix");
    // A well-formed tell on the same connection still arrives.
    let payload = barewire::to_vec(&CounterMsg::Increment).unwrap();
    let tell = Envelope::new(
        Kind::Tell,
        "raw#0",
        &target,
        "alloy.counter.CounterMsg",
        &payload,
    );
    channel.send(tell.to_vec()).await.unwrap();
    // Then a frame over shop's limit: refused, and the connection closes.
    channel.send(vec![0; 2048]).await.unwrap();
    let refusal = error_body(
        &raw::next_non_system(&mut channel)
            .await
            .expect("an error frame"),
    );
    assert_eq!(refusal.code, ErrorCode::FrameTooLarge);
    assert_eq!(raw::next_non_system(&mut channel).await, None);
    let gone = raw::peer_event(&mut events, "the raw peer's end", |event| {
        matches!(event, PeerEvent::Disconnected { .. })
    })
    .await;
    assert!(
        matches!(
            gone,
            PeerEvent::Disconnected {
                error: ConnectionError::FrameTooLarge { len: 2048, .. },
                ..
            }
        ),
        "{gone:?}"
    );

    // Shop keeps serving other connections.
    let till = connecting("till");
    within("the connection", till.connect(addr(&shop)))
        .await
        .unwrap();
    let there: ActorRef<CounterMsg> = ActorRef::new(counter.id().clone());
    till.tell(&there, CounterMsg::Increment).unwrap();
    assert_eq!(count_of(&till, &there).await, 2);
    // Shop announced its 1 KiB limit: till refuses a larger message itself
    // rather than have the connection closed.
    let big: ActorRef<WireMessage> = ActorRef::new(counter.id().clone());
    let message = WireMessage {
        message_type: "big".to_owned(),
        payload: vec![0; 4096],
    };
    match till.tell(&big, message) {
        Err(TellError::Unreachable {
            error: RemoteSendError::TooLarge { max: 1024, .. },
            ..
        }) => {}
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(till.dead_letter_count(), 1);
    till.tell(&there, CounterMsg::Increment).unwrap();
    assert_eq!(count_of(&till, &there).await, 3);
    // The dead letters on shop: the payload that did not decode and the
    // message of the wrong type.
    assert_eq!(shop.dead_letter_count(), 2);
    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
    support::within("the shutdown", shop.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_peer_fails_pending_asks_and_later_messages_are_dead_letters() {
    let (shop, till) = pair().await;
    let journal = Journal::new();
    let gate = Gate::guarded();
    let silent = shop
        .spawn(Worker::new("silent", &journal, &gate).spec())
        .await
        .unwrap();
    let relay = relay(&till, &journal, &gate).await;
    let there: ActorRef<WorkerMsg> = ActorRef::new(silent.id().clone());
    let mut events = till.peer_events();
    let mut letters = till.dead_letters();

    // An ask the silent worker takes and never answers.
    let pending = {
        let till = till.clone();
        let there = there.clone();
        tokio::spawn(async move {
            till.ask(
                &there,
                |reply_to: ActorRef<Reply>| WorkerMsg::Swallow { reply_to },
                Duration::from_secs(3600),
            )
            .await
        })
    };
    // The ask's reply slot is registered right before its request is
    // queued; shop has handled the request once the `Work` behind it arrives.
    support::until("the ask's reply slot", || till.registered() == 2).await;
    till.tell(&there, WorkerMsg::Work(1)).unwrap();
    journal.wait_for("silent:work:1").await;
    support::within("the shutdown", shop.shutdown())
        .await
        .unwrap();

    let answer = tokio::time::timeout(PATIENCE, pending)
        .await
        .expect("the ask ends")
        .unwrap();
    match answer {
        Err(AskError::Unreachable {
            error: RemoteSendError::PeerDisconnected { system },
            ..
        }) => assert_eq!(system, "shop"),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    raw::peer_event(
        &mut events,
        "shop's end",
        |event| matches!(event, PeerEvent::Disconnected { system, .. } if system == "shop"),
    )
    .await;
    assert!(till.peers().is_empty());

    // A later tell is a typed error and a dead letter: the lost peer is
    // no longer a route at all.
    let gone = DeadLetterReason::Unreachable(RemoteSendError::NoRoute {
        system: "shop".to_owned(),
    });
    match till.tell(&there, WorkerMsg::Work(2)) {
        Err(TellError::Unreachable { error, .. }) => {
            assert_eq!(DeadLetterReason::Unreachable(error), gone);
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert_eq!(
        letter(&mut letters, "the tell's dead letter").await.reason,
        gone
    );
    // So is an actor's tell, naming the actor as sender.
    till.tell(
        &relay,
        WorkerMsg::Forward {
            to: there.clone(),
            n: 3,
        },
    )
    .unwrap();
    let from_actor = letter(&mut letters, "the actor's dead letter").await;
    assert_eq!(from_actor.reason, gone);
    assert_eq!(from_actor.sender.as_ref(), Some(relay.id()));
    // And an ask fails at once.
    let answer = till
        .ask(
            &there,
            |reply_to: ActorRef<Reply>| WorkerMsg::Get { reply_to },
            PATIENCE,
        )
        .await;
    assert!(
        matches!(
            answer,
            Err(AskError::Unreachable {
                error: RemoteSendError::NoRoute { .. },
                ..
            })
        ),
        "{answer:?}"
    );
    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_refuses_a_peer_with_its_own_name() {
    let shop = listening("shop", RemoteOptions::default());
    let twin = connecting("shop");
    match within("the handshake", twin.connect(addr(&shop))).await {
        Err(ConnectError::Handshake {
            error: ConnectionError::Refused { code, .. },
            ..
        }) => assert_eq!(code, ErrorCode::HandshakeFailed),
        other => panic!("expected a refused handshake, got {other:?}"),
    }
    support::within("the shutdown", twin.shutdown())
        .await
        .unwrap();
    support::within("the shutdown", shop.shutdown())
        .await
        .unwrap();
}

/// Forwards every counter message to another counter (wherever it is).
#[derive(Debug, Clone)]
struct Proxy {
    to: ActorRef<CounterMsg>,
}

impl alloy_actors::Behavior for Proxy {
    type State = ();
    type Message = CounterMsg;

    fn init(&self) {}

    fn receive(
        &self,
        _ctx: &alloy_actors::Context<CounterMsg>,
        (): (),
        msg: CounterMsg,
    ) -> alloy_actors::Effect<()> {
        alloy_actors::Effect::from(()).tell(&self.to, msg)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_ask_forwarded_to_another_system_gets_its_answer() {
    let (shop, till) = pair().await;
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .unwrap();
    let proxy = till
        .spawn(
            ActorSpec::new(Proxy {
                to: ActorRef::new(counter.id().clone()),
            })
            .name("proxy")
            .capabilities(Capabilities::default().with(Capability::Remote)),
        )
        .await
        .unwrap();
    till.tell(&proxy, CounterMsg::Increment).unwrap();
    // The ask is local (to the proxy); its answer comes back over TCP.
    assert_eq!(count_of(&till, &proxy).await, 1);
    assert_eq!(till.dead_letter_count(), 0);
    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
    support::within("the shutdown", shop.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_stops_reading_fills_the_send_queue_then_vanishes() {
    // A raw peer that says hello, then reads nothing until it vanishes.
    let listener = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let raw_addr = listener.local_addr().unwrap();
    let (vanish, vanished) = tokio::sync::oneshot::channel::<()>();
    let raw = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut channel = TcpChannel::new(stream, 1 << 20);
        let theirs = raw::accept(&mut channel, "raw", &raw::secret()).await;
        assert_eq!(theirs.system, "till");
        let _ = vanished.await;
        drop(channel);
    });
    let till = ActorSystem::builder()
        .name("till")
        .secret(raw::secret())
        .remote(RemoteOptions::default().queue_capacity(2))
        .build()
        .unwrap();
    let mut events = till.peer_events();
    assert_eq!(
        within("the connection", till.connect(raw_addr))
            .await
            .unwrap(),
        "raw"
    );

    // The socket's buffers fill, then the writer's queue: a typed refusal.
    let sink: ActorRef<WireMessage> = remote("raw/sink#1");
    let message = WireMessage {
        message_type: "bulk".to_owned(),
        payload: vec![7; 256 * 1024],
    };
    let mut accepted = 0u32;
    let full = loop {
        match till.tell(&sink, message.clone()) {
            Ok(()) => accepted += 1,
            Err(error) => break error,
        }
        assert!(accepted < 1_000, "the send queue never filled");
    };
    match full {
        TellError::Unreachable {
            error: RemoteSendError::QueueFull { system, capacity },
            message: handed_back,
            ..
        } => {
            assert_eq!(system, "raw");
            assert_eq!(capacity, 2);
            assert_eq!(handed_back, message);
        }
        other => panic!("expected QueueFull, got {other:?}"),
    }

    // The peer vanishes: the link is lost, later sends are typed errors.
    vanish.send(()).unwrap();
    support::within("the raw peer", raw).await.unwrap();
    let gone = raw::peer_event(&mut events, "the raw peer's end", |event| {
        matches!(event, PeerEvent::Disconnected { .. })
    })
    .await;
    assert!(
        matches!(&gone, PeerEvent::Disconnected { system, .. } if system == "raw"),
        "{gone:?}"
    );
    match till.tell(&sink, message) {
        Err(TellError::Unreachable {
            error: RemoteSendError::NoRoute { system },
            ..
        }) => assert_eq!(system, "raw"),
        other => panic!("expected NoRoute (the lost peer is forgotten), got {other:?}"),
    }
    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
}

/// The two-process test; its child process runs it too, as
/// [`remote_child`].
const TWO_PROCESSES: &str = "two_processes_exchange_tells_and_asks";

/// The child process's part: a `shop` listening on a free port with a
/// counter; prints where, then serves until its stdin closes, and shuts
/// down.
async fn remote_child() {
    let shop = listening("shop", RemoteOptions::default());
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn the counter");
    println!("remote-shop addr={} counter={}", addr(&shop), counter.id());
    std::io::Write::flush(&mut std::io::stdout()).expect("flush stdout");
    let stdin = tokio::task::spawn_blocking(|| {
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new())
    });
    let _ = stdin.await;
    support::within("the shutdown", shop.shutdown())
        .await
        .expect("shut the shop down");
    std::process::exit(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_exchange_tells_and_asks() {
    use std::io::BufRead;
    use std::process::Stdio;

    if child::is_child(TWO_PROCESSES) {
        return remote_child().await;
    }
    let mut child = child::KillOnDrop(
        child::command(TWO_PROCESSES)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the child process"),
    );
    let stdout = child.stdout.take().expect("the child's stdout");
    let reader = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            // libtest may print its own `test ... ` prefix on the same line.
            .find_map(|line| {
                line.split_once("remote-shop ")
                    .map(|(_, rest)| rest.to_owned())
            })
    });
    let line = support::within("the child's address", reader)
        .await
        .unwrap()
        .expect("the child printed where it listens");
    let field = |name: &str| -> String {
        line.split_whitespace()
            .find_map(|pair| pair.strip_prefix(name))
            .unwrap_or_else(|| panic!("no `{name}` in `{line}`"))
            .to_owned()
    };
    let shop_addr: SocketAddr = field("addr=").parse().unwrap();
    let counter: ActorRef<CounterMsg> = remote(&field("counter="));

    let till = connecting("till");
    let mut events = till.peer_events();
    assert_eq!(
        within("the connection", till.connect(shop_addr))
            .await
            .unwrap(),
        "shop"
    );
    for _ in 0..3 {
        till.tell(&counter, CounterMsg::Increment).unwrap();
    }
    assert_eq!(count_of(&till, &counter).await, 3);

    // The child shuts its system down when its stdin closes.
    drop(child.stdin.take());
    raw::peer_event(
        &mut events,
        "the child's end",
        |event| matches!(event, PeerEvent::Disconnected { system, .. } if system == "shop"),
    )
    .await;
    assert!(matches!(
        till.tell(&counter, CounterMsg::Increment),
        Err(TellError::Unreachable {
            error: RemoteSendError::NoRoute { .. },
            ..
        })
    ));
    let status = tokio::task::spawn_blocking(move || child.wait());
    let status = support::within("the child's exit", status)
        .await
        .unwrap()
        .expect("wait for the child");
    assert!(status.success(), "the child failed: {status:?}");
    support::within("the shutdown", till.shutdown())
        .await
        .unwrap();
}
