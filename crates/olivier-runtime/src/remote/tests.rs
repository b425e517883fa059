//! Unit tests of what integration tests cannot reach deterministically:
//! frames still queued when a link is lost become dead letters.

use std::sync::{Arc, Weak};
use std::time::Duration;

use alloy_actors::{ActorId, AnyMessage};
use alloy_counter::CounterMsg;
use tokio::net::{TcpListener, TcpStream};

use super::RemoteSendError;
use super::endpoint::Endpoint;
use super::events::PeerEventHub;
use super::peer::{self, Ending, Lane, Letter, Outgoing, Peer, PeerSetup, Shared};
use super::settle::Accounts;
use super::stats::Counters;
use super::stream::WriteHalf;
use crate::{ActorSystem, DeadLetterReason};

/// What a peer shares with a system that has no other peer.
fn shared() -> Shared {
    let events = PeerEventHub::new(8);
    let counters = Arc::<Counters>::default();
    let accounts = Accounts::new(
        Duration::from_secs(1),
        events.clone(),
        Arc::clone(&counters),
    );
    Shared {
        events,
        counters,
        routes: Weak::new(),
        accounts: Arc::new(accounts),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_queued_when_the_link_is_lost_become_dead_letters() {
    let system = ActorSystem::builder().name("here").build().unwrap();
    let mut letters = system.dead_letters();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stream, _accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
    let (_read, write) = stream.unwrap().into_split();

    let setup = PeerSetup {
        system: "there".to_owned(),
        addr: Endpoint::Tcp(addr),
        link: 1,
        max_frame_len: 1024,
        capacity: 8,
        queue_bytes: 1 << 20,
        their_link: 1,
        max_unacked: 1 << 16,
    };
    let (peer, queue) = Peer::new(setup, shared());
    let target: ActorId = "there/counter#1".parse().unwrap();
    for _ in 0..3 {
        let letter = Letter {
            target: target.clone(),
            sender: None,
            message: AnyMessage::new(CounterMsg::Increment),
            bytes: 4,
        };
        let outgoing = Outgoing {
            lane: Lane::Normal,
            frame: vec![0; 4],
            letter: Some(letter),
        };
        peer.push(outgoing).unwrap();
    }
    assert!(peer.close(Ending::Lost));
    // Later pushes are refused at once, with the message handed back.
    let refused = peer.push(Outgoing {
        lane: Lane::Normal,
        frame: Vec::new(),
        letter: None,
    });
    assert!(matches!(
        refused,
        Err((_, RemoteSendError::PeerDisconnected { .. }))
    ));

    let inner = Arc::downgrade(system.inner());
    let heartbeat = (Duration::from_secs(60), Vec::new(), "here#0".to_owned());
    peer::write_loop(
        inner,
        Arc::clone(&peer),
        queue,
        WriteHalf::Tcp(write),
        heartbeat,
    )
    .await;
    for _ in 0..3 {
        let letter = letters.recv().await.unwrap();
        assert_eq!(letter.target, target);
        assert_eq!(
            letter.reason,
            DeadLetterReason::Unreachable(RemoteSendError::PeerDisconnected {
                system: "there".to_owned()
            })
        );
        assert_eq!(
            letter.message.downcast_ref::<CounterMsg>(),
            Some(&CounterMsg::Increment)
        );
    }
    assert_eq!(system.dead_letter_count(), 3);
    system.shutdown().await.unwrap();
}

/// A queue bounded in bytes refuses a frame that would take it past its
/// budget, and takes frames again once the writer drained them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_send_queue_is_bounded_in_bytes() {
    let addr = "127.0.0.1:9".parse().unwrap();
    let setup = PeerSetup {
        system: "there".to_owned(),
        addr: Endpoint::Tcp(addr),
        link: 1,
        max_frame_len: 1 << 20,
        capacity: 1000,
        queue_bytes: 1000,
        their_link: 1,
        max_unacked: 1 << 16,
    };
    let (peer, mut queue) = Peer::new(setup, shared());
    let frame = |len| Outgoing {
        lane: Lane::Normal,
        frame: vec![0; len],
        letter: None,
    };
    peer.push(frame(600)).unwrap();
    let refused = peer.push(frame(600));
    assert!(
        matches!(
            refused,
            Err((_, RemoteSendError::QueueOverBudget { bytes: 1000, .. }))
        ),
        "{refused:?}"
    );
    peer.push(frame(400)).unwrap();
    assert!(peer.push(frame(1)).is_err(), "exactly full");
    drop(queue.recv().await);
    peer.taken(600);
    peer.push(frame(600)).unwrap();
}
