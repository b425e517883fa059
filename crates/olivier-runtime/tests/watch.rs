//! Watching actors (OTP's monitors): a watcher hears, once, that a local
//! actor stopped, that a watched actor was unknown, that a remote actor
//! (by name) stopped, and that a remote system went silent past the idle
//! timeout (its link lost), however the link failed.

#[path = "support/raw.rs"]
mod raw;
#[path = "support/behaviors.rs"]
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use alloy_actors::{
    ActorId, ActorSpec, Behavior, Capabilities, Capability, Context, Effect, Message, Terminated,
};
use alloy_counter::Counter;
use olivier_runtime::ActorSystem;
use olivier_runtime::remote::{PeerEvent, RemoteOptions};
use serde::{Deserialize, Serialize};
use support::within;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

#[derive(Debug, Clone, Serialize, Deserialize)]
enum WatcherMsg {
    Watch(ActorId),
    Down(Terminated),
}

impl From<Terminated> for WatcherMsg {
    fn from(notice: Terminated) -> Self {
        WatcherMsg::Down(notice)
    }
}

impl Message for WatcherMsg {
    const TYPE_NAME: &'static str = "tests.watch.WatcherMsg";
}

/// Watches what it is told to, and hands every notice to the test.
struct Watcher(mpsc::UnboundedSender<Terminated>);

impl Behavior for Watcher {
    type State = ();
    type Message = WatcherMsg;

    fn init(&self) {}

    fn receive(&self, ctx: &Context<WatcherMsg>, (): (), msg: WatcherMsg) -> Effect<()> {
        match msg {
            WatcherMsg::Watch(target) => Effect::from(()).watch(&target, &ctx.myself()),
            WatcherMsg::Down(notice) => {
                let _ = self.0.send(notice);
                Effect::from(())
            }
        }
    }
}

fn watcher_spec(notices: mpsc::UnboundedSender<Terminated>) -> ActorSpec<Watcher> {
    ActorSpec::new(Watcher(notices))
        .name("watcher")
        .capabilities(Capabilities::default().with(Capability::Remote))
}

async fn notice(notices: &mut mpsc::UnboundedReceiver<Terminated>, what: &str) -> Terminated {
    within(what, notices.recv())
        .await
        .expect("the watcher runs")
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_hears_a_local_actor_stop_and_an_unknown_one_at_once() {
    let system = ActorSystem::builder().name("here").build().expect("build");
    let (tx, mut notices) = mpsc::unbounded_channel();
    let watcher = system.spawn(watcher_spec(tx)).await.expect("spawn");
    let counter = system
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    let ghost: ActorId = "here/ghost#99".parse().expect("an id");
    system
        .tell(&watcher, WatcherMsg::Watch(ghost.clone()))
        .expect("tell");
    let unknown = notice(&mut notices, "the unknown actor's notice").await;
    assert_eq!(unknown.actor, ghost);
    system
        .tell(&watcher, WatcherMsg::Watch(counter.id().clone()))
        .expect("tell");
    // The watch is in place once the watcher handled it: a later message
    // queues behind it.
    system
        .tell(&watcher, WatcherMsg::Watch(ghost.clone()))
        .expect("tell");
    notice(&mut notices, "the second unknown notice").await;
    within("the stop", system.stop(counter.id()))
        .await
        .expect("stop");
    let stopped = notice(&mut notices, "the stop's notice").await;
    assert_eq!(&stopped.actor, counter.id());
    assert!(stopped.reason.contains("stopped"), "{}", stopped.reason);
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_hears_a_remote_actor_stop_by_name() {
    let shop = ActorSystem::builder()
        .name("shop")
        .secret(raw::secret())
        .listen(loopback())
        .build()
        .expect("build shop");
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    shop.register("tally", &counter).expect("register");
    let till = ActorSystem::builder()
        .name("till")
        .secret(raw::secret())
        .build()
        .expect("build till");
    within(
        "connect",
        till.connect(shop.listen_addr().expect("listening")),
    )
    .await
    .expect("connect");
    let (tx, mut notices) = mpsc::unbounded_channel();
    let watcher = till.spawn(watcher_spec(tx)).await.expect("spawn");
    let named = ActorId::named("shop", "tally").expect("an id");
    till.tell(&watcher, WatcherMsg::Watch(named.clone()))
        .expect("tell");
    // Wait until shop holds the watch: a watch of an unknown name answers
    // at once, so watch one that does not exist and wait for its notice.
    let missing = ActorId::named("shop", "missing").expect("an id");
    till.tell(&watcher, WatcherMsg::Watch(missing.clone()))
        .expect("tell");
    assert_eq!(
        notice(&mut notices, "the missing name").await.actor,
        missing
    );
    within("the stop", shop.stop(counter.id()))
        .await
        .expect("stop");
    let stopped = notice(&mut notices, "the remote stop").await;
    assert_eq!(stopped.actor, named, "named as the watcher wrote it");
    within("the shutdown", till.shutdown()).await.expect("till");
    within("the shutdown", shop.shutdown()).await.expect("shop");
}

/// Forwards `from` to `to` until the proxy freezes; then holds both open,
/// forwarding nothing.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut frozen: tokio::sync::watch::Receiver<bool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buffer = vec![0; 64 << 10];
    loop {
        let frozen_now = async {
            while !*frozen.borrow_and_update() {
                if frozen.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            () = frozen_now => {
                std::future::pending::<()>().await;
            }
            read = from.read(&mut buffer) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if to.write_all(&buffer[..n]).await.is_err() {
                        return;
                    }
                }
            },
        }
    }
}

/// A node that stops answering (its packets no longer pass; nothing is
/// closed) is noticed by watchers within the idle timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_node_is_noticed_by_watchers_within_the_idle_timeout() {
    let idle = Duration::from_millis(400);
    let shop = ActorSystem::builder()
        .name("shop")
        .secret(raw::secret())
        .listen(loopback())
        .remote(RemoteOptions::default().idle_timeout(idle))
        .build()
        .expect("build shop");
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    // A proxy that can freeze: it stops forwarding, and closes nothing.
    let proxy = TcpListener::bind(loopback()).await.expect("bind");
    let through = proxy.local_addr().expect("address");
    let shop_addr = shop.listen_addr().expect("listening");
    let (freeze, frozen) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let (inbound, _) = proxy.accept().await.expect("accept");
        let outbound = TcpStream::connect(shop_addr).await.expect("connect");
        let (a_read, a_write) = inbound.into_split();
        let (b_read, b_write) = outbound.into_split();
        let there = tokio::spawn(pump(a_read, b_write, frozen.clone()));
        let back = tokio::spawn(pump(b_read, a_write, frozen));
        let _ = tokio::join!(there, back);
    });
    let till = ActorSystem::builder()
        .name("till")
        .secret(raw::secret())
        .remote(RemoteOptions::default().idle_timeout(idle))
        .build()
        .expect("build till");
    let mut events = till.peer_events();
    within("connect", till.connect(through))
        .await
        .expect("connect");
    let (tx, mut notices) = mpsc::unbounded_channel();
    let watcher = till.spawn(watcher_spec(tx)).await.expect("spawn");
    till.tell(&watcher, WatcherMsg::Watch(counter.id().clone()))
        .expect("tell");
    let frozen_at = tokio::time::Instant::now();
    freeze.send(true).expect("freeze");
    let lost = notice(&mut notices, "the silent node's notice").await;
    assert_eq!(&lost.actor, counter.id());
    assert!(lost.reason.contains("lost"), "{}", lost.reason);
    let noticed = frozen_at.elapsed();
    // Never before the idle timeout (the link was still up), and the
    // event says why.
    assert!(noticed >= idle, "noticed after {noticed:?}");
    within("the loss event", async {
        while let Some(event) = events.recv().await {
            if let PeerEvent::Disconnected { error, .. } = event {
                return error;
            }
        }
        panic!("no loss event");
    })
    .await;
    within("the shutdown", till.shutdown()).await.expect("till");
    within("the shutdown", shop.shutdown()).await.expect("shop");
}

/// Watching the same actor twice gives one notice: after it stops, the
/// next notice is already another watch's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_watch_gives_one_notice() {
    let system = ActorSystem::builder().name("twice").build().expect("build");
    let (tx, mut notices) = mpsc::unbounded_channel();
    let watcher = system.spawn(watcher_spec(tx)).await.expect("spawn");
    let counter = system
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    for _ in 0..2 {
        system
            .tell(&watcher, WatcherMsg::Watch(counter.id().clone()))
            .expect("tell");
    }
    let ghost: ActorId = "twice/ghost#99".parse().expect("an id");
    system
        .tell(&watcher, WatcherMsg::Watch(ghost.clone()))
        .expect("tell");
    assert_eq!(notice(&mut notices, "the ghost").await.actor, ghost);
    within("the stop", system.stop(counter.id()))
        .await
        .expect("stop");
    assert_eq!(&notice(&mut notices, "the stop").await.actor, counter.id());
    let later: ActorId = "twice/later#98".parse().expect("an id");
    system
        .tell(&watcher, WatcherMsg::Watch(later.clone()))
        .expect("tell");
    assert_eq!(
        notice(&mut notices, "the next notice").await.actor,
        later,
        "the stop was told twice"
    );
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}
