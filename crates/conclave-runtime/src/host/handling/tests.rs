//! The mark names the lost message, and its stand-in answers the asker.

use super::*;
use crate::wire::{self, Kind, Priority};

fn ask() -> OwnedEnvelope {
    OwnedEnvelope {
        kind: Kind::Ask,
        priority: Priority::Normal,
        source: "client/c#0".into(),
        target: "REMINDER/r#0".into(),
        correlation: Some(CorrelationId([7; 16])),
        message_type: "alloy.reminder.ReminderMsg".into(),
        timestamp: 5,
        payload: vec![1, 2, 3],
    }
}

#[test]
fn the_stand_in_of_an_ask_keeps_its_routing_and_correlation() {
    let mark = HandlingMark::of(&ask());
    let stand_in = mark.stand_in();
    assert_eq!(stand_in.kind, Kind::Ask);
    assert_eq!(stand_in.source, "client/c#0");
    assert_eq!(stand_in.target, "REMINDER/r#0");
    assert_eq!(stand_in.correlation, Some(CorrelationId([7; 16])));
    assert!(stand_in.payload.is_empty());
    assert!(mark.failure().contains("panicked"), "{}", mark.failure());
}

#[test]
fn the_mark_round_trips_through_storage_bytes() {
    let mark = HandlingMark::of(&ask());
    let bytes = wire::to_vec("mark", &mark).expect("a mark encodes");
    assert_eq!(wire::from_slice::<HandlingMark>("mark", &bytes), Ok(mark));
}

#[test]
fn dead_letters_count_and_keep_the_last_reason() {
    let mut dead = DeadLetters::default();
    dead.count("a".into());
    dead.count("b".into());
    assert_eq!(dead.count, 2);
    assert_eq!(dead.last.as_deref(), Some("b"));
}
