//! The timer queue: order, keys and due-time extraction.

use super::*;

fn take_due(queue: &mut TimerQueue, now_ms: u64) -> Vec<Timer> {
    std::iter::from_fn(|| queue.take_next_due(now_ms)).collect()
}

#[test]
fn timers_come_out_in_due_order_and_same_time_in_schedule_order() {
    let mut queue = TimerQueue::new();
    queue.schedule(30, None, vec![3]);
    queue.schedule(10, None, vec![1]);
    queue.schedule(10, None, vec![2]);
    queue.schedule(20, None, vec![4]);
    assert_eq!(queue.next_due(), Some(10));
    let due: Vec<_> = take_due(&mut queue, 20)
        .into_iter()
        .map(|t| t.payload)
        .collect();
    assert_eq!(due, vec![vec![1], vec![2], vec![4]]);
    assert_eq!(queue.next_due(), Some(30));
    assert_eq!(queue.len(), 1);
    assert!(take_due(&mut queue, 29).is_empty());
    assert_eq!(take_due(&mut queue, 30).len(), 1);
    assert!(queue.is_empty());
    assert_eq!(queue.next_due(), None);
}

#[test]
fn a_key_replaces_and_cancels() {
    let mut queue = TimerQueue::new();
    queue.schedule(10, Some("tick".into()), vec![1]);
    queue.schedule(50, Some("tick".into()), vec![2]);
    queue.schedule(20, None, vec![3]);
    assert_eq!(queue.len(), 2);
    assert_eq!(queue.next_due(), Some(20));
    assert!(queue.cancel("tick"));
    assert!(!queue.cancel("tick"));
    assert_eq!(queue.len(), 1);
}
