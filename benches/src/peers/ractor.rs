//! ractor: `Actor` impls with `pre_start`/`handle`, `cast` for tells, `call`
//! (an `RpcReplyPort`) for asks, and a supervisor that respawns its failed
//! child from `handle_supervisor_evt`.

use std::time::{Duration, Instant};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

use crate::{Contender, PAIRS_DONE, STARTED, SpawnIdle, live_heap_bytes, on_tokio};

/// ractor on a multi-thread tokio runtime, default features.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ractor;

struct Counter;

enum CounterMsg {
    Incr,
    Get(RpcReplyPort<u64>),
}

struct CounterState {
    count: u64,
    target: u64,
    done: Option<oneshot::Sender<()>>,
}

impl Actor for Counter {
    type Msg = CounterMsg;
    type State = CounterState;
    type Arguments = (u64, Option<oneshot::Sender<()>>);

    async fn pre_start(
        &self,
        _myself: ActorRef<CounterMsg>,
        (target, done): Self::Arguments,
    ) -> Result<CounterState, ActorProcessingErr> {
        Ok(CounterState {
            count: 0,
            target,
            done,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<CounterMsg>,
        msg: CounterMsg,
        state: &mut CounterState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            CounterMsg::Incr => {
                state.count += 1;
                if state.count == state.target
                    && let Some(done) = state.done.take()
                {
                    let _ = done.send(());
                }
            }
            CounterMsg::Get(reply_to) => {
                let _ = reply_to.send(state.count);
            }
        }
        Ok(())
    }
}

async fn ask(counter: &ActorRef<CounterMsg>) -> u64 {
    counter
        .call(CounterMsg::Get, None)
        .await
        .expect("the counter is running")
        .expect("the counter answers")
}

struct Idle;

impl Actor for Idle {
    type Msg = ();
    type State = u64;
    type Arguments = ();

    async fn pre_start(&self, _myself: ActorRef<()>, _args: ()) -> Result<u64, ActorProcessingErr> {
        STARTED.count_down();
        Ok(0)
    }
}

struct Player;

struct Ball {
    remaining: u32,
    reply_to: ActorRef<Ball>,
}

impl Actor for Player {
    type Msg = Ball;
    type State = ();
    type Arguments = ();

    async fn pre_start(
        &self,
        _myself: ActorRef<Ball>,
        _args: (),
    ) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Ball>,
        ball: Ball,
        _state: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        if ball.remaining == 0 {
            PAIRS_DONE.count_down();
        } else {
            let _ = ball.reply_to.cast(Ball {
                remaining: ball.remaining - 1,
                reply_to: myself,
            });
        }
        Ok(())
    }
}

struct Child;

enum ChildMsg {
    Fail,
    Get(RpcReplyPort<u64>),
}

impl Actor for Child {
    type Msg = ChildMsg;
    type State = u64;
    type Arguments = ();

    async fn pre_start(
        &self,
        _myself: ActorRef<ChildMsg>,
        _args: (),
    ) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }

    async fn handle(
        &self,
        _myself: ActorRef<ChildMsg>,
        msg: ChildMsg,
        asked: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            ChildMsg::Fail => Err("the child fails on request".into()),
            ChildMsg::Get(reply_to) => {
                let _ = reply_to.send(*asked);
                *asked += 1;
                Ok(())
            }
        }
    }
}

/// Spawns the child linked to it, and a new one each time it fails; every
/// new child's reference goes to the driver.
struct Supervisor;

type ChildUpdates = UnboundedSender<ActorRef<ChildMsg>>;

impl Supervisor {
    async fn spawn_child(
        myself: &ActorRef<()>,
        updates: &ChildUpdates,
    ) -> Result<(), ActorProcessingErr> {
        let (child, _) = Actor::spawn_linked(None, Child, (), myself.get_cell()).await?;
        updates.send(child)?;
        Ok(())
    }
}

impl Actor for Supervisor {
    type Msg = ();
    type State = ChildUpdates;
    type Arguments = ChildUpdates;

    async fn pre_start(
        &self,
        myself: ActorRef<()>,
        updates: ChildUpdates,
    ) -> Result<ChildUpdates, ActorProcessingErr> {
        Self::spawn_child(&myself, &updates).await?;
        Ok(updates)
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<()>,
        event: SupervisionEvent,
        updates: &mut ChildUpdates,
    ) -> Result<(), ActorProcessingErr> {
        if let SupervisionEvent::ActorFailed(..) = event {
            Self::spawn_child(&myself, updates).await?;
        }
        Ok(())
    }
}

impl Contender for Ractor {
    fn name(&self) -> &'static str {
        "ractor"
    }

    fn is_peer(&self) -> bool {
        true
    }

    fn tell_throughput(&self, messages: u64) -> Duration {
        on_tokio(async move {
            let (done, finished) = oneshot::channel();
            let (counter, _) = Actor::spawn(None, Counter, (messages, Some(done)))
                .await
                .expect("the counter starts");
            ask(&counter).await;
            let start = Instant::now();
            for _ in 0..messages {
                counter
                    .cast(CounterMsg::Incr)
                    .expect("the counter is running");
            }
            finished.await.expect("the counter reaches the target");
            let elapsed = start.elapsed();
            counter.stop(None);
            elapsed
        })
    }

    fn ask_round_trip(&self, samples: usize) -> Vec<Duration> {
        on_tokio(async move {
            let (counter, _) = Actor::spawn(None, Counter, (u64::MAX, None))
                .await
                .expect("the counter starts");
            ask(&counter).await;
            let mut times = Vec::with_capacity(samples);
            for _ in 0..samples {
                let start = Instant::now();
                std::hint::black_box(ask(&counter).await);
                times.push(start.elapsed());
            }
            counter.stop(None);
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
                let (idle, _) = Actor::spawn(None, Idle, ())
                    .await
                    .expect("an idle actor starts");
                handles.push(idle);
            }
            STARTED.wait().await;
            let elapsed = start.elapsed();
            let heap_bytes = live_heap_bytes() - before;
            for idle in &handles {
                idle.stop(None);
            }
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
                let (a, _) = Actor::spawn(None, Player, ())
                    .await
                    .expect("a player starts");
                let (b, _) = Actor::spawn(None, Player, ())
                    .await
                    .expect("a player starts");
                players.push((a, b));
            }
            PAIRS_DONE.arm(pairs);
            let start = Instant::now();
            for (a, b) in &players {
                a.cast(Ball {
                    remaining: 2 * round_trips,
                    reply_to: b.clone(),
                })
                .expect("the player is running");
            }
            PAIRS_DONE.wait().await;
            let elapsed = start.elapsed();
            for (a, b) in &players {
                a.stop(None);
                b.stop(None);
            }
            elapsed
        })
    }

    fn restarts(&self, cycles: u32) -> Duration {
        on_tokio(async move {
            let (updates, mut new_children) = unbounded_channel();
            let (supervisor, _) = Actor::spawn(None, Supervisor, updates)
                .await
                .expect("the supervisor starts");
            let mut child = new_children.recv().await.expect("the first child");
            child
                .call(ChildMsg::Get, None)
                .await
                .expect("the child is running")
                .expect("the child answers");
            let start = Instant::now();
            for _ in 0..cycles {
                child.cast(ChildMsg::Fail).expect("the child is running");
                child = new_children.recv().await.expect("a restarted child");
                let count = child
                    .call(ChildMsg::Get, None)
                    .await
                    .expect("the restarted child is running")
                    .expect("the restarted child answers");
                assert_eq!(count, 0, "a restarted child starts afresh");
            }
            let elapsed = start.elapsed();
            supervisor.stop(None);
            elapsed
        })
    }
}
