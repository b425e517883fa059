//! Fuzzes the hand-written envelope decoder: never panics, agrees with the
//! serde path over the published schema, and whatever decodes re-encodes
//! to the same bytes.
#![no_main]

use barewire::{Envelope, Kind, Priority};
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};

/// `docs/barewire.bare`'s Envelope through serde.
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

fuzz_target!(|data: &[u8]| {
    let hand = Envelope::decode(data);
    let schema = barewire::from_slice::<SchemaEnvelope<'_>>(data);
    match (hand, schema) {
        (Ok(envelope), Ok(schema)) => {
            assert_eq!(envelope.to_vec(), data);
            assert_eq!(envelope.encoded_len(), data.len());
            assert_eq!(schema.version, barewire::PROTOCOL_VERSION);
            assert_eq!(schema.source, envelope.source);
            assert_eq!(schema.payload, envelope.payload);
            assert_eq!(schema.correlation, envelope.correlation.map(|c| c.0));
        }
        (Err(_), Err(_)) => {}
        // The serde path knows no protocol version: it may accept what the
        // envelope decoder refuses for its version, and nothing else.
        (Err(barewire::DecodeError::UnsupportedVersion { .. }), Ok(schema)) => {
            assert_ne!(schema.version, barewire::PROTOCOL_VERSION);
        }
        (hand, schema) => panic!("hand-written {hand:?} but serde {schema:?}"),
    }
});
