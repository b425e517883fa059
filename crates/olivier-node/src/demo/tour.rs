//! The in-process part of the demo, a short tour of Olivier that prints
//! what happens: spawn, tell, ask, a failure and its restart decided on
//! the Prospero thread (its hooks run on the blocking pool, never on
//! Prospero), an AllForOne group restart, a full mailbox, dead letters,
//! and an orderly shutdown.

use std::time::Duration;

use alloy_actors::{
    ActorError, ActorRef, ActorSpec, BackpressurePolicy, Behavior, Context, Effect, ErrorPolicy,
    LifecycleEvent, Message, SupervisionStrategy,
};
use alloy_counter::{Count, Counter, CounterMsg};
use olivier_runtime::{ActorSystem, Events, SystemEvent};
use serde::{Deserialize, Serialize};

/// A worker that counts jobs, fails when told to, and says when it restarts.
struct Worker;

#[derive(Debug, Clone, Serialize, Deserialize)]
enum WorkerMsg {
    Job,
    Crash,
    Done { reply_to: ActorRef<Count> },
}

impl Message for WorkerMsg {
    const TYPE_NAME: &'static str = "demo.WorkerMsg";
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

    fn lifecycle(&self, ctx: &Context<WorkerMsg>, done: i64, event: LifecycleEvent) -> Effect<i64> {
        if event == LifecycleEvent::PostRestart {
            let thread = std::thread::current().name().unwrap_or("?").to_owned();
            // Restart hooks run on tokio's blocking pool, off Prospero.
            println!(
                "    {} restarted (its PostRestart ran on `{thread}`)",
                ctx.id()
            );
        }
        Effect::from(done)
    }
}

async fn restarts(events: &mut Events, how_many: usize) -> anyhow::Result<()> {
    let mut seen = 0;
    while seen < how_many {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await? {
            Some(SystemEvent::Restarted { .. }) => seen += 1,
            Some(_) => {}
            None => anyhow::bail!("the system ended early"),
        }
    }
    Ok(())
}

/// Runs the tour on the current tokio runtime.
///
/// # Errors
///
/// When a step does not go as the tour says.
pub(crate) async fn run() -> anyhow::Result<()> {
    let minute = Duration::from_secs(60);
    let ask_timeout = Duration::from_secs(5);
    let system = ActorSystem::builder()
        .name("demo")
        .default_supervision(SupervisionStrategy::one_for_one(5, minute))
        .build()?;
    println!("olivier: system `{}` is up", system.root());
    println!(
        "  prospero supervision thread priority: {}",
        system.prospero_priority()
    );

    let counter = system
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await?;
    for _ in 0..3 {
        system.tell(&counter, CounterMsg::Increment)?;
    }
    let Count(n) = system
        .ask(
            &counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            ask_timeout,
        )
        .await?;
    println!("  {counter}: told Increment x3, asked GetCount -> {n}");

    let mut events = system.events();
    let lone = system
        .spawn(
            ActorSpec::new(Worker)
                .name("lone")
                .error_policy(ErrorPolicy::Escalate),
        )
        .await?;
    system.tell(&lone, WorkerMsg::Job)?;
    println!("  {lone}: one job done, then told to crash (one-for-one):");
    system.tell(&lone, WorkerMsg::Crash)?;
    restarts(&mut events, 1).await?;

    let team = system
        .supervisor(SupervisionStrategy::all_for_one(3, minute))
        .await?;
    let first = team.spawn(ActorSpec::new(Worker).name("first")).await?;
    let second = team.spawn(ActorSpec::new(Worker).name("second")).await?;
    system.tell(&second, WorkerMsg::Job)?;
    let Count(jobs) = system
        .ask(
            &second,
            |reply_to| WorkerMsg::Done { reply_to },
            ask_timeout,
        )
        .await?;
    println!(
        "  {}: all-for-one team; `second` has done {jobs} job; `first` crashes:",
        team.id()
    );
    system.tell(&first, WorkerMsg::Crash)?;
    restarts(&mut events, 2).await?;
    let Count(jobs) = system
        .ask(
            &second,
            |reply_to| WorkerMsg::Done { reply_to },
            ask_timeout,
        )
        .await?;
    println!("    `second` restarted with it: {jobs} jobs done in its fresh state");

    let bounded = system
        .spawn(
            ActorSpec::new(Counter)
                .name("bounded")
                .backpressure(BackpressurePolicy::Reject(0)),
        )
        .await?;
    let refused = system.tell(&bounded, CounterMsg::Increment);
    println!(
        "  {bounded}: a Reject(0) mailbox answers: {}",
        refused
            .err()
            .map_or("accepted".to_owned(), |e| e.to_string())
    );
    let gone: ActorRef<CounterMsg> = ActorRef::new("demo/nobody#404".parse()?);
    let unknown = system.tell(&gone, CounterMsg::Increment);
    println!(
        "  {gone}: {}",
        unknown
            .err()
            .map_or("accepted".to_owned(), |e| e.to_string())
    );
    println!("  dead letters so far: {}", system.dead_letter_count());

    system.shutdown().await?;
    println!("olivier: shut down cleanly");
    Ok(())
}
