//! The baseline: an "actor" is a tokio task looping over an unbounded mpsc
//! receiver, its state a local variable. No framework, no supervision tree:
//! what the other contenders add cost to.

use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

use crate::{Contender, PAIRS_DONE, QuietPanics, STARTED, SpawnIdle, live_heap_bytes, on_tokio};

/// A tokio task per actor, fed by `tokio::sync::mpsc::unbounded_channel`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioMpsc;

/// What the counter accepts.
enum CounterMsg {
    Incr,
    Get(oneshot::Sender<u64>),
}

/// A counter that completes `done` when its count reaches `target`.
async fn counter(
    mut inbox: UnboundedReceiver<CounterMsg>,
    target: u64,
    mut done: Option<oneshot::Sender<()>>,
) {
    let mut count = 0u64;
    while let Some(msg) = inbox.recv().await {
        match msg {
            CounterMsg::Incr => {
                count += 1;
                if count == target
                    && let Some(done) = done.take()
                {
                    let _ = done.send(());
                }
            }
            CounterMsg::Get(reply_to) => {
                let _ = reply_to.send(count);
            }
        }
    }
}

async fn ask(counter: &UnboundedSender<CounterMsg>) -> u64 {
    let (reply_to, answer) = oneshot::channel();
    counter
        .send(CounterMsg::Get(reply_to))
        .expect("the counter is running");
    answer.await.expect("the counter answers")
}

/// An idle actor: its state is a counter it never gets to use.
async fn idle(mut inbox: UnboundedReceiver<()>) {
    STARTED.count_down();
    let mut state = 0u64;
    while inbox.recv().await.is_some() {
        state += 1;
    }
    std::hint::black_box(state);
}

/// The ball two players bounce; it carries the address to answer.
struct Ball {
    remaining: u32,
    reply_to: UnboundedSender<Ball>,
}

async fn player(mut inbox: UnboundedReceiver<Ball>, myself: UnboundedSender<Ball>) {
    while let Some(Ball {
        remaining,
        reply_to,
    }) = inbox.recv().await
    {
        if remaining == 0 {
            PAIRS_DONE.count_down();
        } else {
            let _ = reply_to.send(Ball {
                remaining: remaining - 1,
                reply_to: myself.clone(),
            });
        }
    }
}

/// What the supervised child accepts.
enum ChildMsg {
    Fail,
    Get(oneshot::Sender<u64>),
}

async fn child(mut inbox: UnboundedReceiver<ChildMsg>) {
    let mut asked = 0u64;
    while let Some(msg) = inbox.recv().await {
        match msg {
            ChildMsg::Fail => panic!("the child fails on request"),
            ChildMsg::Get(reply_to) => {
                let _ = reply_to.send(asked);
                asked += 1;
            }
        }
    }
}

/// Runs the child, respawning it on a new channel whenever its task panics,
/// and hands every new child's sender to `updates`.
async fn supervisor(updates: UnboundedSender<UnboundedSender<ChildMsg>>) {
    loop {
        let (to_child, inbox) = unbounded_channel();
        if updates.send(to_child).is_err() {
            return;
        }
        match tokio::spawn(child(inbox)).await {
            Err(error) if error.is_panic() => continue,
            _ => return,
        }
    }
}

impl Contender for TokioMpsc {
    fn name(&self) -> &'static str {
        "tokio-mpsc"
    }

    fn is_peer(&self) -> bool {
        false
    }

    fn tell_throughput(&self, messages: u64) -> Duration {
        on_tokio(async move {
            let (to_counter, inbox) = unbounded_channel();
            let (done, finished) = oneshot::channel();
            tokio::spawn(counter(inbox, messages, Some(done)));
            ask(&to_counter).await; // running
            let start = Instant::now();
            for _ in 0..messages {
                to_counter
                    .send(CounterMsg::Incr)
                    .expect("the counter is running");
            }
            finished.await.expect("the counter reaches the target");
            start.elapsed()
        })
    }

    fn ask_round_trip(&self, samples: usize) -> Vec<Duration> {
        on_tokio(async move {
            let (to_counter, inbox) = unbounded_channel();
            tokio::spawn(counter(inbox, u64::MAX, None));
            ask(&to_counter).await;
            let mut times = Vec::with_capacity(samples);
            for _ in 0..samples {
                let start = Instant::now();
                std::hint::black_box(ask(&to_counter).await);
                times.push(start.elapsed());
            }
            times
        })
    }

    fn spawn_idle(&self, actors: usize) -> SpawnIdle {
        on_tokio(async move {
            let mut handles = Vec::with_capacity(actors);
            STARTED.arm(actors);
            let before = live_heap_bytes();
            let start = Instant::now();
            for _ in 0..actors {
                let (to_idle, inbox) = unbounded_channel();
                tokio::spawn(idle(inbox));
                handles.push(to_idle);
            }
            STARTED.wait().await;
            let elapsed = start.elapsed();
            let heap_bytes = live_heap_bytes() - before;
            drop(handles); // every task ends when its channel closes
            SpawnIdle {
                elapsed,
                heap_bytes,
            }
        })
    }

    fn fan_out_ping_pong(&self, pairs: usize, round_trips: u32) -> Duration {
        on_tokio(async move {
            let mut players = Vec::with_capacity(pairs);
            for _ in 0..pairs {
                let (a, a_inbox) = unbounded_channel();
                let (b, b_inbox) = unbounded_channel();
                tokio::spawn(player(a_inbox, a.clone()));
                tokio::spawn(player(b_inbox, b.clone()));
                players.push((a, b));
            }
            PAIRS_DONE.arm(pairs);
            let start = Instant::now();
            for (a, b) in &players {
                a.send(Ball {
                    remaining: 2 * round_trips,
                    reply_to: b.clone(),
                })
                .expect("the player is running");
            }
            PAIRS_DONE.wait().await;
            start.elapsed()
        })
        // Dropping the runtime ends the players, which hold their own senders.
    }

    fn restarts(&self, cycles: u32) -> Duration {
        let _quiet = QuietPanics::install();
        on_tokio(async move {
            let (updates, mut new_children) = unbounded_channel();
            tokio::spawn(supervisor(updates));
            let mut child = new_children.recv().await.expect("the first child");
            let (reply_to, answer) = oneshot::channel();
            child
                .send(ChildMsg::Get(reply_to))
                .expect("the child is running");
            answer.await.expect("the child answers");
            let start = Instant::now();
            for _ in 0..cycles {
                child.send(ChildMsg::Fail).expect("the child is running");
                child = new_children.recv().await.expect("a restarted child");
                let (reply_to, answer) = oneshot::channel();
                child
                    .send(ChildMsg::Get(reply_to))
                    .expect("the restarted child is running");
                let count = answer.await.expect("the restarted child answers");
                assert_eq!(count, 0, "a restarted child starts afresh");
            }
            start.elapsed()
        })
    }
}
