//! Durable state on real disk: rehydration after a *process* restart (the
//! test binary runs itself as the child process), the typed store as
//! `ActorState`, the `Persist` capability, one live actor per path, and a
//! supervisor restart resuming from the last committed state.

#[path = "support/child.rs"]
mod child;
#[path = "support/behaviors.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy_actors::{ActorSpec, ActorState, Capabilities, Capability, SupervisionStrategy};
use alloy_counter::{Count, Counter, CounterMsg};
use olivier_runtime::{ActorSystem, Persistence, SpawnError, StateStore, SystemEvent};
use support::{Gate, Journal, Worker, WorkerMsg, count, event};

/// The test that restarts the process; its child process runs it too, as
/// [`durable_child`].
const REHYDRATED: &str = "state_is_rehydrated_after_a_process_restart";
/// Set in the child process: the folder of the store.
const CHILD_DIR: &str = "OLIVIER_DURABLE_CHILD_DIR";
/// Set in the child process: how many increments it sends.
const CHILD_INCREMENTS: &str = "OLIVIER_DURABLE_CHILD_INCREMENTS";

/// A fresh folder on real disk under cargo's per-target temporary folder.
fn fresh_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("olivier-durable-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test folder");
    dir
}

fn persist() -> Capabilities {
    Capabilities::default().with(Capability::Persist)
}

fn root() -> SupervisionStrategy {
    SupervisionStrategy::one_for_one(10, Duration::from_secs(60))
}

async fn durable_system(name: &str, store: &StateStore, path: &str) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .default_supervision(root())
        .persistence(Persistence::durable(store.clone()).actor(path))
        .build()
        .expect("build the system")
}

/// The child process's part: opens the store, spawns the durable counter
/// (rehydrating it), increments it, prints the count it answers, and ends
/// the process abruptly, with no shutdown: what the reply reflects must
/// already be on disk.
async fn durable_child() {
    let dir = std::env::var(CHILD_DIR).expect("the store's folder");
    let increments = std::env::var(CHILD_INCREMENTS).expect("a number of increments");
    let increments: u32 = increments.parse().expect("a number of increments");
    let store = StateStore::open(Path::new(&dir).join("state.redb")).expect("open the store");
    let system = durable_system("durable", &store, "durable/counter").await;
    let counter = system
        .spawn(
            ActorSpec::new(Counter)
                .name("counter")
                .capabilities(persist()),
        )
        .await
        .expect("spawn the counter");
    let before = system
        .ask(
            &counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            support::PATIENCE,
        )
        .await
        .expect("ask the count");
    for _ in 0..increments {
        system
            .tell(&counter, CounterMsg::Increment)
            .expect("tell an increment");
    }
    let after = system
        .ask(
            &counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            support::PATIENCE,
        )
        .await
        .expect("ask the count");
    println!("durable-count before={} after={}", before.0, after.0);
    std::process::exit(0);
}

/// Runs the child's part in a child process: the counts it answered.
async fn run_child(dir: &Path, increments: u32) -> (i64, i64) {
    let output = child::output(
        child::command(REHYDRATED)
            .env(CHILD_DIR, dir)
            .env(CHILD_INCREMENTS, increments.to_string()),
        support::PATIENCE,
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the child failed: {:?}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        // libtest may print its own `test ... ` prefix on the same line.
        .find_map(|line| line.split_once("durable-count ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("the child printed no count: {stdout}"));
    let field = |name: &str| -> i64 {
        line.split_whitespace()
            .find_map(|pair| pair.strip_prefix(name))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no `{name}` in `{line}`"))
    };
    (field("before="), field("after="))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_is_rehydrated_after_a_process_restart() {
    if child::is_child(REHYDRATED) {
        return durable_child().await;
    }
    let dir = fresh_dir("process");
    assert_eq!(
        run_child(&dir, 3).await,
        (0, 3),
        "a fresh store starts at init"
    );
    assert_eq!(
        run_child(&dir, 2).await,
        (3, 5),
        "the second process rehydrates the first one's count"
    );
    // The parent reads what the children committed through the typed store.
    let store = StateStore::open(dir.join("state.redb")).expect("open the store");
    let mut stored = store.state::<i64>("durable/counter");
    assert_eq!(stored.load().await.expect("load"), Some(5));
    assert_eq!(store.paths().expect("paths"), ["durable/counter"]);
    drop((stored, store));
    std::fs::remove_dir_all(&dir).expect("remove the test folder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_state_is_an_actor_state_on_disk() {
    let dir = fresh_dir("typed");
    let store = StateStore::open(dir.join("state.redb")).expect("open the store");
    let mut state = store.state::<(String, u32)>("shop/cart");
    assert_eq!(state.load().await.expect("load"), None);
    state.save(&("apple".to_owned(), 2)).await.expect("save");
    let total = state
        .update(|cart| {
            let (item, n) = cart.unwrap_or_default();
            ((item, n + 3), n + 3)
        })
        .await
        .expect("update");
    assert_eq!(total, 5);
    drop(state);
    drop(store);
    // Reopened: the file holds the committed value.
    let store = StateStore::open(dir.join("state.redb")).expect("reopen the store");
    let mut state = store.state::<(String, u32)>("shop/cart");
    assert_eq!(
        state.load().await.expect("load"),
        Some(("apple".to_owned(), 5))
    );
    // A state of another type does not decode: an error, not a panic.
    let mut wrong = store.state::<Vec<String>>("shop/cart");
    assert!(wrong.load().await.is_err());
    assert!(store.remove("shop/cart").expect("remove"));
    assert_eq!(state.load().await.expect("load"), None);
    drop((state, wrong, store));
    std::fs::remove_dir_all(&dir).expect("remove the test folder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_actor_needs_the_persist_capability_and_its_own_path() {
    let dir = fresh_dir("capability");
    let store = StateStore::open(dir.join("state.redb")).expect("open the store");
    let system = durable_system("caps", &store, "caps/counter").await;
    let denied = system
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect_err("a selected actor without Persist must not start");
    match &denied {
        SpawnError::StartFailed { error, .. } => {
            assert!(error.message().contains("persist"), "{error}");
        }
        other => panic!("unexpected error {other}"),
    }
    let counter = system
        .spawn(
            ActorSpec::new(Counter)
                .name("counter")
                .capabilities(persist()),
        )
        .await
        .expect("spawn with Persist");
    let twin = system
        .spawn(
            ActorSpec::new(Counter)
                .name("counter")
                .capabilities(persist()),
        )
        .await
        .expect_err("two live actors on one durable path");
    assert!(twin.to_string().contains("caps/counter"), "{twin}");
    // A counter that is not selected keeps its state in memory only.
    let other = system
        .spawn(ActorSpec::new(Counter).name("other"))
        .await
        .expect("spawn an in-memory counter");
    system.tell(&other, CounterMsg::Increment).expect("tell");
    system.tell(&counter, CounterMsg::Increment).expect("tell");
    let count = system
        .ask(
            &counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            support::PATIENCE,
        )
        .await
        .expect("ask");
    assert_eq!(count, Count(1));
    assert_eq!(store.paths().expect("paths"), ["caps/counter"]);
    // Once stopped, the path is free again and the state is rehydrated.
    support::within("the stop", system.stop(counter.id()))
        .await
        .expect("stop");
    let again = system
        .spawn(
            ActorSpec::new(Counter)
                .name("counter")
                .capabilities(persist()),
        )
        .await
        .expect("spawn again after the stop");
    let count = system
        .ask(
            &again,
            |reply_to| CounterMsg::GetCount { reply_to },
            support::PATIENCE,
        )
        .await
        .expect("ask");
    assert_eq!(count, Count(1));
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
    drop((system, store));
    std::fs::remove_dir_all(&dir).expect("remove the test folder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_restart_resumes_from_the_last_committed_state() {
    let dir = fresh_dir("restart");
    let store = StateStore::open(dir.join("state.redb")).expect("open the store");
    let system = durable_system("restart", &store, "restart/w").await;
    let (journal, gate) = (Journal::new(), Gate::guarded());
    gate.open();
    let worker = system
        .spawn(
            Worker::new("w", &journal, &gate)
                .spec()
                .capabilities(persist()),
        )
        .await
        .expect("spawn the worker");
    let mut stored = store.state::<u64>("restart/w");
    for n in 0..4 {
        system.tell(&worker, WorkerMsg::Work(n)).expect("tell");
    }
    assert_eq!(count(&system, &worker).await, 4);
    assert_eq!(stored.load().await.expect("load"), Some(4));
    let mut events = system.events();
    system.tell(&worker, WorkerMsg::Fail).expect("tell");
    event(
        &mut events,
        "the restart",
        |event| matches!(event, SystemEvent::Restarted { actor, .. } if actor == worker.id()),
    )
    .await;
    // The recovery point is the last committed state, not init's 0.
    assert_eq!(count(&system, &worker).await, 4);
    assert_eq!(stored.load().await.expect("load"), Some(4));
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
    drop((system, stored, store));
    std::fs::remove_dir_all(&dir).expect("remove the test folder");
}
