//! Tell, ask, priorities and dead letters through a running system.

#[path = "support/behaviors.rs"]
mod support;

use std::time::Duration;

use alloy_actors::{ActorPriority, ActorRef, ActorSpec, SupervisionStrategy};
use alloy_counter::{Count, Counter, CounterMsg};
use olivier_runtime::{AskError, DeadLetterReason, SystemEvent, TellError};
use support::{Gate, Journal, Reply, Worker, WorkerMsg, count, system};

fn root() -> SupervisionStrategy {
    SupervisionStrategy::one_for_one(10, Duration::from_secs(60))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tell_then_ask_sees_every_told_message() {
    let system = system("tell", root());
    let counter = system.spawn(ActorSpec::new(Counter)).await.unwrap();
    for _ in 0..100 {
        system.tell(&counter, CounterMsg::Increment).unwrap();
    }
    system.tell(&counter, CounterMsg::Decrement).unwrap();
    let count = system
        .ask(
            &counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            support::PATIENCE,
        )
        .await
        .unwrap();
    assert_eq!(count, Count(99));
    assert_eq!(system.dead_letter_count(), 0);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actors_tell_each_other_locally() {
    let system = system("forward", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let a = system
        .spawn(Worker::new("a", &journal, &gate).spec())
        .await
        .unwrap();
    let b = system
        .spawn(Worker::new("b", &journal, &gate).spec())
        .await
        .unwrap();
    system
        .tell(
            &a,
            WorkerMsg::Forward {
                to: b.clone(),
                n: 7,
            },
        )
        .unwrap();
    journal.wait_for("b:work:7").await;
    assert_eq!(count(&system, &b).await, 1);
    assert_eq!(count(&system, &a).await, 0);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_ask_times_out_and_leaves_nothing_registered() {
    let system = system("timeout", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(Worker::new("w", &journal, &gate).spec())
        .await
        .unwrap();
    let registered = system.registered();
    let answer = system
        .ask(
            &worker,
            |reply_to| WorkerMsg::Swallow { reply_to },
            Duration::from_millis(50),
        )
        .await;
    assert_eq!(
        answer,
        Err(AskError::Timeout {
            target: worker.id().clone(),
            after: Duration::from_millis(50)
        })
    );
    assert_eq!(system.registered(), registered);
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_an_actor_that_stops_first_fails_with_actor_stopped() {
    let system = system("stopped", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(Worker::new("w", &journal, &gate).spec())
        .await
        .unwrap();
    system.tell(&worker, WorkerMsg::Block).unwrap();
    gate.held(1).await;
    let ask = {
        let system = system.clone();
        let worker = worker.clone();
        tokio::spawn(async move {
            system
                .ask(
                    &worker,
                    |reply_to| WorkerMsg::Get { reply_to },
                    // Far past the wait for the answer: an ask that waited
                    // its timeout out instead of failing fast fails the test.
                    3 * support::PATIENCE,
                )
                .await
        })
    };
    until("the request to be queued", || {
        system.mailbox_depth(worker.id()) == Some(1)
    })
    .await;
    let mut events = system.events();
    let stop = {
        let system = system.clone();
        let id = worker.id().clone();
        tokio::spawn(async move { system.stop(&id).await })
    };
    support::event(&mut events, "the stop request", |e| {
        matches!(e, SystemEvent::Stopping { .. })
    })
    .await;
    gate.open();
    support::within("the stop", stop).await.unwrap().unwrap();
    assert_eq!(
        support::within("the answer", ask).await.unwrap(),
        Err(AskError::ActorStopped {
            target: worker.id().clone()
        })
    );
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

use support::until;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_actors_and_wrong_types_are_typed_errors_and_dead_letters() {
    let system = system("bad", root());
    let mut letters = system.dead_letters();
    let counter = system.spawn(ActorSpec::new(Counter)).await.unwrap();

    let nobody: ActorRef<CounterMsg> = ActorRef::new("bad/nobody#99".parse().unwrap());
    match system.tell(&nobody, CounterMsg::Increment) {
        Err(TellError::UnknownActor { target, message }) => {
            assert_eq!(&target, nobody.id());
            assert_eq!(message, CounterMsg::Increment);
        }
        other => panic!("expected UnknownActor, got {other:?}"),
    }
    let letter = support::within("a dead letter", letters.recv())
        .await
        .unwrap();
    assert_eq!(letter.reason, DeadLetterReason::UnknownActor);
    assert_eq!(
        letter.message.downcast_ref::<CounterMsg>(),
        Some(&CounterMsg::Increment)
    );

    // A reference that lies about the message type.
    let liar: ActorRef<WorkerMsg> = ActorRef::new(counter.id().clone());
    match system.tell(&liar, WorkerMsg::Work(1)) {
        Err(TellError::WrongMessageType {
            expected, found, ..
        }) => {
            assert_eq!(expected, "alloy.counter.CounterMsg");
            assert_eq!(found, "test.WorkerMsg");
        }
        other => panic!("expected WrongMessageType, got {other:?}"),
    }
    let answer = system
        .ask(
            &liar,
            |reply_to: ActorRef<Reply>| WorkerMsg::Get { reply_to },
            support::PATIENCE,
        )
        .await;
    assert!(
        matches!(answer, Err(AskError::WrongMessageType { .. })),
        "{answer:?}"
    );
    let answer = system
        .ask(
            &nobody,
            |reply_to| CounterMsg::GetCount { reply_to },
            support::PATIENCE,
        )
        .await;
    assert!(
        matches!(answer, Err(AskError::UnknownActor { .. })),
        "{answer:?}"
    );
    assert_eq!(system.dead_letter_count(), 4);

    // The system keeps running.
    system.tell(&counter, CounterMsg::Increment).unwrap();
    let count = system
        .ask(
            &counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            support::PATIENCE,
        )
        .await
        .unwrap();
    assert_eq!(count, Count(1));
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mailbox_serves_urgent_priorities_first() {
    let system = system("priority", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(Worker::new("w", &journal, &gate).spec())
        .await
        .unwrap();
    system.tell(&worker, WorkerMsg::Block).unwrap();
    gate.held(1).await;
    for (n, priority) in [
        (1, ActorPriority::Background),
        (2, ActorPriority::Normal),
        (3, ActorPriority::Bulk),
        (4, ActorPriority::Control),
        (5, ActorPriority::Normal),
        (6, ActorPriority::Supervision),
    ] {
        system
            .tell_with_priority(&worker, WorkerMsg::Work(n), priority)
            .unwrap();
    }
    gate.open();
    journal
        .wait("six works", |entries| entries.len() >= 8)
        .await;
    assert_eq!(
        journal.with_prefix("w:work"),
        [
            "w:work:6", "w:work:4", "w:work:2", "w:work:5", "w:work:3", "w:work:1"
        ]
    );
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_overtakes_queued_messages_which_become_dead_letters() {
    let system = system("overtake", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(Worker::new("w", &journal, &gate).spec())
        .await
        .unwrap();
    system.tell(&worker, WorkerMsg::Block).unwrap();
    gate.held(1).await;
    for n in 0..10 {
        system.tell(&worker, WorkerMsg::Work(n)).unwrap();
    }
    let mut events = system.events();
    let stop = {
        let system = system.clone();
        let id = worker.id().clone();
        tokio::spawn(async move { system.stop(&id).await })
    };
    // The stop request reaches the mailbox while the handler is held.
    support::event(&mut events, "the stop request", |e| {
        matches!(e, SystemEvent::Stopping { .. })
    })
    .await;
    gate.open();
    support::within("the stop", stop).await.unwrap().unwrap();
    assert!(
        journal.with_prefix("w:work").is_empty(),
        "{:?}",
        journal.entries()
    );
    assert_eq!(journal.with_prefix("w:post_stop"), ["w:post_stop:0"]);
    assert_eq!(system.dead_letter_count(), 10);
    assert!(!system.is_alive(worker.id()));
    assert!(matches!(
        system.tell(&worker, WorkerMsg::Work(99)),
        Err(TellError::UnknownActor { .. })
    ));
    support::within("the shutdown", system.shutdown())
        .await
        .unwrap();
}
