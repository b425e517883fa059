//! Olivier, Alloy's native runtime: pure behaviors (`receive(ctx, state,
//! msg) -> Effect<State>`) interpreted on tokio, with supervision on the
//! Prospero thread. Unbounded mailboxes (the spec default), metrics on (they
//! always are), no durable state.

use std::time::{Duration, Instant};

use alloy_actors::{
    ActorError, ActorRef, ActorSpec, Behavior, Context, Effect, Message, SupervisionStrategy,
};
use alloy_counter::{Count, Counter, CounterMsg};
use olivier_runtime::ActorSystem;
use serde::{Deserialize, Serialize};

use crate::{Contender, PAIRS_DONE, STARTED, SpawnIdle, live_heap_bytes, on_tokio};

/// Olivier on a multi-thread tokio runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct Olivier;

/// How long any single answer may take before the workload is broken.
const PATIENCE: Duration = Duration::from_secs(60);

fn system() -> ActorSystem {
    ActorSystem::builder()
        .name("bench")
        .build()
        .expect("an Olivier system")
}

async fn count(system: &ActorSystem, counter: &ActorRef<CounterMsg>) -> Count {
    system
        .ask(
            counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            PATIENCE,
        )
        .await
        .expect("the counter answers")
}

/// An idle actor: a `u64` state; its one message is only sent to the last
/// one spawned, after the clock stopped.
#[derive(Debug, Clone, Copy)]
struct Idle;

/// Answered with [`Pinged`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ping {
    reply_to: ActorRef<Pinged>,
}

impl Message for Ping {
    const TYPE_NAME: &'static str = "bench.Ping";
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Pinged;

impl Message for Pinged {
    const TYPE_NAME: &'static str = "bench.Pinged";
}

impl Behavior for Idle {
    type State = u64;
    type Message = Ping;

    fn init(&self) -> u64 {
        0
    }

    fn receive(&self, _ctx: &Context<Ping>, state: u64, ping: Ping) -> Effect<u64> {
        Effect::from(state).tell(&ping.reply_to, Pinged)
    }
}

/// One player of a ping-pong pair.
#[derive(Debug, Clone, Copy)]
struct Player;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ball {
    remaining: u32,
    reply_to: ActorRef<Ball>,
}

impl Message for Ball {
    const TYPE_NAME: &'static str = "bench.Ball";
}

impl Behavior for Player {
    type State = ();
    type Message = Ball;

    fn init(&self) {}

    fn receive(&self, ctx: &Context<Ball>, (): (), ball: Ball) -> Effect<()> {
        if ball.remaining == 0 {
            // Impure, only here: what the peers' handlers do.
            PAIRS_DONE.count_down();
            Effect::from(())
        } else {
            Effect::from(()).tell(
                &ball.reply_to,
                Ball {
                    remaining: ball.remaining - 1,
                    reply_to: ctx.myself(),
                },
            )
        }
    }
}

/// The supervised child of the restarts workload: its state is the number
/// of asks it answered.
#[derive(Debug, Clone, Copy)]
struct Child;

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ChildMsg {
    Fail,
    Get { reply_to: ActorRef<Asked> },
}

impl Message for ChildMsg {
    const TYPE_NAME: &'static str = "bench.ChildMsg";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Asked(u64);

impl Message for Asked {
    const TYPE_NAME: &'static str = "bench.Asked";
}

impl Behavior for Child {
    type State = u64;
    type Message = ChildMsg;

    fn init(&self) -> u64 {
        0
    }

    fn receive(&self, _ctx: &Context<ChildMsg>, asked: u64, msg: ChildMsg) -> Effect<u64> {
        match msg {
            ChildMsg::Fail => Effect::from(asked).escalate(ActorError::msg("told to fail")),
            ChildMsg::Get { reply_to } => Effect::from(asked + 1).tell(&reply_to, Asked(asked)),
        }
    }
}

impl Contender for Olivier {
    fn name(&self) -> &'static str {
        "olivier"
    }

    fn is_peer(&self) -> bool {
        false
    }

    fn tell_throughput(&self, messages: u64) -> Duration {
        on_tokio(async move {
            let system = system();
            let counter = system
                .spawn(ActorSpec::new(Counter))
                .await
                .expect("spawn the counter");
            count(&system, &counter).await;
            let start = Instant::now();
            for _ in 0..messages {
                system
                    .tell(&counter, CounterMsg::Increment)
                    .expect("the counter is running");
            }
            // FIFO: the answer comes after the last increment.
            let reached = count(&system, &counter).await;
            let elapsed = start.elapsed();
            assert_eq!(reached, Count(messages as i64), "every increment counted");
            system.shutdown().await.expect("shutdown");
            elapsed
        })
    }

    fn ask_round_trip(&self, samples: usize) -> Vec<Duration> {
        on_tokio(async move {
            let system = system();
            let counter = system
                .spawn(ActorSpec::new(Counter))
                .await
                .expect("spawn the counter");
            count(&system, &counter).await;
            let mut times = Vec::with_capacity(samples);
            for _ in 0..samples {
                let start = Instant::now();
                std::hint::black_box(count(&system, &counter).await);
                times.push(start.elapsed());
            }
            system.shutdown().await.expect("shutdown");
            times
        })
    }

    fn spawn_idle(&self, actors: usize) -> SpawnIdle {
        on_tokio(async move {
            let system = system();
            let mut handles = Vec::with_capacity(actors);
            STARTED.arm(actors);
            let before = live_heap_bytes();
            let start = Instant::now();
            for _ in 0..actors {
                // Returns once `init` and `PreStart` ran, as ractor's spawn.
                handles.push(
                    system
                        .spawn(ActorSpec::new(Idle))
                        .await
                        .expect("spawn an idle actor"),
                );
                STARTED.count_down();
            }
            STARTED.wait().await;
            let elapsed = start.elapsed();
            // A spawn returns once `PreStart` ran; the root's process then
            // adopts each actor (its record, its task) in spawn order. The
            // last actor's answer shows every one was adopted, so the heap
            // is read in the steady state.
            if let Some(last) = handles.last() {
                system
                    .ask(last, |reply_to| Ping { reply_to }, PATIENCE)
                    .await
                    .expect("the last idle actor answers");
            }
            let heap_bytes = live_heap_bytes() - before;
            drop(handles);
            system.shutdown().await.expect("shutdown");
            SpawnIdle {
                elapsed,
                heap_bytes,
            }
        })
    }

    fn fan_out_ping_pong(&self, pairs: usize, round_trips: u32) -> Duration {
        on_tokio(async move {
            let system = system();
            let mut players = Vec::with_capacity(pairs);
            for _ in 0..pairs {
                let a = system.spawn(ActorSpec::new(Player)).await.expect("spawn");
                let b = system.spawn(ActorSpec::new(Player)).await.expect("spawn");
                players.push((a, b));
            }
            PAIRS_DONE.arm(pairs);
            let start = Instant::now();
            for (a, b) in &players {
                system
                    .tell(
                        a,
                        Ball {
                            remaining: 2 * round_trips,
                            reply_to: b.clone(),
                        },
                    )
                    .expect("the player is running");
            }
            PAIRS_DONE.wait().await;
            let elapsed = start.elapsed();
            system.shutdown().await.expect("shutdown");
            elapsed
        })
    }

    fn restarts(&self, cycles: u32) -> Duration {
        on_tokio(async move {
            let system = system();
            let supervisor = system
                .supervisor(SupervisionStrategy::one_for_one(
                    u32::MAX,
                    Duration::from_secs(1),
                ))
                .await
                .expect("a supervisor");
            let child = supervisor
                .spawn(ActorSpec::new(Child))
                .await
                .expect("spawn the child");
            let ask = |system: ActorSystem, child: ActorRef<ChildMsg>| async move {
                system
                    .ask(&child, |reply_to| ChildMsg::Get { reply_to }, PATIENCE)
                    .await
                    .expect("the child answers")
            };
            ask(system.clone(), child.clone()).await;
            let start = Instant::now();
            for _ in 0..cycles {
                system
                    .tell(&child, ChildMsg::Fail)
                    .expect("the child's mailbox is open");
                // The mailbox outlives the restart: the ask waits in it.
                let answer = ask(system.clone(), child.clone()).await;
                assert_eq!(answer, Asked(0), "a restarted child starts afresh");
            }
            let elapsed = start.elapsed();
            system.shutdown().await.expect("shutdown");
            elapsed
        })
    }
}
