//! Envelope encode and decode, BAREWire beside serde_bare, bincode and
//! postcard in the same run, for a counter-sized and a 4 KiB payload.
//!
//! Every codec encodes the same logical envelope (the schema of
//! `docs/barewire.bare` as a serde struct) into a reused buffer, and decodes
//! in its fastest mode: borrowing `&str`/`&[u8]` where the library can
//! (barewire, bincode, postcard), owning where it cannot (serde_bare).
//! Throughput counts each codec's own encoded bytes.
//!
//! Run: `cargo bench -p barewire --bench envelope`.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use barewire::{CorrelationId, Envelope, Kind, Priority};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};

/// The envelope schema through serde, borrowing.
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
    #[serde(with = "serde_bytes")]
    payload: &'a [u8],
}

/// The same, owning, for serde_bare (which cannot borrow).
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct OwnedSchemaEnvelope {
    version: u8,
    kind: Kind,
    priority: Priority,
    source: String,
    target: String,
    correlation: Option<[u8; 16]>,
    message_type: String,
    timestamp: u64,
    #[serde(with = "serde_bytes")]
    payload: Vec<u8>,
}

fn envelope(payload: &[u8]) -> Envelope<'_> {
    Envelope::new(
        Kind::Ask,
        "system/clients/client-17#3",
        "system/counters/counter#42",
        "alloy.counter.Add",
        payload,
    )
    .with_priority(Priority::Normal)
    .with_correlation(CorrelationId::from(0x0123_4567_89ab_cdef_u128))
    .with_timestamp(1_764_000_000_123_456_789)
}

fn schema<'a>(e: &Envelope<'a>) -> SchemaEnvelope<'a> {
    SchemaEnvelope {
        version: barewire::PROTOCOL_VERSION,
        kind: e.kind,
        priority: e.priority,
        source: e.source,
        target: e.target,
        correlation: e.correlation.map(|c| c.0),
        message_type: e.message_type,
        timestamp: e.timestamp,
        payload: e.payload,
    }
}

fn bincode_config() -> bincode::config::Configuration {
    bincode::config::standard()
}

fn payloads() -> Vec<(&'static str, Vec<u8>)> {
    // A counter's `Add { by: 1 }` message: one BARE uint.
    let counter = barewire::to_vec(&barewire::Uint(1)).unwrap_or_default();
    let bulk: Vec<u8> = (0..4096u32).map(|i| (i * 31 % 251) as u8).collect();
    vec![("counter", counter), ("4KiB", bulk)]
}

fn encode(c: &mut Criterion) {
    for (name, payload) in payloads() {
        let env = envelope(&payload);
        let serde_env = schema(&env);
        let mut group = c.benchmark_group(format!("envelope_encode/{name}"));
        let mut buffer: Vec<u8> = Vec::with_capacity(8192);
        let mut slice = vec![0u8; 8192];

        group.throughput(Throughput::Bytes(env.encoded_len() as u64));
        group.bench_function(BenchmarkId::from_parameter("barewire"), |b| {
            b.iter(|| {
                buffer.clear();
                black_box(&env).encode_into(&mut buffer);
                black_box(buffer.len())
            })
        });
        group.bench_function(BenchmarkId::from_parameter("barewire_serde"), |b| {
            b.iter(|| {
                buffer.clear();
                barewire::encode_into(black_box(&serde_env), &mut buffer).unwrap_or_default();
                black_box(buffer.len())
            })
        });

        let size = serde_bare::to_vec(&serde_env).map(|v| v.len()).unwrap_or(0);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::from_parameter("serde_bare"), |b| {
            b.iter(|| {
                buffer.clear();
                serde_bare::to_writer(&mut buffer, black_box(&serde_env)).unwrap_or_default();
                black_box(buffer.len())
            })
        });

        let size = bincode::serde::encode_to_vec(&serde_env, bincode_config())
            .map(|v| v.len())
            .unwrap_or(0);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::from_parameter("bincode"), |b| {
            b.iter(|| {
                bincode::serde::encode_into_slice(
                    black_box(&serde_env),
                    &mut slice,
                    bincode_config(),
                )
                .unwrap_or_default()
            })
        });

        let size = postcard::to_allocvec(&serde_env)
            .map(|v| v.len())
            .unwrap_or(0);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::from_parameter("postcard"), |b| {
            b.iter(|| {
                postcard::to_slice(black_box(&serde_env), &mut slice)
                    .map(|s| s.len())
                    .unwrap_or_default()
            })
        });
        group.finish();
    }
}

fn decode(c: &mut Criterion) {
    for (name, payload) in payloads() {
        let env = envelope(&payload);
        let serde_env = schema(&env);
        let ours = env.to_vec();
        let bare = serde_bare::to_vec(&serde_env).unwrap_or_default();
        let binc = bincode::serde::encode_to_vec(&serde_env, bincode_config()).unwrap_or_default();
        let post = postcard::to_allocvec(&serde_env).unwrap_or_default();
        assert_eq!(
            bare, ours,
            "serde_bare and barewire write the same BARE bytes"
        );
        let mut group = c.benchmark_group(format!("envelope_decode/{name}"));

        group.throughput(Throughput::Bytes(ours.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("barewire"), |b| {
            b.iter(|| Envelope::decode(black_box(&ours)).map(|e| e.payload.len()))
        });
        group.bench_function(BenchmarkId::from_parameter("barewire_serde"), |b| {
            b.iter(|| {
                barewire::from_slice::<SchemaEnvelope<'_>>(black_box(&ours))
                    .map(|e| e.payload.len())
            })
        });

        group.throughput(Throughput::Bytes(bare.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("serde_bare"), |b| {
            b.iter(|| {
                serde_bare::from_slice::<OwnedSchemaEnvelope>(black_box(&bare))
                    .map(|e| e.payload.len())
            })
        });

        group.throughput(Throughput::Bytes(binc.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("bincode"), |b| {
            b.iter(|| {
                bincode::serde::borrow_decode_from_slice::<SchemaEnvelope<'_>, _>(
                    black_box(&binc),
                    bincode_config(),
                )
                .map(|(e, _)| e.payload.len())
            })
        });

        group.throughput(Throughput::Bytes(post.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("postcard"), |b| {
            b.iter(|| {
                postcard::from_bytes::<SchemaEnvelope<'_>>(black_box(&post))
                    .map(|e| e.payload.len())
            })
        });
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = encode, decode
}
criterion_main!(benches);
