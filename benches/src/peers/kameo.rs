//! kameo: `Actor` + `Message<T>` impls, unbounded mailboxes, `tell` and
//! `ask` requests, and supervision through `Actor::supervise`.

use std::time::{Duration, Instant};

use kameo::Actor;
use kameo::actor::{ActorRef, Spawn};
use kameo::error::Infallible;
use kameo::mailbox;
use kameo::message::{Context, Message};
use tokio::sync::oneshot;

use crate::{Contender, PAIRS_DONE, STARTED, SpawnIdle, live_heap_bytes, on_tokio};

/// kameo on a multi-thread tokio runtime, default features.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kameo;

struct Counter {
    count: u64,
    target: u64,
    done: Option<oneshot::Sender<()>>,
}

impl Actor for Counter {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(counter: Self, _myself: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(counter)
    }
}

struct Incr;

impl Message<Incr> for Counter {
    type Reply = ();

    async fn handle(&mut self, _: Incr, _ctx: &mut Context<Self, ()>) {
        self.count += 1;
        if self.count == self.target
            && let Some(done) = self.done.take()
        {
            let _ = done.send(());
        }
    }
}

struct Get;

impl Message<Get> for Counter {
    type Reply = u64;

    async fn handle(&mut self, _: Get, _ctx: &mut Context<Self, u64>) -> u64 {
        self.count
    }
}

fn spawn_counter(target: u64, done: Option<oneshot::Sender<()>>) -> ActorRef<Counter> {
    Counter::spawn_with_mailbox(
        Counter {
            count: 0,
            target,
            done,
        },
        mailbox::unbounded(),
    )
}

/// An idle actor holding the small state every contender's idle actor holds.
struct Idle {
    _count: u64,
}

impl Actor for Idle {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(idle: Self, _myself: ActorRef<Self>) -> Result<Self, Infallible> {
        STARTED.count_down();
        Ok(idle)
    }
}

struct Player;

impl Actor for Player {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(player: Self, _myself: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(player)
    }
}

struct Ball {
    remaining: u32,
    reply_to: ActorRef<Player>,
}

impl Message<Ball> for Player {
    type Reply = ();

    async fn handle(&mut self, ball: Ball, ctx: &mut Context<Self, ()>) {
        if ball.remaining == 0 {
            PAIRS_DONE.count_down();
        } else {
            let _ = ball
                .reply_to
                .tell(Ball {
                    remaining: ball.remaining - 1,
                    reply_to: ctx.actor_ref().clone(),
                })
                .try_send();
        }
    }
}

/// A supervisor with kameo's defaults (one-for-one).
struct Supervisor;

impl Actor for Supervisor {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(supervisor: Self, _myself: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(supervisor)
    }
}

/// The supervised child; restarts rebuild it from a clone of its args.
#[derive(Clone)]
struct Child {
    /// Asks answered so far by this incarnation (the answer is the count
    /// before the ask, so a fresh child answers 0).
    asked: u64,
}

impl Actor for Child {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(child: Self, _myself: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(child)
    }
}

/// The failure a child returns on request.
#[derive(Debug)]
struct Failed;

struct Fail;

impl Message<Fail> for Child {
    type Reply = Result<(), Failed>;

    async fn handle(&mut self, _: Fail, _ctx: &mut Context<Self, Self::Reply>) -> Self::Reply {
        Err(Failed)
    }
}

impl Message<Get> for Child {
    type Reply = u64;

    async fn handle(&mut self, _: Get, _ctx: &mut Context<Self, u64>) -> u64 {
        self.asked += 1;
        self.asked - 1
    }
}

impl Contender for Kameo {
    fn name(&self) -> &'static str {
        "kameo"
    }

    fn is_peer(&self) -> bool {
        true
    }

    fn tell_throughput(&self, messages: u64) -> Duration {
        on_tokio(async move {
            let (done, finished) = oneshot::channel();
            let counter = spawn_counter(messages, Some(done));
            counter.ask(Get).await.expect("the counter answers");
            let start = Instant::now();
            for _ in 0..messages {
                counter
                    .tell(Incr)
                    .try_send()
                    .expect("the counter is running");
            }
            finished.await.expect("the counter reaches the target");
            start.elapsed()
        })
    }

    fn ask_round_trip(&self, samples: usize) -> Vec<Duration> {
        on_tokio(async move {
            let counter = spawn_counter(u64::MAX, None);
            counter.ask(Get).await.expect("the counter answers");
            let mut times = Vec::with_capacity(samples);
            for _ in 0..samples {
                let start = Instant::now();
                std::hint::black_box(counter.ask(Get).await.expect("the counter answers"));
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
                handles.push(Idle::spawn_with_mailbox(
                    Idle { _count: 0 },
                    mailbox::unbounded(),
                ));
            }
            STARTED.wait().await;
            let elapsed = start.elapsed();
            let heap_bytes = live_heap_bytes() - before;
            drop(handles); // an actor stops when its last reference goes
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
                let a = Player::spawn_with_mailbox(Player, mailbox::unbounded());
                let b = Player::spawn_with_mailbox(Player, mailbox::unbounded());
                a.wait_for_startup().await;
                b.wait_for_startup().await;
                players.push((a, b));
            }
            PAIRS_DONE.arm(pairs);
            let start = Instant::now();
            for (a, b) in &players {
                a.tell(Ball {
                    remaining: 2 * round_trips,
                    reply_to: b.clone(),
                })
                .try_send()
                .expect("the player is running");
            }
            PAIRS_DONE.wait().await;
            start.elapsed()
        })
    }

    fn restarts(&self, cycles: u32) -> Duration {
        on_tokio(async move {
            let supervisor = Supervisor::spawn(Supervisor);
            let child = Child::supervise(&supervisor, Child { asked: 0 })
                .restart_limit(u32::MAX, Duration::from_secs(1))
                .spawn_with_mailbox(mailbox::unbounded())
                .await;
            child.ask(Get).await.expect("the child answers");
            let start = Instant::now();
            for _ in 0..cycles {
                child
                    .tell(Fail)
                    .try_send()
                    .expect("the child's mailbox is open");
                let count = child.ask(Get).await.expect("the restarted child answers");
                assert_eq!(count, 0, "a restarted child starts afresh");
            }
            start.elapsed()
        })
    }
}
