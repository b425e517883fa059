//! The seed article's usage example, in Rust: build a system, spawn two
//! counters (one with `RestartWith 0` and `DropOldest 1000`), tell, ask,
//! and a supervisor with AllForOne whose two workers restart together.
//!
//! Run with `cargo run -p olivier-runtime --example seed_usage`.

use std::time::Duration;

use alloy_actors::{
    ActorError, ActorRef, ActorSpec, BackpressurePolicy, Behavior, Context, Effect, ErrorPolicy,
    Message, SupervisionStrategy,
};
use alloy_counter::{Count, Counter, CounterMsg};
use olivier_runtime::{ActorSystem, SystemEvent};
use serde::{Deserialize, Serialize};

/// A worker that does jobs and fails when told to.
struct Worker;

#[derive(Debug, Clone, Serialize, Deserialize)]
enum WorkerMsg {
    Job,
    Crash,
    Done { reply_to: ActorRef<Count> },
}

impl Message for WorkerMsg {
    const TYPE_NAME: &'static str = "seed.WorkerMsg";
}

impl Behavior for Worker {
    type State = i64;
    type Message = WorkerMsg;

    fn init(&self) -> i64 {
        0
    }

    fn receive(&self, _ctx: &Context<WorkerMsg>, done: i64, msg: WorkerMsg) -> Effect<i64> {
        match msg {
            WorkerMsg::Job => Effect::from(done + 1),
            WorkerMsg::Crash => Effect::from(done).escalate(ActorError::msg("the job went wrong")),
            WorkerMsg::Done { reply_to } => Effect::from(done).tell(&reply_to, Count(done)),
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let minute = Duration::from_secs(60);

    // Build the system with its scaffolding.
    let system = ActorSystem::builder()
        .name("seed")
        .default_supervision(SupervisionStrategy::one_for_one(5, minute))
        .build()?;

    // Spawn actors.
    let counter1 = system.spawn(ActorSpec::new(Counter)).await?;
    let counter2 = system
        .spawn(
            ActorSpec::new(Counter)
                .error_policy(ErrorPolicy::RestartWith(0))
                .backpressure(BackpressurePolicy::DropOldest(1000)),
        )
        .await?;

    // Use actors.
    system.tell(&counter1, CounterMsg::Increment)?;
    system.tell(&counter1, CounterMsg::Increment)?;
    system.tell(&counter2, CounterMsg::Decrement)?;

    // Ask pattern.
    let Count(count) = system
        .ask(
            &counter1,
            |reply_to| CounterMsg::GetCount { reply_to },
            Duration::from_secs(5),
        )
        .await?;
    println!("Count: {count}");

    // Supervision: if worker1 fails, both restart.
    let supervisor = system
        .supervisor(SupervisionStrategy::all_for_one(3, minute))
        .await?;
    let worker1 = supervisor
        .spawn(ActorSpec::new(Worker).name("worker1"))
        .await?;
    let worker2 = supervisor
        .spawn(ActorSpec::new(Worker).name("worker2"))
        .await?;
    system.tell(&worker2, WorkerMsg::Job)?;
    let Count(jobs) = system
        .ask(
            &worker2,
            |reply_to| WorkerMsg::Done { reply_to },
            Duration::from_secs(5),
        )
        .await?;
    println!("worker2 has done {jobs} job");

    let mut events = system.events();
    system.tell(&worker1, WorkerMsg::Crash)?;
    let mut restarted = Vec::new();
    while restarted.len() < 2 {
        match events.recv().await {
            Some(SystemEvent::Restarted { actor, .. }) => restarted.push(actor),
            Some(_) => {}
            None => anyhow::bail!("the system ended before the restarts"),
        }
    }
    println!("restarted together: {}, {}", restarted[0], restarted[1]);
    let Count(jobs) = system
        .ask(
            &worker2,
            |reply_to| WorkerMsg::Done { reply_to },
            Duration::from_secs(5),
        )
        .await?;
    println!("worker2 starts afresh with {jobs} jobs done");

    system.shutdown().await?;
    Ok(())
}
