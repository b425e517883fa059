//! Unit tests of the mailbox's ordering and policies.

use super::*;
use alloy_actors::Message;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct N(u32);
impl Message for N {
    const TYPE_NAME: &'static str = "test.N";
}

fn envelope(n: u32) -> Envelope {
    Envelope {
        message: AnyMessage::new(N(n)),
        sender: None,
    }
}

fn number(envelope: &Envelope) -> u32 {
    envelope
        .message
        .downcast_ref::<N>()
        .map_or(u32::MAX, |n| n.0)
}

async fn take(mailbox: &Mailbox, incarnation: u64) -> Option<u32> {
    match mailbox.next(incarnation).await {
        Next::User(envelope) => Some(number(&envelope)),
        _ => None,
    }
}

#[tokio::test]
async fn priorities_are_served_most_urgent_first_and_fifo_within_a_class() {
    let mailbox = Mailbox::new(BackpressurePolicy::Unbounded);
    let incarnation = mailbox.supersede();
    for (n, priority) in [
        (1, ActorPriority::Background),
        (2, ActorPriority::Normal),
        (3, ActorPriority::Supervision),
        (4, ActorPriority::Normal),
        (5, ActorPriority::Control),
    ] {
        assert!(matches!(
            mailbox.push(envelope(n), priority),
            Ok(Pushed::Queued)
        ));
    }
    let mut order = Vec::new();
    for _ in 0..5 {
        order.extend(take(&mailbox, incarnation).await);
    }
    assert_eq!(order, [3, 5, 2, 4, 1]);
}

#[tokio::test]
async fn a_yield_overtakes_user_messages_and_stale_yields_are_ignored() {
    let mailbox = Mailbox::new(BackpressurePolicy::Unbounded);
    let first = mailbox.supersede();
    let _ = mailbox.push(envelope(1), ActorPriority::Normal);
    mailbox.push_yield(first);
    assert!(matches!(mailbox.next(first).await, Next::Yield));
    let second = mailbox.supersede();
    mailbox.push_yield(first);
    assert_eq!(take(&mailbox, second).await, Some(1));
    assert!(matches!(mailbox.next(first).await, Next::Superseded));
}

#[test]
fn drop_oldest_evicts_the_oldest_of_the_least_urgent_class() {
    let mailbox = Mailbox::new(BackpressurePolicy::DropOldest(2));
    let _ = mailbox.push(envelope(1), ActorPriority::Normal);
    let _ = mailbox.push(envelope(2), ActorPriority::Bulk);
    match mailbox.push(envelope(3), ActorPriority::Normal) {
        Ok(Pushed::Evicted(victim)) => assert_eq!(number(&victim), 2),
        other => panic!("expected an eviction, got {other:?}"),
    }
    match mailbox.push(envelope(4), ActorPriority::Normal) {
        Ok(Pushed::Evicted(victim)) => assert_eq!(number(&victim), 1),
        other => panic!("expected an eviction, got {other:?}"),
    }
    // A new message less urgent than everything queued is itself dropped.
    match mailbox.push(envelope(5), ActorPriority::Background) {
        Ok(Pushed::Dropped(dropped)) => assert_eq!(number(&dropped), 5),
        other => panic!("expected a drop, got {other:?}"),
    }
    assert_eq!(mailbox.depth(), 2);
}

#[test]
fn drop_newest_and_reject_keep_the_queue_and_refuse_the_newcomer() {
    let newest = Mailbox::new(BackpressurePolicy::DropNewest(1));
    let _ = newest.push(envelope(1), ActorPriority::Normal);
    assert!(
        matches!(newest.push(envelope(2), ActorPriority::Normal), Ok(Pushed::Dropped(e)) if number(&e) == 2)
    );
    let reject = Mailbox::new(BackpressurePolicy::Reject(1));
    let _ = reject.push(envelope(1), ActorPriority::Normal);
    assert!(
        matches!(reject.push(envelope(2), ActorPriority::Normal), Err(Refused::Full(e)) if number(&e) == 2)
    );
    assert_eq!(reject.depth(), 1);
}

#[tokio::test]
async fn an_awaiting_sender_waits_for_room() {
    let mailbox = std::sync::Arc::new(Mailbox::new(BackpressurePolicy::Reject(1)));
    let incarnation = mailbox.supersede();
    let _ = mailbox.push(envelope(1), ActorPriority::Normal);
    let sender = {
        let mailbox = mailbox.clone();
        tokio::spawn(async move {
            mailbox
                .push_waiting(envelope(2), ActorPriority::Normal)
                .await
                .is_ok()
        })
    };
    tokio::task::yield_now().await;
    assert_eq!(take(&mailbox, incarnation).await, Some(1));
    assert!(sender.await.unwrap());
    assert_eq!(take(&mailbox, incarnation).await, Some(2));
}

#[tokio::test]
async fn closing_hands_back_the_queue_and_refuses_later_pushes() {
    let mailbox = Mailbox::new(BackpressurePolicy::Unbounded);
    let _ = mailbox.push(envelope(1), ActorPriority::Bulk);
    let _ = mailbox.push(envelope(2), ActorPriority::Normal);
    let drained: Vec<u32> = mailbox.close().iter().map(number).collect();
    assert_eq!(drained, [2, 1]);
    assert!(matches!(
        mailbox.push(envelope(3), ActorPriority::Normal),
        Err(Refused::Closed(_))
    ));
    mailbox.closed().await;
}
