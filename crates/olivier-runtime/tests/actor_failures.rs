//! Failures inside behaviors: panics, error policies, restart requests and
//! capabilities; the system keeps running through all of them.

#[path = "support/behaviors.rs"]
mod support;

use std::time::Duration;

use alloy_actors::{
    Capabilities, Capability, ErrorPolicy, RestartReason, RestartType, SupervisionStrategy,
};
use olivier_runtime::SystemEvent;
use support::{Gate, Journal, Worker, WorkerMsg, count, event, system};

fn root() -> SupervisionStrategy {
    SupervisionStrategy::one_for_one(10, Duration::from_secs(60))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_a_failure_that_the_supervisor_restarts() {
    let system = system("panic", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(Worker::new("w", &journal, &gate).spec())
        .await
        .unwrap();
    system.tell(&worker, WorkerMsg::Work(1)).unwrap();
    let mut events = system.events();
    system.tell(&worker, WorkerMsg::Panic).unwrap();
    let failed = event(&mut events, "the failure", |e| {
        matches!(e, SystemEvent::Failed { .. })
    })
    .await;
    match failed {
        SystemEvent::Failed { actor, error } => {
            assert_eq!(&actor, worker.id());
            assert_eq!(error.message(), "panicked: told to panic");
        }
        other => panic!("unexpected {other:?}"),
    }
    let restarted = event(&mut events, "the restart", |e| {
        matches!(e, SystemEvent::Restarted { .. })
    })
    .await;
    assert!(matches!(
        restarted,
        SystemEvent::Restarted {
            reason: RestartReason::Failed(_),
            ..
        }
    ));
    assert_eq!(count(&system, &worker).await, 0);
    // OTP runs the cleanup after a crash: PreRestart gets the last good
    // state (the handler lost the one it owned to the panic).
    assert_eq!(
        journal.with_prefix("w:pre_restart"),
        ["w:pre_restart:failed"]
    );
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_keeps_the_state_from_before_the_failed_message() {
    let system = system("resume", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(
            Worker::new("w", &journal, &gate)
                .spec()
                .error_policy(ErrorPolicy::Resume),
        )
        .await
        .unwrap();
    for n in 0..3 {
        system.tell(&worker, WorkerMsg::Work(n)).unwrap();
    }
    system.tell(&worker, WorkerMsg::Panic).unwrap();
    system.tell(&worker, WorkerMsg::Fail).unwrap();
    system.tell(&worker, WorkerMsg::Work(3)).unwrap();
    assert_eq!(count(&system, &worker).await, 4);
    assert!(journal.with_prefix("w:post_restart").is_empty());
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_with_installs_the_policy_state_in_place() {
    let system = system("restart-with", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(
            Worker::new("w", &journal, &gate)
                .spec()
                .error_policy(ErrorPolicy::RestartWith(42)),
        )
        .await
        .unwrap();
    system.tell(&worker, WorkerMsg::Work(1)).unwrap();
    let mut events = system.events();
    system.tell(&worker, WorkerMsg::Panic).unwrap();
    event(&mut events, "the restart", |e| {
        matches!(e, SystemEvent::Restarted { .. })
    })
    .await;
    assert_eq!(count(&system, &worker).await, 42);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stop_policy_stops_the_actor_as_failed() {
    let system = system("stop-policy", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(
            Worker::new("w", &journal, &gate)
                .spec()
                .error_policy(ErrorPolicy::Stop)
                .restart_type(RestartType::Temporary),
        )
        .await
        .unwrap();
    let mut events = system.events();
    system.tell(&worker, WorkerMsg::Fail).unwrap();
    let stopped = event(&mut events, "the stop", |e| {
        matches!(e, SystemEvent::Stopped { .. })
    })
    .await;
    assert_eq!(
        stopped,
        SystemEvent::Stopped {
            actor: worker.id().clone()
        }
    );
    assert_eq!(journal.with_prefix("w:post_stop"), ["w:post_stop:0"]);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_restart_delivers_pre_and_post_restart_with_fresh_state() {
    let system = system("requested", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(Worker::new("w", &journal, &gate).spec())
        .await
        .unwrap();
    system.tell(&worker, WorkerMsg::Work(1)).unwrap();
    system.tell(&worker, WorkerMsg::Restart).unwrap();
    system.tell(&worker, WorkerMsg::Work(2)).unwrap();
    journal.wait_for("w:work:2").await;
    assert_eq!(count(&system, &worker).await, 1);
    let restarts: Vec<String> = journal
        .entries()
        .into_iter()
        .filter(|e| e.contains("restart"))
        .map(|e| e.split('@').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(restarts, ["w:pre_restart:requested", "w:post_restart"]);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_without_the_spawn_capability_fails_when_it_spawns() {
    let system = system("caps", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let locked = system
        .spawn(
            Worker::new("locked", &journal, &gate)
                .spec()
                .capabilities(Capabilities::none())
                .error_policy(ErrorPolicy::Resume),
        )
        .await
        .unwrap();
    let mut events = system.events();
    system
        .tell(&locked, WorkerMsg::SpawnChild("kid".into()))
        .unwrap();
    let failed = event(&mut events, "the denial", |e| {
        matches!(e, SystemEvent::Failed { .. })
    })
    .await;
    match failed {
        SystemEvent::Failed { error, .. } => {
            assert_eq!(
                error.message(),
                format!("actor `{}` lacks the spawn capability", locked.id())
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    system
        .tell(
            &locked,
            WorkerMsg::Schedule {
                key: None,
                millis: 1,
                n: 1,
            },
        )
        .unwrap();
    let failed = event(&mut events, "the denial", |e| {
        matches!(e, SystemEvent::Failed { .. })
    })
    .await;
    assert!(
        matches!(failed, SystemEvent::Failed { error, .. } if error.message().contains("schedule"))
    );
    system.tell(&locked, WorkerMsg::Work(1)).unwrap();
    assert_eq!(
        count(&system, &locked).await,
        1,
        "resumed after each denial"
    );
    assert!(
        journal.with_prefix("kid").is_empty() && journal.with_prefix("locked:work:1").len() == 1
    );

    let open = system
        .spawn(
            Worker::new("open", &journal, &gate)
                .spec()
                .capabilities(Capabilities::none().with(Capability::Spawn)),
        )
        .await
        .unwrap();
    system
        .tell(&open, WorkerMsg::SpawnChild("kid".into()))
        .unwrap();
    journal.wait_for("open:spawned:kid").await;
    let kid = support::spawned(&journal, "open", "kid");
    assert!(system.is_alive(kid.id()));
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_fire_once_and_keyed_timers_can_be_replaced_and_cancelled() {
    let system = system("timers", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(Worker::new("w", &journal, &gate).spec())
        .await
        .unwrap();
    let schedule = |key: Option<&str>, millis, n| WorkerMsg::Schedule {
        key: key.map(str::to_owned),
        millis,
        n,
    };
    // `a` is replaced by a later timer under the same key, `b` is cancelled;
    // `5` fires last, so by then the others would have fired. The messages
    // are queued behind a held one, to be handled back to back; the
    // margins (at least 300 ms between what is compared) absorb the delays
    // of a loaded machine between those handlings.
    system.tell(&worker, WorkerMsg::Block).unwrap();
    gate.held(1).await;
    system.tell(&worker, schedule(Some("a"), 300, 1)).unwrap();
    system.tell(&worker, schedule(Some("a"), 600, 2)).unwrap();
    system.tell(&worker, schedule(Some("b"), 300, 3)).unwrap();
    system.tell(&worker, WorkerMsg::Cancel("b".into())).unwrap();
    system.tell(&worker, schedule(None, 150, 4)).unwrap();
    system.tell(&worker, schedule(None, 900, 5)).unwrap();
    gate.open();
    journal.wait_for("w:work:5").await;
    assert_eq!(
        journal.with_prefix("w:work"),
        ["w:work:4", "w:work:2", "w:work:5"]
    );
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawned_child_is_supervised_by_its_parent_and_announced() {
    let system = system("spawn", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let parent = system
        .spawn(Worker::new("parent", &journal, &gate).spec())
        .await
        .unwrap();
    system
        .tell(&parent, WorkerMsg::SpawnChild("kid".into()))
        .unwrap();
    journal.wait_for("parent:spawned:kid").await;
    let kid = support::spawned(&journal, "parent", "kid");
    assert_eq!(kid.id().parent_path(), Some(parent.id().path()));
    assert!(journal.contains("kid:pre_start"));
    let mut events = system.events();
    system.tell(&kid, WorkerMsg::Fail).unwrap();
    let restarted = event(&mut events, "the kid's restart", |e| {
        matches!(e, SystemEvent::Restarted { .. })
    })
    .await;
    assert!(matches!(restarted, SystemEvent::Restarted { actor, .. } if &actor == kid.id()));
    support::within("the stop", system.stop(parent.id()))
        .await
        .unwrap();
    assert!(!system.is_alive(kid.id()));
    let stops =
        journal.with_prefix("kid:post_stop").len() + journal.with_prefix("parent:post_stop").len();
    assert_eq!(stops, 2);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}
