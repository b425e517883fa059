//! Envelope and payload round trips, and refusals of bad bytes.

use super::*;

fn sample() -> Envelope {
    Envelope {
        kind: Kind::Ask,
        priority: 1,
        source: "client/c1#0".into(),
        target: "COUNTER/a#0".into(),
        correlation: Some([7; 16]),
        message_type: "alloy.counter.CounterMsg".into(),
        timestamp_ns: 1_700_000_000_000_000_000,
        payload: vec![1, 2, 3],
    }
}

#[test]
fn envelopes_round_trip() {
    let envelope = sample();
    let bytes = envelope.encode().unwrap();
    assert_eq!(Envelope::decode(&bytes).unwrap(), envelope);
}

#[test]
fn truncated_padded_and_garbage_frames_are_refused() {
    let bytes = sample().encode().unwrap();
    for cut in 0..bytes.len() {
        assert!(Envelope::decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut padded = bytes.clone();
    padded.push(0);
    assert!(Envelope::decode(&padded).is_err());
    assert!(Envelope::decode(&[0xff; 64]).is_err());
}

#[test]
fn an_error_answers_its_ask() {
    let ask = sample();
    let error = Envelope::error_for(Some(&ask), "COUNTER/a#0", ErrorCode::Timeout, "late".into());
    assert_eq!(error.kind, Kind::Error);
    assert_eq!(error.correlation, ask.correlation);
    assert_eq!(error.target, ask.source);
    let body: ErrorBody = from_slice("error body", &error.payload).unwrap();
    assert_eq!(body.code, ErrorCode::Timeout);
}

#[test]
fn the_bytes_are_barewire_envelopes() {
    let envelope = sample();
    let bytes = envelope.encode().unwrap();
    let decoded = barewire::Envelope::decode(&bytes).unwrap();
    assert_eq!(decoded.kind, barewire::Kind::Ask);
    assert_eq!(decoded.target, "COUNTER/a#0");
    assert_eq!(decoded.correlation.map(|id| id.0), Some([7; 16]));
    assert_eq!(decoded.payload, &[1, 2, 3]);
    assert_eq!(bytes[0], VERSION);
    let mut future = bytes;
    future[0] = VERSION + 1;
    assert!(Envelope::decode(&future).is_err());
}

#[test]
fn an_unknown_priority_does_not_encode() {
    let mut envelope = sample();
    envelope.priority = 9;
    assert!(envelope.encode().is_err());
}

#[test]
fn actor_priorities_and_wire_priorities_agree_value_for_value() {
    use alloy_actors::ActorPriority;
    // alloy-actors and barewire may not depend on each other, so each has
    // its own priority enum; a runtime that knows both checks they agree.
    assert_eq!(ActorPriority::ALL.len(), barewire::Priority::ALL.len());
    for (actor, wire) in ActorPriority::ALL.into_iter().zip(barewire::Priority::ALL) {
        assert_eq!(actor.index(), wire as usize);
        assert_eq!(format!("{actor:?}"), format!("{wire:?}"));
        assert_eq!(
            barewire::Priority::from_value(actor.index() as u64),
            Some(wire)
        );
    }
}
