//! Frames and payloads round trips, refusals of bad bytes, and the proof
//! that Conclave's frames are barewire's, byte for byte.

use super::*;

fn sample() -> OwnedEnvelope {
    OwnedEnvelope {
        kind: Kind::Ask,
        priority: Priority::Control,
        source: "client/c1#0".into(),
        target: "COUNTER/a#0".into(),
        correlation: Some(CorrelationId([7; 16])),
        message_type: "alloy.counter.CounterMsg".into(),
        timestamp: 1_700_000_000_000_000_000,
        payload: vec![1, 2, 3],
    }
}

#[test]
fn frames_round_trip() {
    let envelope = sample();
    let frame = encode_frame(&envelope).unwrap();
    assert_eq!(decode_frame(&frame), Ok(envelope.clone()));
    let stored = encode_stored(&envelope);
    assert_eq!(decode_stored(&stored), Ok(envelope));
}

#[test]
fn a_frame_is_barewires_length_prefix_and_envelope_exactly() {
    let envelope = sample();
    let frame = encode_frame(&envelope).unwrap();
    // What barewire's own framing writes, and what its stream decoder reads.
    let mut expected = Vec::new();
    barewire::frame::encode_envelope_frame(&envelope.as_envelope(), &mut expected).unwrap();
    assert_eq!(frame, expected);
    let body = envelope.as_envelope().to_vec();
    assert_eq!(frame[..4], (body.len() as u32).to_le_bytes());
    assert_eq!(frame[4..], body[..]);
    let mut decoder = barewire::frame::FrameDecoder::new();
    decoder.push(&frame);
    let read = decoder.next_frame().unwrap().unwrap();
    assert_eq!(
        barewire::Envelope::decode(read).unwrap(),
        envelope.as_envelope()
    );
    assert_eq!(body[0], VERSION);
}

#[test]
fn truncated_padded_unframed_and_garbage_messages_are_refused() {
    let frame = encode_frame(&sample()).unwrap();
    for cut in 0..frame.len() {
        let error = decode_frame(&frame[..cut]).unwrap_err();
        assert_eq!(error.code, ErrorCode::MalformedFrame, "cut at {cut}");
    }
    let mut padded = frame.clone();
    padded.push(0);
    assert_eq!(
        decode_frame(&padded).unwrap_err().code,
        ErrorCode::MalformedFrame
    );
    // Two whole frames in one message are refused too.
    let mut two = frame.clone();
    two.extend_from_slice(&frame);
    assert_eq!(
        decode_frame(&two).unwrap_err().code,
        ErrorCode::MalformedFrame
    );
    // An envelope without its frame header is not a frame.
    let bare = sample().as_envelope().to_vec();
    assert_eq!(
        decode_frame(&bare).unwrap_err().code,
        ErrorCode::MalformedFrame
    );
    assert_eq!(
        decode_frame(&[0xff; 64]).unwrap_err().code,
        ErrorCode::MalformedFrame
    );
    // A frame whose body is not one envelope.
    let mut junk = vec![3, 0, 0, 0];
    junk.extend_from_slice(&[1, 9, 9]);
    assert_eq!(
        decode_frame(&junk).unwrap_err().code,
        ErrorCode::MalformedFrame
    );
}

#[test]
fn another_envelope_version_is_unsupported() {
    let mut frame = encode_frame(&sample()).unwrap();
    frame[4] = VERSION + 1;
    assert_eq!(
        decode_frame(&frame).unwrap_err().code,
        ErrorCode::UnsupportedVersion
    );
}

#[test]
fn an_error_answers_its_ask() {
    let ask = sample();
    let error = error_for(Some(&ask), "COUNTER/a#0", ErrorCode::Timeout, "late".into());
    assert_eq!(error.kind, Kind::Error);
    assert_eq!(error.correlation, ask.correlation);
    assert_eq!(error.target, ask.source);
    let body: ErrorBody = from_slice("error body", &error.payload).unwrap();
    assert_eq!(body.code, ErrorCode::Timeout);
}

#[test]
fn actor_priorities_and_wire_priorities_agree_value_for_value() {
    use alloy_actors::ActorPriority;
    // alloy-actors and barewire may not depend on each other, so each has
    // its own priority enum; a runtime that knows both checks they agree.
    assert_eq!(ActorPriority::ALL.len(), Priority::ALL.len());
    for (actor, wire) in ActorPriority::ALL.into_iter().zip(Priority::ALL) {
        assert_eq!(actor.index(), wire as usize);
        assert_eq!(format!("{actor:?}"), format!("{wire:?}"));
        assert_eq!(priority(actor), wire);
    }
}

#[test]
fn a_correlation_id_stores_as_its_16_bytes() {
    // Pending asks and handling marks stored before the ids were typed
    // read back the same.
    let id = CorrelationId([5; 16]);
    assert_eq!(to_vec("id", &id).unwrap(), [5; 16]);
    assert_eq!(from_slice::<CorrelationId>("id", &[5; 16]), Ok(id));
}
