//! Priority lanes in a link's send queue: while a peer is slow to read, a
//! supervision message queued after a backlog of bulk ones is written
//! before the rest of that backlog.

#[path = "support/raw.rs"]
mod raw;
#[path = "support/behaviors.rs"]
mod support;

use std::net::SocketAddr;

use alloy_actors::{ActorPriority, ActorRef};
use barewire::{Envelope, Kind, Priority};
use olivier_runtime::ActorSystem;
use olivier_runtime::remote::{RemoteOptions, TcpChannel, WireMessage};
use support::within;
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervision_message_overtakes_queued_bulk_ones() {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (read_now, reading) = oneshot::channel::<()>();
    let raw_peer = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let mut channel = TcpChannel::new(stream, 1 << 20);
        raw::accept(&mut channel, "raw", &raw::secret()).await;
        let _ = reading.await;
        // Message priorities in the order they arrive.
        let mut arrived = Vec::new();
        while let Some(frame) = raw::next_non_system(&mut channel).await {
            let envelope = Envelope::decode(&frame).expect("an envelope");
            if envelope.kind == Kind::Tell {
                arrived.push(envelope.priority);
                if envelope.priority == Priority::Supervision {
                    break;
                }
            }
        }
        arrived
    });
    let till = ActorSystem::builder()
        .name("till")
        .secret(raw::secret())
        .remote(RemoteOptions::default().queue_capacity(256))
        .build()
        .expect("build till");
    within("connect", till.connect(addr))
        .await
        .expect("connect");
    let sink: ActorRef<WireMessage> = ActorRef::new("raw/sink#1".parse().expect("an id"));
    let bulk = WireMessage {
        message_type: "bulk".to_owned(),
        payload: vec![7; 16 << 10],
    };
    // The socket's buffers fill, then the bulk lane.
    let mut queued = 0;
    while queued < 2000 {
        if till
            .tell_with_priority(&sink, bulk.clone(), ActorPriority::Bulk)
            .is_err()
        {
            break;
        }
        queued += 1;
    }
    let urgent = WireMessage {
        message_type: "urgent".to_owned(),
        payload: Vec::new(),
    };
    till.tell_with_priority(&sink, urgent, ActorPriority::Supervision)
        .expect("the urgent message is queued");
    let _ = read_now.send(());
    let arrived = within("the raw peer", raw_peer)
        .await
        .expect("the raw peer");
    let before = arrived.len() - 1;
    assert!(
        before < queued,
        "the supervision message came after every one of the {queued} bulk messages"
    );
    within("the shutdown", till.shutdown()).await.expect("till");
}
