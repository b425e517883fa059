//! A kept connection comes back by itself: its peer shuts down, the
//! keeper retries with backoff (each failed attempt an event), and once a
//! system listens at the endpoint again the link is up and messages flow.

#[path = "support/raw.rs"]
mod raw;
#[path = "support/behaviors.rs"]
mod support;

use std::time::Duration;

use alloy_actors::ActorSpec;
use alloy_counter::{Count, Counter, CounterMsg};
use olivier_runtime::ActorSystem;
use olivier_runtime::remote::{Endpoint, PeerEvent, RemoteOptions};
use support::{PATIENCE, within};

/// A `shop` at `endpoint` with a counter registered as `tally`.
async fn shop(endpoint: &Endpoint) -> ActorSystem {
    let shop = ActorSystem::builder()
        .name("shop")
        .secret(raw::secret())
        .listen_on(endpoint.clone())
        .build()
        .expect("build shop");
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    shop.register("tally", &counter).expect("register");
    shop
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_connection_comes_back_when_its_peer_does() {
    let path = std::env::temp_dir().join(format!("alloy-keep-{}.sock", std::process::id()));
    let endpoint = Endpoint::Unix(path);
    let first = shop(&endpoint).await;
    let till = ActorSystem::builder()
        .name("till")
        .secret(raw::secret())
        .remote(
            RemoteOptions::default()
                .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(200)),
        )
        .build()
        .expect("build till");
    let mut events = till.peer_events();
    till.keep_connected(endpoint.clone());
    raw::peer_event(
        &mut events,
        "the first connection",
        |e| matches!(e, PeerEvent::Connected { system, .. } if system == "shop"),
    )
    .await;
    let tally = till.lookup::<CounterMsg>("shop", "tally").expect("by name");
    let count = |system: &ActorSystem| {
        let (system, tally) = (system.clone(), tally.clone());
        async move {
            let Count(count) = within(
                "the count",
                system.ask(
                    &tally,
                    |reply_to| CounterMsg::GetCount { reply_to },
                    PATIENCE,
                ),
            )
            .await
            .expect("ask by name");
            count
        }
    };
    till.tell(&tally, CounterMsg::Increment).expect("tell");
    assert_eq!(count(&till).await, 1);

    within("the shutdown", first.shutdown())
        .await
        .expect("first shop");
    raw::peer_event(
        &mut events,
        "the loss",
        |e| matches!(e, PeerEvent::Disconnected { system, .. } if system == "shop"),
    )
    .await;
    let retry = raw::peer_event(&mut events, "a failed attempt", |e| {
        matches!(e, PeerEvent::Reconnecting { .. })
    })
    .await;
    assert!(
        matches!(&retry, PeerEvent::Reconnecting { endpoint: at, attempt: 1, .. } if at == &endpoint),
        "{retry:?}"
    );

    let second = shop(&endpoint).await;
    raw::peer_event(
        &mut events,
        "the reconnection",
        |e| matches!(e, PeerEvent::Connected { system, .. } if system == "shop"),
    )
    .await;
    till.tell(&tally, CounterMsg::Increment)
        .expect("tell the new shop");
    assert_eq!(count(&till).await, 1, "a fresh counter on the new shop");
    within("the shutdown", till.shutdown()).await.expect("till");
    within("the shutdown", second.shutdown())
        .await
        .expect("second shop");
}
