//! actix: `Actor` + `Handler<M>` impls on an actix `System` (its
//! single-threaded arbiter, on a thread of its own per run), `do_send` for
//! tells, `send` for asks, and `actix::Supervisor` for restarts.

use std::future::Future;
use std::thread;
use std::time::{Duration, Instant};

use actix::{
    Actor, ActorContext, Addr, AsyncContext, Context, Handler, Message, Supervised, Supervisor,
    System,
};
use tokio::sync::oneshot;

use crate::{Contender, PAIRS_DONE, STARTED, SpawnIdle, live_heap_bytes};

/// actix on its own `System`, default features.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actix;

/// Runs `workload` to completion on a fresh actix `System` on a fresh thread.
fn on_actix<T, F, Fut>(workload: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T> + 'static,
{
    thread::spawn(move || System::new().block_on(workload()))
        .join()
        .expect("the actix workload completes")
}

struct Counter {
    count: u64,
    target: u64,
    done: Option<oneshot::Sender<()>>,
}

impl Actor for Counter {
    type Context = Context<Self>;
}

struct Incr;

impl Message for Incr {
    type Result = ();
}

impl Handler<Incr> for Counter {
    type Result = ();

    fn handle(&mut self, _: Incr, _ctx: &mut Context<Self>) {
        self.count += 1;
        if self.count == self.target
            && let Some(done) = self.done.take()
        {
            let _ = done.send(());
        }
    }
}

struct Get;

impl Message for Get {
    type Result = u64;
}

impl Handler<Get> for Counter {
    type Result = u64;

    fn handle(&mut self, _: Get, _ctx: &mut Context<Self>) -> u64 {
        self.count
    }
}

fn start_counter(target: u64, done: Option<oneshot::Sender<()>>) -> Addr<Counter> {
    Counter {
        count: 0,
        target,
        done,
    }
    .start()
}

/// An idle actor holding the small state every contender's idle actor holds.
struct Idle {
    _count: u64,
}

impl Actor for Idle {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Context<Self>) {
        STARTED.count_down();
    }
}

struct Player;

impl Actor for Player {
    type Context = Context<Self>;
}

struct Ball {
    remaining: u32,
    reply_to: Addr<Player>,
}

impl Message for Ball {
    type Result = ();
}

impl Handler<Ball> for Player {
    type Result = ();

    fn handle(&mut self, ball: Ball, ctx: &mut Context<Self>) {
        if ball.remaining == 0 {
            PAIRS_DONE.count_down();
        } else {
            ball.reply_to.do_send(Ball {
                remaining: ball.remaining - 1,
                reply_to: ctx.address(),
            });
        }
    }
}

/// The supervised child; `actix::Supervisor` keeps the value and calls
/// [`Supervised::restarting`] before running it again.
struct Child {
    /// Asks answered since the last (re)start (the answer is the count
    /// before the ask, so a fresh child answers 0).
    asked: u64,
}

impl Actor for Child {
    type Context = Context<Self>;
}

impl Supervised for Child {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        self.asked = 0;
    }
}

struct Fail;

impl Message for Fail {
    type Result = ();
}

impl Handler<Fail> for Child {
    type Result = ();

    fn handle(&mut self, _: Fail, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<Get> for Child {
    type Result = u64;

    fn handle(&mut self, _: Get, _ctx: &mut Context<Self>) -> u64 {
        self.asked += 1;
        self.asked - 1
    }
}

impl Contender for Actix {
    fn name(&self) -> &'static str {
        "actix"
    }

    fn is_peer(&self) -> bool {
        true
    }

    fn tell_throughput(&self, messages: u64) -> Duration {
        on_actix(move || async move {
            let (done, finished) = oneshot::channel();
            let counter = start_counter(messages, Some(done));
            counter.send(Get).await.expect("the counter answers");
            let start = Instant::now();
            for _ in 0..messages {
                counter.do_send(Incr);
            }
            finished.await.expect("the counter reaches the target");
            start.elapsed()
        })
    }

    fn ask_round_trip(&self, samples: usize) -> Vec<Duration> {
        on_actix(move || async move {
            let counter = start_counter(u64::MAX, None);
            counter.send(Get).await.expect("the counter answers");
            let mut times = Vec::with_capacity(samples);
            for _ in 0..samples {
                let start = Instant::now();
                std::hint::black_box(counter.send(Get).await.expect("the counter answers"));
                times.push(start.elapsed());
            }
            times
        })
    }

    fn spawn_idle(&self, actors: usize) -> SpawnIdle {
        on_actix(move || async move {
            let mut handles = Vec::with_capacity(actors);
            STARTED.arm(actors);
            let before = live_heap_bytes();
            let start = Instant::now();
            for _ in 0..actors {
                handles.push(Idle { _count: 0 }.start());
            }
            STARTED.wait().await;
            let elapsed = start.elapsed();
            let heap_bytes = live_heap_bytes() - before;
            drop(handles); // an actor stops when its last address goes
            SpawnIdle {
                elapsed,
                heap_bytes,
            }
        })
    }

    fn fan_out_ping_pong(&self, pairs: usize, round_trips: u32) -> Duration {
        on_actix(move || async move {
            let players: Vec<_> = (0..pairs)
                .map(|_| (Player.start(), Player.start()))
                .collect();
            PAIRS_DONE.arm(pairs);
            let start = Instant::now();
            for (a, b) in &players {
                a.do_send(Ball {
                    remaining: 2 * round_trips,
                    reply_to: b.clone(),
                });
            }
            PAIRS_DONE.wait().await;
            start.elapsed()
        })
    }

    fn restarts(&self, cycles: u32) -> Duration {
        on_actix(move || async move {
            let child = Supervisor::start(|_| Child { asked: 0 });
            child.send(Get).await.expect("the child answers");
            let start = Instant::now();
            for _ in 0..cycles {
                child.do_send(Fail);
                let count = child.send(Get).await.expect("the restarted child answers");
                assert_eq!(count, 0, "a restarted child starts afresh");
            }
            start.elapsed()
        })
    }
}
