//! The caps: where they refuse, what they count, how they are reported.

use super::*;
use crate::timers::TimerQueue;

#[test]
fn timers_are_admitted_up_to_the_cap_and_replacements_always() {
    let mut queue = TimerQueue::new();
    let mut refusals = Refusals::default();
    for n in 0..MAX_PENDING_TIMERS + 10 {
        let key = format!("t{n}");
        match admit_timer(queue.len(), queue.contains_key(&key)) {
            Ok(()) => queue.schedule(1_000, Some(key), vec![0]),
            Err(error) => refusals.count(&error),
        }
    }
    assert_eq!(queue.len(), MAX_PENDING_TIMERS);
    assert_eq!(
        refusals,
        Refusals {
            timers: 10,
            asks: 0
        }
    );
    // A full queue still takes a timer that replaces one with its key.
    assert!(admit_timer(queue.len(), queue.contains_key("t0")).is_ok());
    assert_eq!(
        admit_timer(queue.len(), queue.contains_key("new")),
        Err(LimitError::TooManyTimers {
            pending: MAX_PENDING_TIMERS
        })
    );
}

#[test]
fn asks_are_admitted_up_to_the_cap() {
    assert!(admit_ask(0).is_ok());
    assert!(admit_ask(MAX_PENDING_ASKS - 1).is_ok());
    let refused = admit_ask(MAX_PENDING_ASKS);
    assert_eq!(
        refused,
        Err(LimitError::TooManyAsks {
            pending: MAX_PENDING_ASKS
        })
    );
    let mut refusals = Refusals::default();
    if let Err(error) = refused {
        refusals.count(&error);
    }
    assert_eq!(refusals, Refusals { timers: 0, asks: 1 });
}

#[test]
fn each_refusal_has_its_own_error_code_and_says_why() {
    let timers = LimitError::TooManyTimers { pending: 3 };
    let asks = LimitError::TooManyAsks { pending: 4 };
    assert_eq!(timers.code(), ErrorCode::TooManyTimers);
    assert_eq!(asks.code(), ErrorCode::TooManyPendingAsks);
    assert!(timers.to_string().starts_with("3 timers are pending"));
    assert!(asks.to_string().starts_with("4 asks are waiting"));
}
