//! The hand-written envelope codec: its bytes equal the serde path's (the
//! schema in `docs/barewire.bare` written as a serde struct), and it rejects
//! what the schema does not allow, saying where.

use barewire::{CorrelationId, DecodeError, Envelope, Kind, OwnedEnvelope, Priority};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

/// `docs/barewire.bare`'s Envelope, decoded and encoded through serde.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct SchemaEnvelope<'a> {
    version: u8,
    kind: Kind,
    priority: Priority,
    source: &'a str,
    target: &'a str,
    correlation: Option<[u8; 16]>,
    message_type: &'a str,
    timestamp: u64,
    payload: &'a [u8],
}

impl<'a> From<&Envelope<'a>> for SchemaEnvelope<'a> {
    fn from(e: &Envelope<'a>) -> Self {
        Self {
            version: barewire::PROTOCOL_VERSION,
            kind: e.kind,
            priority: e.priority,
            source: e.source,
            target: e.target,
            correlation: e.correlation.map(|id| id.0),
            message_type: e.message_type,
            timestamp: e.timestamp,
            payload: e.payload,
        }
    }
}

fn sample() -> Envelope<'static> {
    Envelope::new(Kind::Ask, "sys/a", "sys/b#3", "counter.Add", &[0x2a])
        .with_priority(Priority::Control)
        .with_correlation(CorrelationId::from(0x0102u128))
        .with_timestamp(0x0807_0605_0403_0201)
}

#[test]
fn the_bytes_are_the_schema_fields_in_order() {
    let mut expected = vec![1, 1, 1];
    expected.extend([5]);
    expected.extend(b"sys/a");
    expected.extend([7]);
    expected.extend(b"sys/b#3");
    expected.push(1);
    expected.extend([0; 14]);
    expected.extend([1, 2]);
    expected.extend([11]);
    expected.extend(b"counter.Add");
    expected.extend([1, 2, 3, 4, 5, 6, 7, 8]);
    expected.extend([1, 0x2a]);
    let envelope = sample();
    assert_eq!(envelope.to_vec(), expected);
    assert_eq!(envelope.encoded_len(), expected.len());
    assert_eq!(Envelope::decode(&expected).unwrap(), envelope);
}

#[test]
fn encode_into_appends_to_a_reused_buffer() {
    let mut buffer = Vec::with_capacity(256);
    sample().encode_into(&mut buffer);
    let first = buffer.len();
    sample().encode_into(&mut buffer);
    assert_eq!(buffer.len(), 2 * first);
    assert_eq!(buffer[..first], buffer[first..]);
    buffer.clear();
    sample().encode_into(&mut buffer);
    assert_eq!(buffer.len(), first);
}

#[test]
fn decoding_borrows_from_the_input() {
    let bytes = sample().to_vec();
    let envelope = Envelope::decode(&bytes).unwrap();
    let range = bytes.as_ptr_range();
    for pointer in [
        envelope.source.as_ptr(),
        envelope.target.as_ptr(),
        envelope.message_type.as_ptr(),
        envelope.payload.as_ptr(),
    ] {
        assert!(range.contains(&pointer));
    }
}

#[test]
fn unknown_versions_kinds_and_priorities_are_rejected() {
    let good = sample().to_vec();
    let with = |at: usize, byte: u8| {
        let mut bytes = good.clone();
        bytes[at] = byte;
        Envelope::decode(&bytes).map(|_| ())
    };
    assert_eq!(
        with(0, 2),
        Err(DecodeError::UnsupportedVersion {
            offset: 0,
            version: 2
        })
    );
    assert_eq!(
        with(0, 0),
        Err(DecodeError::UnsupportedVersion {
            offset: 0,
            version: 0
        })
    );
    assert_eq!(
        with(1, 5),
        Err(DecodeError::UnknownVariant {
            type_name: "Kind",
            value: 5,
            offset: 1
        })
    );
    assert_eq!(
        with(2, 9),
        Err(DecodeError::UnknownVariant {
            type_name: "Priority",
            value: 9,
            offset: 2
        })
    );
    // The correlation's optional tag sits after version, kind, priority and two strings.
    let tag_at = 3 + 1 + 5 + 1 + 7;
    assert_eq!(
        with(tag_at, 7),
        Err(DecodeError::InvalidOptionalTag {
            offset: tag_at,
            byte: 7
        })
    );
    assert_eq!(with(4, 0xff), Err(DecodeError::InvalidUtf8 { offset: 4 }));

    // A kind written as an overlong varint is not canonical.
    let mut overlong = good.clone();
    overlong.splice(1..2, [0x81, 0x00]);
    assert_eq!(
        Envelope::decode(&overlong),
        Err(DecodeError::NonCanonicalVarint { offset: 1 })
    );

    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(
        Envelope::decode(&trailing),
        Err(DecodeError::TrailingBytes {
            offset: good.len(),
            count: 1
        })
    );
}

#[test]
fn every_truncation_is_an_error() {
    let good = sample().to_vec();
    for len in 0..good.len() {
        let error = Envelope::decode(&good[..len]).unwrap_err();
        assert!(
            matches!(
                error,
                DecodeError::UnexpectedEnd { .. } | DecodeError::LengthTooLarge { .. }
            ),
            "prefix of {len} bytes gave {error:?}"
        );
        assert!(error.offset() <= len);
    }
}

#[test]
fn owned_envelopes_round_trip() {
    let owned: OwnedEnvelope = sample().into();
    let bytes = owned.as_envelope().to_vec();
    assert_eq!(OwnedEnvelope::decode(&bytes).unwrap(), owned);
}

fn envelope_parts() -> impl Strategy<
    Value = (
        usize,
        usize,
        String,
        String,
        Option<u128>,
        String,
        u64,
        Vec<u8>,
    ),
> {
    (
        0..5usize,
        0..5usize,
        ".{0,40}",
        ".{0,40}",
        proptest::option::of(any::<u128>()),
        "[a-z.]{0,30}",
        any::<u64>(),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
}

proptest! {
    #[test]
    fn hand_written_and_serde_paths_agree(
        (kind, priority, source, target, correlation, message_type, timestamp, payload) in envelope_parts()
    ) {
        let envelope = Envelope {
            kind: Kind::ALL[kind],
            priority: Priority::ALL[priority],
            source: &source,
            target: &target,
            correlation: correlation.map(CorrelationId::from),
            message_type: &message_type,
            timestamp,
            payload: &payload,
        };
        let bytes = envelope.to_vec();
        prop_assert_eq!(bytes.len(), envelope.encoded_len());
        let via_serde = barewire::to_vec(&SchemaEnvelope::from(&envelope)).unwrap();
        prop_assert_eq!(&bytes, &via_serde);
        prop_assert_eq!(Envelope::decode(&bytes).unwrap(), envelope);
        prop_assert_eq!(
            barewire::from_slice::<SchemaEnvelope<'_>>(&bytes).unwrap(),
            SchemaEnvelope::from(&envelope)
        );
    }

    /// Arbitrary bytes never panic, and the hand-written decoder accepts
    /// exactly what the serde path accepts.
    #[test]
    fn arbitrary_bytes_decode_alike_both_ways(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        let hand = Envelope::decode(&bytes);
        let serde = barewire::from_slice::<SchemaEnvelope<'_>>(&bytes);
        match (&hand, &serde) {
            (Ok(envelope), Ok(schema)) => {
                prop_assert_eq!(&SchemaEnvelope::from(envelope), schema);
                prop_assert_eq!(envelope.to_vec(), bytes);
            }
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "hand-written {hand:?} but serde {serde:?}"),
        }
    }
}
