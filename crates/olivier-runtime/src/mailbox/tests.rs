//! Unit tests of the mailbox's ordering and policies.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::task::Wake;

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

/// Counts its wake-ups.
#[derive(Debug, Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Wakes {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polled by hand: pending while the mailbox is full (whatever the
/// policy: nothing evicted, dropped or refused), woken by the consumer that
/// makes room, then queued behind what was there.
#[test]
fn an_awaiting_sender_waits_for_room() {
    for policy in [
        BackpressurePolicy::Reject(2),
        BackpressurePolicy::DropOldest(2),
        BackpressurePolicy::DropNewest(2),
    ] {
        let mailbox = Mailbox::new(policy);
        let incarnation = mailbox.supersede();
        for n in 1..=2 {
            assert!(matches!(
                mailbox.push(envelope(n), ActorPriority::Normal),
                Ok(Pushed::Queued)
            ));
        }
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(Arc::clone(&wakes));
        let mut cx = Context::from_waker(&waker);
        let mut sending = pin!(mailbox.push_waiting(envelope(3), ActorPriority::Normal));
        for _ in 0..2 {
            assert!(
                sending.as_mut().poll(&mut cx).is_pending(),
                "{policy:?}: the sender did not wait for room"
            );
        }
        assert_eq!(mailbox.depth(), 2, "{policy:?}");
        assert_eq!(wakes.count(), 0, "{policy:?}: woken without room");

        let consumer = Waker::noop();
        let first = mailbox.poll_next(incarnation, &mut Context::from_waker(consumer));
        assert!(matches!(first, Poll::Ready(Next::User(e)) if number(&e) == 1));
        assert_eq!(wakes.count(), 1, "{policy:?}: room made, sender not woken");
        assert!(
            matches!(
                sending.as_mut().poll(&mut cx),
                Poll::Ready(Ok(Pushed::Queued))
            ),
            "{policy:?}: the sender did not take the room"
        );
        let rest: Vec<u32> = mailbox.close().iter().map(number).collect();
        assert_eq!(rest, [2, 3], "{policy:?}");
    }
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
