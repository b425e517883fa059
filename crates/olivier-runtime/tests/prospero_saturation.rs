//! Prospero acts while every tokio worker is busy: a failed child is
//! restarted (fresh state, `PostRestart`, run off both the workers and
//! Prospero's thread, on the blocking pool) while CPU-bound actors hold
//! both workers.
//!
//! The test runs its own two-worker runtime and waits from the test thread
//! with plain polling, since nothing on the saturated runtime can run.

#[path = "support/behaviors.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use alloy_actors::{ActorSpec, Behavior, Context, Effect, LifecycleEvent, SupervisionStrategy};
use olivier_runtime::ActorSystem;
use support::{Gate, Journal, PATIENCE, Reply, Worker, WorkerMsg};

/// A CPU-bound actor that gives way (panics) once the other hog spins and
/// a third is queued; its `PostRestart` hook waits until both workers are
/// taken again, so its restart provably completes while the runtime is
/// saturated (a runtime that ran hooks on its workers would never get there).
struct Fragile {
    gate: Arc<Gate>,
    journal: Arc<Journal>,
    third_queued: Arc<AtomicBool>,
}

impl Fragile {
    fn wait_for_saturation(&self) -> usize {
        let deadline = Instant::now() + PATIENCE;
        while self.gate.waiting() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        self.gate.waiting()
    }
}

impl Behavior for Fragile {
    type State = u64;
    type Message = WorkerMsg;

    fn init(&self) -> u64 {
        0
    }

    fn receive(&self, _ctx: &Context<WorkerMsg>, count: u64, msg: WorkerMsg) -> Effect<u64> {
        match msg {
            WorkerMsg::Spin => {
                let saturated =
                    || self.gate.waiting() >= 1 && self.third_queued.load(Ordering::SeqCst);
                while !(saturated() || self.gate.is_open()) {
                    std::hint::spin_loop();
                }
                panic!("fragile gave way under load");
            }
            WorkerMsg::Work(_) => Effect::from(count + 1),
            WorkerMsg::Get { reply_to } => Effect::from(count).tell(&reply_to, Reply(count)),
            _ => Effect::from(count),
        }
    }

    fn lifecycle(
        &self,
        _ctx: &Context<WorkerMsg>,
        count: u64,
        event: LifecycleEvent,
    ) -> Effect<u64> {
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        if event == LifecycleEvent::PostRestart {
            let waiting = self.wait_for_saturation();
            self.journal
                .note(format!("f:post_restart@{thread}:spinning={waiting}"));
        }
        Effect::from(count)
    }
}

fn wait(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_failed_child_is_restarted_while_every_worker_is_busy() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The guard opens the gate however the test ends, so spinning workers
    // let the runtime shut down.
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let third_queued = Arc::new(AtomicBool::new(false));
    let system = ActorSystem::builder()
        .name("saturated")
        .runtime(runtime.handle().clone())
        .default_supervision(SupervisionStrategy::one_for_one(3, Duration::from_secs(60)))
        .build()
        .unwrap();
    println!("prospero priority: {}", system.prospero_priority());
    let (hog1, hog2, fragile) = runtime.block_on(async {
        let hog1 = system
            .spawn(Worker::new("hog1", &journal, &gate).spec())
            .await
            .unwrap();
        let hog2 = system
            .spawn(Worker::new("hog2", &journal, &gate).spec())
            .await
            .unwrap();
        let fragile = system
            .spawn(ActorSpec::new(Fragile {
                gate: Arc::clone(&gate),
                journal: Arc::clone(&journal),
                third_queued: Arc::clone(&third_queued),
            }))
            .await
            .unwrap();
        // A spawn returns before Prospero starts the actor's task: an answer
        // from each shows all three tasks exist before the hogs take the
        // workers (otherwise hog2 could take fragile's worker first).
        support::count(&system, &hog1).await;
        support::count(&system, &hog2).await;
        support::count(&system, &fragile).await;
        (hog1, hog2, fragile)
    });

    // hog1 takes one worker, fragile the other; hog2 waits in the queue and
    // takes fragile's worker as soon as fragile fails.
    system.tell(&hog1, WorkerMsg::Spin).unwrap();
    wait("hog1 to spin", || gate.waiting() == 1);
    system.tell(&fragile, WorkerMsg::Spin).unwrap();
    system.tell(&hog2, WorkerMsg::Spin).unwrap();
    third_queued.store(true, Ordering::SeqCst);

    let started = Instant::now();
    wait("fragile to be restarted", || {
        !journal.with_prefix("f:post_restart").is_empty()
    });
    println!(
        "restarted {:?} after the hogs were in place",
        started.elapsed()
    );
    // Both workers were spinning, so the hook ran on neither; and not on
    // Prospero's own thread either: hooks run on the blocking pool, so a
    // slow hook cannot stall supervision.
    let entries = journal.with_prefix("f:");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].starts_with("f:post_restart@") && entries[0].ends_with(":spinning=2"),
        "the restart ran while both workers were spinning: {entries:?}"
    );
    assert!(
        !entries[0].contains("olivier-prospero"),
        "the hook ran on Prospero's thread: {entries:?}"
    );
    assert_eq!(gate.waiting(), 2, "both workers are still taken");

    // The restarted actor takes its next message once a worker is free.
    system.tell(&fragile, WorkerMsg::Work(1)).unwrap();
    gate.open();
    runtime.block_on(async {
        assert_eq!(support::count(&system, &fragile).await, 1);
        support::within("the shutdown", system.shutdown())
            .await
            .unwrap();
    });
}
