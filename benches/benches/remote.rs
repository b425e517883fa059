//! Olivier's remote transport over loopback: tell throughput, ask latency
//! and connection set-up (with its authenticated handshake), over TCP, a
//! Unix domain socket, a WebSocket, and TLS under TCP and WebSocket (a
//! self-signed certificate, rustls with ring) (issue 11).
//!
//! `cargo bench -p alloy-benches --bench remote`. Sizes:
//! `ALLOY_BENCH_REMOTE_TELLS` (default 1 000 000 per transport),
//! `ALLOY_BENCH_REMOTE_ASKS` (default 5 000), `ALLOY_BENCH_REMOTE_CONNECTS`
//! (default 200); each transport runs once as a warm-up, then the figures
//! are the median of `ALLOY_BENCH_REMOTE_REPEATS` (default 3) runs. A
//! markdown table goes to stdout.
//!
//! Clock points: a tell run starts before the first `tell` and ends when
//! the receiving counter has answered an ask queued behind the last
//! increment (so every message was decoded, delivered and handled); a
//! refused tell (a full send queue) is retried after a yield and counts
//! once. An ask's latency is from the call to its answer.

use std::env;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use alloy_actors::{ActorRef, ActorSpec};
use alloy_counter::{Count, Counter, CounterMsg};
use std::sync::Arc;

use olivier_runtime::remote::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use olivier_runtime::remote::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use olivier_runtime::remote::{Endpoint, RemoteSendError, Secret, TlsConfig};
use olivier_runtime::{ActorSystem, TellError};

fn size(name: &str, default: u64) -> u64 {
    env::var(name)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

fn secret() -> Secret {
    match Secret::new("the remote benchmark's secret") {
        Ok(secret) => secret,
        Err(error) => panic!("{error}"),
    }
}

/// A TLS configuration with both sides, for a self-signed 127.0.0.1.
fn tls() -> TlsConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("a certificate");
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let server = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .expect("a server configuration");
    let mut roots = RootCertStore::empty();
    roots.add(cert).expect("a root");
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConfig::new()
        .server(Arc::new(server))
        .client(Arc::new(client))
}

fn socket_path() -> PathBuf {
    env::temp_dir().join(format!("alloy-bench-{}.sock", std::process::id()))
}

struct Figures {
    tells_per_second: f64,
    ask_median: Duration,
    ask_p99: Duration,
    connect_median: Duration,
}

async fn shop(endpoint: Endpoint, tls: &TlsConfig) -> (ActorSystem, Endpoint) {
    let shop = ActorSystem::builder()
        .name("shop")
        .secret(secret())
        .tls(tls.clone())
        .listen_on(endpoint)
        .build()
        .expect("build shop");
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    shop.register("tally", &counter).expect("register");
    let bound = shop.listen_endpoints().remove(0);
    (shop, bound)
}

async fn client(name: &str, endpoint: &Endpoint, tls: &TlsConfig) -> ActorSystem {
    let till = ActorSystem::builder()
        .name(name)
        .secret(secret())
        .tls(tls.clone())
        .build()
        .expect("build till");
    till.connect_to(endpoint).await.expect("connect");
    till
}

async fn count(till: &ActorSystem, tally: &ActorRef<CounterMsg>) -> i64 {
    let Count(count) = till
        .ask(
            tally,
            |reply_to| CounterMsg::GetCount { reply_to },
            Duration::from_secs(600),
        )
        .await
        .expect("ask the count");
    count
}

async fn run(
    endpoint: Endpoint,
    tls: &TlsConfig,
    (tells, asks, connects): (u64, u64, u64),
) -> Figures {
    let (shop, bound) = shop(endpoint, tls).await;
    let till = client("till", &bound, tls).await;
    let tally = till.lookup::<CounterMsg>("shop", "tally").expect("by name");
    let before = count(&till, &tally).await;

    let started = Instant::now();
    let mut sent = 0;
    while sent < tells {
        match till.tell(&tally, CounterMsg::Increment) {
            Ok(()) => sent += 1,
            Err(TellError::Unreachable {
                error: RemoteSendError::QueueFull { .. } | RemoteSendError::QueueOverBudget { .. },
                ..
            }) => tokio::task::yield_now().await,
            Err(error) => panic!("tell: {error}"),
        }
    }
    let after = count(&till, &tally).await;
    let elapsed = started.elapsed();
    assert_eq!(after - before, tells as i64, "every tell arrived");
    let tells_per_second = tells as f64 / elapsed.as_secs_f64();

    let mut latencies = Vec::with_capacity(asks as usize);
    for _ in 0..asks {
        let asked = Instant::now();
        count(&till, &tally).await;
        latencies.push(asked.elapsed());
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];

    let mut connects_taken = Vec::with_capacity(connects as usize);
    for n in 0..connects {
        let visitor = ActorSystem::builder()
            .name(format!("visitor{n}"))
            .secret(secret())
            .tls(tls.clone())
            .build()
            .expect("build a visitor");
        let dialled = Instant::now();
        visitor.connect_to(&bound).await.expect("connect");
        connects_taken.push(dialled.elapsed());
        visitor.shutdown().await.expect("shut the visitor down");
    }
    connects_taken.sort();

    till.shutdown().await.expect("shut till down");
    shop.shutdown().await.expect("shut shop down");
    Figures {
        tells_per_second,
        ask_median: at(0.5),
        ask_p99: at(0.99),
        connect_median: connects_taken[connects_taken.len() / 2],
    }
}

fn median_by<T: Copy>(mut values: Vec<T>, key: impl Fn(&T) -> f64) -> T {
    values.sort_by(|a, b| key(a).total_cmp(&key(b)));
    values[values.len() / 2]
}

fn main() {
    if env::args().any(|arg| arg == "--help" || arg == "-h") {
        println!("cargo bench -p alloy-benches --bench remote (sizes: see the crate docs)");
        return;
    }
    let tells = size("ALLOY_BENCH_REMOTE_TELLS", 1_000_000);
    let asks = size("ALLOY_BENCH_REMOTE_ASKS", 5_000).max(1);
    let connects = size("ALLOY_BENCH_REMOTE_CONNECTS", 200).max(1);
    let repeats = size("ALLOY_BENCH_REMOTE_REPEATS", 3).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let transports = [
        ("TCP", Endpoint::Tcp(loopback)),
        ("Unix socket", Endpoint::Unix(socket_path())),
        ("WebSocket", Endpoint::WebSocket(loopback)),
        ("TLS over TCP", Endpoint::Tls(loopback)),
        ("WebSocket over TLS", Endpoint::WebSocketTls(loopback)),
    ];
    let tls = tls();
    println!(
        "| transport | tells/s (median of {repeats}) | ask median | ask p99 | connect + handshake median |"
    );
    println!("|---|---|---|---|---|");
    for (name, endpoint) in transports {
        eprintln!("remote bench: {name} warm-up");
        let warm = (tells / 10 + 1, asks / 10 + 1, connects / 10 + 1);
        runtime.block_on(run(endpoint.clone(), &tls, warm));
        let mut runs = Vec::new();
        for repeat in 0..repeats {
            eprintln!("remote bench: {name} run {}", repeat + 1);
            runs.push(runtime.block_on(run(endpoint.clone(), &tls, (tells, asks, connects))));
        }
        let rate = median_by(runs.iter().map(|f| f.tells_per_second).collect(), |v| *v);
        let median = median_by(runs.iter().map(|f| f.ask_median).collect(), |d| {
            d.as_secs_f64()
        });
        let p99 = median_by(runs.iter().map(|f| f.ask_p99).collect(), |d| {
            d.as_secs_f64()
        });
        let connect = median_by(runs.iter().map(|f| f.connect_median).collect(), |d| {
            d.as_secs_f64()
        });
        println!(
            "| {name} | {:.0} | {:.1} µs | {:.1} µs | {:.2} ms |",
            rate,
            median.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6,
            connect.as_secs_f64() * 1e3
        );
    }
}
