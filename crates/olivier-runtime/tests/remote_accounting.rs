//! Delivery accounting across a link cut mid-stream: every message a
//! system accepted to send is delivered or counted as a dead letter,
//! exactly once. A proxy between the two systems kills both sockets in
//! the middle of a stream of tells; the sender reconnects, the receiver
//! says how many of the lost connection's messages it handled, and the
//! sender counts the rest.

#[path = "support/raw.rs"]
mod raw;
#[path = "support/behaviors.rs"]
mod support;

use std::net::SocketAddr;

use alloy_actors::{ActorRef, ActorSpec};
use alloy_counter::{Count, Counter, CounterMsg};
use olivier_runtime::remote::{PeerEvent, RemoteOptions, RemoteSendError};
use olivier_runtime::{ActorSystem, TellError};
use support::{PATIENCE, within};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A TCP proxy for one connection to `to`; the sender kills both of its
/// sockets at once (with a reset), whatever is in flight.
async fn proxy(to: SocketAddr) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind(loopback()).await.expect("bind the proxy");
    let addr = listener.local_addr().expect("the proxy's address");
    let (cut, cutting) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let (inbound, _) = listener.accept().await.expect("accept");
        let outbound = TcpStream::connect(to).await.expect("connect through");
        let (mut in_read, mut in_write) = inbound.into_split();
        let (mut out_read, mut out_write) = outbound.into_split();
        let there = tokio::spawn(async move {
            let _ = tokio::io::copy(&mut in_read, &mut out_write).await;
            (in_read, out_write)
        });
        let back = tokio::spawn(async move {
            let _ = tokio::io::copy(&mut out_read, &mut in_write).await;
            (out_read, in_write)
        });
        let _ = cutting.await;
        // Drops every half, with whatever the copies held: both ends see
        // their connection end.
        there.abort();
        back.abort();
        let _ = there.await;
        let _ = back.await;
    });
    (addr, cut)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_cut_mid_stream_leaves_sent_equal_to_delivered_plus_dead_letters() {
    // The settlement must come from the peer, never from the timeout; a
    // small window of unacknowledged messages, which acknowledgements
    // must keep opening for the stream to run past it.
    const WINDOW: usize = 4096;
    let options = RemoteOptions::default()
        .settle_timeout(10 * PATIENCE)
        .max_unacked(WINDOW);
    let shop = ActorSystem::builder()
        .name("shop")
        .secret(raw::secret())
        .listen(loopback())
        .remote(options)
        .build()
        .expect("build shop");
    let shop_addr = shop.listen_addr().expect("listening");
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    let till = ActorSystem::builder()
        .name("till")
        .secret(raw::secret())
        .remote(options)
        .build()
        .expect("build till");
    let mut till_events = till.peer_events();
    let mut shop_events = shop.peer_events();
    let (through, cut) = proxy(shop_addr).await;
    within("connect through the proxy", till.connect(through))
        .await
        .expect("connect");
    let there: ActorRef<CounterMsg> = ActorRef::new(counter.id().clone());

    // Tells until well past the cut; each is sent, or refused (handed
    // back and counted as a dead letter).
    const ATTEMPTS: u64 = 200_000;
    let mut cut = Some(cut);
    let mut sent = 0u64;
    let mut attempts = 0u64;
    while attempts < ATTEMPTS {
        attempts += 1;
        match till.tell(&there, CounterMsg::Increment) {
            Ok(()) => sent += 1,
            Err(TellError::Unreachable {
                error: RemoteSendError::QueueFull { .. } | RemoteSendError::QueueOverBudget { .. },
                ..
            }) => tokio::task::yield_now().await,
            Err(_) => {}
        }
        if attempts == ATTEMPTS / 2
            && let Some(cut) = cut.take()
        {
            let _ = cut.send(());
        }
    }
    assert!(
        sent > 5 * WINDOW as u64,
        "the stream stalled at the window: {sent} sent"
    );
    // Both sides notice the loss; then till reconnects, directly.
    raw::peer_event(
        &mut till_events,
        "till's loss",
        |e| matches!(e, PeerEvent::Disconnected { system, .. } if system == "shop"),
    )
    .await;
    raw::peer_event(
        &mut shop_events,
        "shop's loss",
        |e| matches!(e, PeerEvent::Disconnected { system, .. } if system == "till"),
    )
    .await;
    within("the reconnection", till.connect(shop_addr))
        .await
        .expect("reconnect");
    let settled = raw::peer_event(
        &mut till_events,
        "the settlement",
        |e| matches!(e, PeerEvent::Settled { system, .. } if system == "shop"),
    )
    .await;
    let PeerEvent::Settled {
        delivered, lost, ..
    } = settled
    else {
        unreachable!("matched above");
    };
    // What shop's counter got (the ask queues behind every increment).
    let Count(count) = within(
        "the count",
        shop.ask(
            &there,
            |reply_to| CounterMsg::GetCount { reply_to },
            PATIENCE,
        ),
    )
    .await
    .expect("ask the count");
    let delivered_all = u64::try_from(count).expect("a count");
    let dead = till.dead_letter_count();
    assert_eq!(
        attempts,
        delivered_all + dead,
        "every attempt is delivered or a dead letter, exactly: {sent} sent, {delivered_all} \
         delivered, {dead} dead letters ({lost} lost with the link, {delivered} settled as \
         delivered)"
    );
    assert_eq!(till.remote_stats().messages_lost, lost);
    assert!(
        delivered + lost <= WINDOW as u64,
        "{delivered} + {lost} unacknowledged"
    );
    println!(
        "{attempts} attempts, {sent} sent, {delivered_all} delivered, {dead} dead letters, \
         {delivered} + {lost} unacknowledged at the cut"
    );
    within("the shutdown", till.shutdown()).await.expect("till");
    within("the shutdown", shop.shutdown()).await.expect("shop");
}
