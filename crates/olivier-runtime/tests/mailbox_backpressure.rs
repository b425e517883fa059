//! Bounded mailboxes: DropOldest, DropNewest, Reject, and senders that wait
//! for room; every dropped message is a counted dead letter.

#[path = "support/behaviors.rs"]
mod support;

use std::time::Duration;

use alloy_actors::{BackpressurePolicy, SupervisionStrategy};
use olivier_runtime::{DeadLetterReason, TellError};
use support::{Gate, GateGuard, Journal, Worker, WorkerMsg, count, poll_once, system, within};

fn root() -> SupervisionStrategy {
    SupervisionStrategy::one_for_one(10, Duration::from_secs(60))
}

async fn blocked_worker(
    name: &str,
    policy: BackpressurePolicy,
) -> (
    olivier_runtime::ActorSystem,
    std::sync::Arc<Journal>,
    GateGuard,
    alloy_actors::ActorRef<WorkerMsg>,
) {
    let system = system(name, root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(
            Worker::new("w", &journal, &gate)
                .spec()
                .backpressure(policy),
        )
        .await
        .unwrap();
    system.tell(&worker, WorkerMsg::Block).unwrap();
    gate.held(1).await;
    (system, journal, gate, worker)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_oldest_keeps_the_newest_messages() {
    let (system, journal, gate, worker) =
        blocked_worker("oldest", BackpressurePolicy::DropOldest(2)).await;
    let mut letters = system.dead_letters();
    for n in 1..=5 {
        system.tell(&worker, WorkerMsg::Work(n)).unwrap();
    }
    for expected in 1..=3u32 {
        let letter = within("a dead letter", letters.recv()).await.unwrap();
        assert_eq!(
            letter.reason,
            DeadLetterReason::EvictedOldest { capacity: 2 }
        );
        assert!(
            matches!(letter.message.downcast_ref::<WorkerMsg>(), Some(WorkerMsg::Work(n)) if *n == expected)
        );
    }
    gate.open();
    journal.wait_for("w:work:5").await;
    assert_eq!(count(&system, &worker).await, 2);
    assert_eq!(journal.with_prefix("w:work"), ["w:work:4", "w:work:5"]);
    assert_eq!(system.dead_letter_count(), 3);
    within("the shutdown", system.shutdown()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_newest_keeps_the_oldest_messages() {
    let (system, journal, gate, worker) =
        blocked_worker("newest", BackpressurePolicy::DropNewest(2)).await;
    for n in 1..=5 {
        system.tell(&worker, WorkerMsg::Work(n)).unwrap();
    }
    assert_eq!(system.dead_letter_count(), 3);
    gate.open();
    journal.wait_for("w:work:2").await;
    assert_eq!(count(&system, &worker).await, 2);
    assert_eq!(journal.with_prefix("w:work"), ["w:work:1", "w:work:2"]);
    within("the shutdown", system.shutdown()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_answers_the_sender_and_hands_the_message_back() {
    let (system, journal, gate, worker) =
        blocked_worker("reject", BackpressurePolicy::Reject(1)).await;
    system.tell(&worker, WorkerMsg::Work(1)).unwrap();
    match system.tell(&worker, WorkerMsg::Work(2)) {
        Err(TellError::MailboxFull {
            capacity, message, ..
        }) => {
            assert_eq!(capacity, 1);
            assert!(matches!(message, WorkerMsg::Work(2)));
        }
        other => panic!("expected MailboxFull, got {other:?}"),
    }
    let answer = system
        .ask(
            &worker,
            |reply_to| WorkerMsg::Get { reply_to },
            support::PATIENCE,
        )
        .await;
    assert!(matches!(
        answer,
        Err(olivier_runtime::AskError::MailboxFull { capacity: 1, .. })
    ));
    assert_eq!(system.dead_letter_count(), 2);
    gate.open();
    journal.wait_for("w:work:1").await;
    assert_eq!(count(&system, &worker).await, 1);
    within("the shutdown", system.shutdown()).await.unwrap();
}

/// The sender's future is polled from the test itself: it must be pending
/// while the mailbox is full (and a tell still refused, so nothing was
/// queued past the capacity), and complete once the worker makes room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_awaiting_sender_waits_for_room_instead_of_being_rejected() {
    let (system, journal, gate, worker) =
        blocked_worker("await", BackpressurePolicy::Reject(2)).await;
    for n in 1..=2 {
        system.tell(&worker, WorkerMsg::Work(n)).unwrap();
    }
    let mut sending = Box::pin(system.send(&worker, WorkerMsg::Work(3)));
    for _ in 0..3 {
        assert!(
            poll_once(&mut sending).await.is_pending(),
            "the send finished while the mailbox was full"
        );
        tokio::task::yield_now().await;
    }
    assert_eq!(system.mailbox_depth(worker.id()), Some(2));
    assert!(matches!(
        system.tell(&worker, WorkerMsg::Work(4)),
        Err(TellError::MailboxFull { .. })
    ));
    gate.open();
    within("the waiting send", sending).await.unwrap();
    journal.wait_for("w:work:3").await;
    assert_eq!(count(&system, &worker).await, 3);
    assert_eq!(
        journal.with_prefix("w:work"),
        ["w:work:1", "w:work:2", "w:work:3"]
    );
    assert_eq!(system.dead_letter_count(), 1, "only the refused tell");
    within("the shutdown", system.shutdown()).await.unwrap();
}
