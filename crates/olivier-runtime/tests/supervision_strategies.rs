//! OTP supervision through a running system: strategies, restart types,
//! restart intensity and escalation chains, stop ordering, shutdown timeouts.

#[path = "support/behaviors.rs"]
mod support;

use std::time::Duration;

use alloy_actors::{ActorId, ActorRef, RestartType, SupervisionStrategy};
use olivier_runtime::{SystemEvent, SystemFailure};
use support::{Gate, Journal, Worker, WorkerMsg, count, event, system};

const MINUTE: Duration = Duration::from_secs(60);

/// The lifecycle entries of the journal, without the thread suffix.
fn lifecycle(journal: &Journal) -> Vec<String> {
    journal
        .entries()
        .into_iter()
        .filter(|e| {
            e.contains(":pre_restart") || e.contains(":post_restart") || e.contains(":post_stop")
        })
        .map(|e| e.split('@').next().unwrap_or_default().to_owned())
        .collect()
}

async fn three_workers(
    strategy: SupervisionStrategy,
    name: &str,
) -> (
    olivier_runtime::ActorSystem,
    Journal2,
    [ActorRef<WorkerMsg>; 3],
) {
    let system = system(name, SupervisionStrategy::one_for_one(10, MINUTE));
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let sup = system.supervisor(strategy).await.unwrap();
    let mut refs = Vec::new();
    for name in ["a", "b", "c"] {
        refs.push(
            sup.spawn(Worker::new(name, &journal, &gate).spec())
                .await
                .unwrap(),
        );
    }
    for worker in &refs {
        system.tell(worker, WorkerMsg::Work(1)).unwrap();
        assert_eq!(count(&system, worker).await, 1);
    }
    let refs: [ActorRef<WorkerMsg>; 3] = refs.try_into().unwrap();
    (system, journal, refs)
}

type Journal2 = std::sync::Arc<Journal>;

async fn restarted(events: &mut olivier_runtime::Events, how_many: usize) -> Vec<ActorId> {
    let mut actors = Vec::new();
    while actors.len() < how_many {
        if let SystemEvent::Restarted { actor, .. } = event(events, "a restart", |e| {
            matches!(e, SystemEvent::Restarted { .. })
        })
        .await
        {
            actors.push(actor);
        }
    }
    actors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_for_one_restarts_only_the_failed_child() {
    let (system, journal, [a, b, c]) =
        three_workers(SupervisionStrategy::one_for_one(3, MINUTE), "one").await;
    let mut events = system.events();
    system.tell(&b, WorkerMsg::Fail).unwrap();
    assert_eq!(restarted(&mut events, 1).await, [b.id().clone()]);
    assert_eq!(
        lifecycle(&journal),
        ["b:pre_restart:failed", "b:post_restart"]
    );
    assert_eq!(count(&system, &b).await, 0, "fresh state after the restart");
    assert_eq!(count(&system, &a).await, 1);
    assert_eq!(count(&system, &c).await, 1);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_for_one_stops_the_others_in_reverse_order_then_restarts_all_in_order() {
    let (system, journal, [a, b, c]) =
        three_workers(SupervisionStrategy::all_for_one(3, MINUTE), "all").await;
    let mut events = system.events();
    system.tell(&b, WorkerMsg::Fail).unwrap();
    let order = restarted(&mut events, 3).await;
    assert_eq!(order, [a.id().clone(), b.id().clone(), c.id().clone()]);
    assert_eq!(
        lifecycle(&journal),
        [
            "b:pre_restart:failed",
            "c:pre_restart:sibling:b",
            "a:pre_restart:sibling:b",
            "a:post_restart",
            "b:post_restart",
            "c:post_restart",
        ]
    );
    for worker in [&a, &b, &c] {
        assert_eq!(count(&system, worker).await, 0);
    }
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_for_one_restarts_the_failed_child_and_those_started_after_it() {
    let (system, journal, [a, b, c]) =
        three_workers(SupervisionStrategy::rest_for_one(3, MINUTE), "rest").await;
    let mut events = system.events();
    system.tell(&b, WorkerMsg::Fail).unwrap();
    assert_eq!(
        restarted(&mut events, 2).await,
        [b.id().clone(), c.id().clone()]
    );
    assert_eq!(
        lifecycle(&journal),
        [
            "b:pre_restart:failed",
            "c:pre_restart:sibling:b",
            "b:post_restart",
            "c:post_restart",
        ]
    );
    assert_eq!(count(&system, &a).await, 1);
    assert_eq!(count(&system, &c).await, 0);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_types_decide_who_comes_back() {
    let system = system("types", SupervisionStrategy::one_for_one(10, MINUTE));
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let sup = system
        .supervisor(SupervisionStrategy::one_for_one(10, MINUTE))
        .await
        .unwrap();
    let spawn = |name: &str, restart: RestartType| {
        let spec = Worker::new(name, &journal, &gate)
            .spec()
            .restart_type(restart);
        let sup = sup.clone();
        async move { sup.spawn(spec).await.unwrap() }
    };
    let permanent = spawn("permanent", RestartType::Permanent).await;
    let transient_ok = spawn("transient_ok", RestartType::Transient).await;
    let transient_bad = spawn("transient_bad", RestartType::Transient).await;
    let temporary = spawn("temporary", RestartType::Temporary).await;
    let mut events = system.events();

    // Permanent: restarted even after a normal stop.
    system.tell(&permanent, WorkerMsg::Stop).unwrap();
    assert_eq!(restarted(&mut events, 1).await, [permanent.id().clone()]);
    assert!(journal.contains("permanent:post_stop:0"));

    // Transient: not restarted after a normal stop, restarted after a failure.
    system.tell(&transient_ok, WorkerMsg::Stop).unwrap();
    let stopped = event(&mut events, "the transient stop", |e| {
        matches!(e, SystemEvent::Stopped { .. })
    })
    .await;
    assert_eq!(
        stopped,
        SystemEvent::Stopped {
            actor: transient_ok.id().clone()
        }
    );
    assert!(!system.is_alive(transient_ok.id()));
    system.tell(&transient_bad, WorkerMsg::Fail).unwrap();
    assert_eq!(
        restarted(&mut events, 1).await,
        [transient_bad.id().clone()]
    );

    // Temporary: never restarted, removed.
    system.tell(&temporary, WorkerMsg::Panic).unwrap();
    let stopped = event(&mut events, "the temporary stop", |e| {
        matches!(e, SystemEvent::Stopped { .. })
    })
    .await;
    assert_eq!(
        stopped,
        SystemEvent::Stopped {
            actor: temporary.id().clone()
        }
    );
    assert!(!system.is_alive(temporary.id()));
    assert_eq!(count(&system, &permanent).await, 0);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceeding_the_intensity_escalates_up_the_chain_and_ends_the_system_at_the_root() {
    let system = system("chain", SupervisionStrategy::one_for_one(1, MINUTE));
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let sup = system
        .supervisor(SupervisionStrategy::one_for_one(1, MINUTE))
        .await
        .unwrap();
    let inner = sup
        .supervisor(SupervisionStrategy::one_for_one(0, MINUTE))
        .await
        .unwrap();
    let worker = inner
        .spawn(Worker::new("w", &journal, &gate).spec())
        .await
        .unwrap();
    let mut events = system.events();

    // The innermost supervisor allows no restart: it gives up at once, and
    // `sup` restarts it (its first restart), which starts `w` again.
    system.tell(&worker, WorkerMsg::Fail).unwrap();
    let gave_up = event(&mut events, "inner to give up", |e| {
        matches!(e, SystemEvent::SupervisorGaveUp { .. })
    })
    .await;
    assert!(
        matches!(gave_up, SystemEvent::SupervisorGaveUp { supervisor, .. } if &supervisor == inner.id())
    );
    assert_eq!(restarted(&mut events, 1).await, [worker.id().clone()]);
    system.tell(&worker, WorkerMsg::Work(5)).unwrap();
    assert_eq!(
        count(&system, &worker).await,
        1,
        "the same id works after the restart"
    );

    // Again: `sup` exceeds its own intensity of 1, gives up, and the root
    // restarts it (the root's first restart).
    system.tell(&worker, WorkerMsg::Fail).unwrap();
    for expected in [inner.id(), sup.id()] {
        let gave_up = event(&mut events, "a supervisor to give up", |e| {
            matches!(e, SystemEvent::SupervisorGaveUp { .. })
        })
        .await;
        assert!(
            matches!(gave_up, SystemEvent::SupervisorGaveUp { supervisor, .. } if &supervisor == expected)
        );
    }
    assert_eq!(restarted(&mut events, 1).await, [worker.id().clone()]);

    // The restarted `sup` has a fresh restart history (as a restarted OTP
    // supervisor does): one more failure is absorbed, the next one exceeds
    // its intensity again, and the root's second restart exceeds the root's.
    system.tell(&worker, WorkerMsg::Fail).unwrap();
    assert_eq!(restarted(&mut events, 1).await, [worker.id().clone()]);
    system.tell(&worker, WorkerMsg::Fail).unwrap();
    let failure = tokio::time::timeout(support::PATIENCE, system.terminated())
        .await
        .unwrap();
    assert!(
        matches!(failure, Err(SystemFailure::RootGaveUp { .. })),
        "{failure:?}"
    );
    assert!(
        failure
            .unwrap_err()
            .to_string()
            .contains("maximum restart intensity")
    );
    assert!(!system.is_alive(worker.id()));
    assert!(!system.is_running());
    assert!(matches!(
        system
            .spawn(Worker::new("late", &journal, &gate).spec())
            .await,
        Err(olivier_runtime::SpawnError::ShutDown)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_that_gives_up_on_its_children_fails_to_its_own_supervisor() {
    let system = system("actor-sup", SupervisionStrategy::one_for_one(5, MINUTE));
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let parent = system
        .spawn(
            Worker::new("parent", &journal, &gate)
                .spec()
                .supervision(SupervisionStrategy::one_for_one(0, MINUTE)),
        )
        .await
        .unwrap();
    system
        .tell(&parent, WorkerMsg::SpawnChild("kid".into()))
        .unwrap();
    journal.wait_for("parent:spawned:kid").await;
    let kid = support::spawned(&journal, "parent", "kid");
    assert!(kid.id().is_descendant_of(parent.id()));
    assert!(journal.contains("kid:pre_start"));
    let mut events = system.events();
    system.tell(&kid, WorkerMsg::Fail).unwrap();
    let gave_up = event(&mut events, "the parent to give up", |e| {
        matches!(e, SystemEvent::SupervisorGaveUp { .. })
    })
    .await;
    assert!(
        matches!(gave_up, SystemEvent::SupervisorGaveUp { supervisor, .. } if &supervisor == parent.id())
    );
    assert_eq!(restarted(&mut events, 1).await, [parent.id().clone()]);
    assert!(
        !system.is_alive(kid.id()),
        "a restarted actor's children are stopped for good"
    );
    assert_eq!(
        lifecycle(&journal),
        [
            "kid:post_stop:0",
            "parent:pre_restart:failed",
            "parent:post_restart"
        ]
    );
    // The parent works, and may spawn again.
    system
        .tell(&parent, WorkerMsg::SpawnChild("kid2".into()))
        .unwrap();
    journal.wait_for("parent:spawned:kid2").await;
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_subtree_stops_children_first_in_reverse_start_order_depth_first() {
    let system = system("order", SupervisionStrategy::one_for_one(5, MINUTE));
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let sup = system
        .supervisor(SupervisionStrategy::one_for_one(5, MINUTE))
        .await
        .unwrap();
    let _a = sup
        .spawn(Worker::new("a", &journal, &gate).spec())
        .await
        .unwrap();
    let b = sup
        .spawn(Worker::new("b", &journal, &gate).spec())
        .await
        .unwrap();
    let _c = sup
        .spawn(Worker::new("c", &journal, &gate).spec())
        .await
        .unwrap();
    system.tell(&b, WorkerMsg::SpawnChild("b1".into())).unwrap();
    journal.wait_for("b:spawned:b1").await;
    system.tell(&b, WorkerMsg::SpawnChild("b2".into())).unwrap();
    journal.wait_for("b:spawned:b2").await;
    support::within("the stop", sup.stop()).await.unwrap();
    assert_eq!(
        lifecycle(&journal),
        [
            "c:post_stop:0",
            "b2:post_stop:0",
            "b1:post_stop:0",
            "b:post_stop:0",
            "a:post_stop:0",
        ]
    );
    assert!(!system.is_alive(b.id()));
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_that_outlives_its_shutdown_timeout_is_aborted_without_its_stop_hook() {
    let system = system("abort", SupervisionStrategy::one_for_one(5, MINUTE));
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let stuck = system
        .spawn(
            Worker::new("stuck", &journal, &gate)
                .spec()
                .shutdown_timeout(Duration::from_millis(50)),
        )
        .await
        .unwrap();
    let polite = system
        .spawn(Worker::new("polite", &journal, &gate).spec())
        .await
        .unwrap();
    // The handler outlives the timeout, then returns a tell: an aborted
    // task's late outcome must not be performed.
    let (token, told_message_gone) = support::DropToken::new();
    system
        .tell(
            &stuck,
            WorkerMsg::BlockThenTell {
                to: polite.clone(),
                n: 7,
                token,
            },
        )
        .unwrap();
    gate.held(1).await;
    let mut events = system.events();
    support::within("the stop", system.stop(stuck.id()))
        .await
        .unwrap();
    let aborted = event(&mut events, "the abort", |e| {
        matches!(e, SystemEvent::Aborted { .. })
    })
    .await;
    assert_eq!(
        aborted,
        SystemEvent::Aborted {
            actor: stuck.id().clone(),
            timeout: Duration::from_millis(50)
        }
    );
    assert!(!system.is_alive(stuck.id()));
    gate.open();
    // The outcome's tell goes either way: dropped with the aborted outcome,
    // or (were it performed) handled by `polite` first.
    told_message_gone
        .wait("the aborted handler's tell to be dropped")
        .await;
    assert!(journal.contains("stuck:passed"));
    assert!(
        !journal.contains("polite:work:7"),
        "the aborted handler's tell was performed"
    );
    assert_eq!(count(&system, &polite).await, 0);
    support::within("the stop", system.stop(polite.id()))
        .await
        .unwrap();
    assert_eq!(
        lifecycle(&journal),
        ["polite:post_stop:0"],
        "no stop hook for the aborted actor"
    );
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

/// Fails on the message its own `PreStart` sends it. A spawn starts the
/// actor on the spawning thread and hands it to its supervisor process
/// afterwards; its task starts only at adoption, so even this first failure
/// finds it supervised.
#[derive(Debug, Clone, Copy)]
struct Hasty;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum HastyMsg {
    Fail,
    Get {
        reply_to: alloy_actors::ActorRef<support::Reply>,
    },
}

impl alloy_actors::Message for HastyMsg {
    const TYPE_NAME: &'static str = "test.HastyMsg";
}

impl alloy_actors::Behavior for Hasty {
    type State = u64;
    type Message = HastyMsg;

    fn init(&self) -> u64 {
        0
    }

    fn receive(
        &self,
        _ctx: &alloy_actors::Context<HastyMsg>,
        state: u64,
        msg: HastyMsg,
    ) -> alloy_actors::Effect<u64> {
        match msg {
            HastyMsg::Fail => alloy_actors::Effect::from(state)
                .escalate(alloy_actors::ActorError::msg("failed at once")),
            HastyMsg::Get { reply_to } => {
                alloy_actors::Effect::from(state).tell(&reply_to, support::Reply(state))
            }
        }
    }

    fn lifecycle(
        &self,
        ctx: &alloy_actors::Context<HastyMsg>,
        state: u64,
        event: alloy_actors::LifecycleEvent,
    ) -> alloy_actors::Effect<u64> {
        match event {
            alloy_actors::LifecycleEvent::PreStart => {
                alloy_actors::Effect::from(state).tell(&ctx.myself(), HastyMsg::Fail)
            }
            _ => alloy_actors::Effect::from(state),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_that_fails_on_its_first_message_is_restarted() {
    const HASTY: usize = 64;
    let system = system("hasty", SupervisionStrategy::one_for_one(1000, MINUTE));
    let mut events = system.events();
    let mut hasty = Vec::new();
    for _ in 0..HASTY {
        hasty.push(
            system
                .spawn(alloy_actors::ActorSpec::new(Hasty))
                .await
                .unwrap(),
        );
    }
    let mut restarted = std::collections::HashSet::new();
    while restarted.len() < HASTY {
        if let SystemEvent::Restarted { actor, .. } = event(&mut events, "every restart", |e| {
            matches!(e, SystemEvent::Restarted { .. })
        })
        .await
        {
            restarted.insert(actor);
        }
    }
    for actor in &hasty {
        let answer = system
            .ask(
                actor,
                |reply_to| HastyMsg::Get { reply_to },
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        assert_eq!(answer, support::Reply(0));
    }
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawn_under_a_stopped_supervisor_is_refused() {
    let system = system("gone", SupervisionStrategy::one_for_one(5, MINUTE));
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let sup = system
        .supervisor(SupervisionStrategy::one_for_one(5, MINUTE))
        .await
        .unwrap();
    sup.spawn(Worker::new("before", &journal, &gate).spec())
        .await
        .unwrap();
    support::within("the stop", sup.stop()).await.unwrap();
    let refused = sup
        .spawn(Worker::new("after", &journal, &gate).spec())
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, olivier_runtime::SpawnError::SupervisorGone { supervisor } if supervisor == sup.id()),
        "{refused:?}"
    );
    assert!(
        !journal.contains("after:pre_start"),
        "the refused actor never started"
    );
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}
