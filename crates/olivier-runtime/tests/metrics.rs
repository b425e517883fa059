//! Metrics: the counts after a known sequence (with a failure, a restart and
//! a dead letter), mailbox depth, the Prometheus text checked line by line,
//! and the HTTP endpoint answering on a real loopback socket.

#[path = "support/behaviors.rs"]
mod support;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

use alloy_actors::{ActorSpec, SupervisionStrategy};
use alloy_counter::{Counter, CounterMsg};
use olivier_runtime::{ActorSystem, SystemEvent, TellError, TypeSnapshot};
use support::{Gate, Journal, Worker, WorkerMsg, count, event, until};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WORKER: &str = "test.WorkerMsg";
const COUNTER: &str = "alloy.counter.CounterMsg";

fn root() -> SupervisionStrategy {
    SupervisionStrategy::one_for_one(10, Duration::from_secs(60))
}

fn of(system: &ActorSystem, actor_type: &str) -> TypeSnapshot {
    system
        .metrics()
        .into_iter()
        .find(|snapshot| snapshot.actor_type == actor_type)
        .unwrap_or_default()
}

/// Runs the known sequence: a worker handles three `Work`, one `Fail`
/// (an error and a restart) and one `Get`; a counter is stopped and then
/// told (one dead letter).
async fn known_sequence(system: &ActorSystem) {
    let (journal, gate) = (Journal::new(), Gate::guarded());
    gate.open();
    let worker = system
        .spawn(Worker::new("w", &journal, &gate).spec())
        .await
        .expect("spawn the worker");
    let mut events = system.events();
    for n in 0..3 {
        system.tell(&worker, WorkerMsg::Work(n)).expect("tell");
    }
    system.tell(&worker, WorkerMsg::Fail).expect("tell");
    event(
        &mut events,
        "the worker's restart",
        |event| matches!(event, SystemEvent::Restarted { actor, .. } if actor == worker.id()),
    )
    .await;
    assert_eq!(count(system, &worker).await, 0);
    let counter = system
        .spawn(ActorSpec::new(Counter).name("c"))
        .await
        .expect("spawn the counter");
    support::within("the stop", system.stop(counter.id()))
        .await
        .expect("stop the counter");
    let refused = system.tell(&counter, CounterMsg::Increment);
    assert!(matches!(refused, Err(TellError::UnknownActor { .. })));
    // The reply to `Get` leaves while the message is handled; its
    // processing is counted right after.
    until("the worker's five messages counted", || {
        of(system, WORKER).processed == 5
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_after_a_known_sequence() {
    let system = support::system("counts", root());
    known_sequence(&system).await;
    let worker = of(&system, WORKER);
    assert_eq!(
        (
            worker.received,
            worker.processed,
            worker.errors,
            worker.restarts,
            worker.dead_letters,
            worker.actors,
            worker.mailbox_depth
        ),
        (5, 5, 1, 1, 0, 1, 0),
        "{worker:?}"
    );
    assert_eq!(worker.buckets.iter().sum::<u64>(), 5);
    let counter = of(&system, COUNTER);
    assert_eq!(
        (counter.received, counter.dead_letters, counter.actors),
        (0, 1, 0),
        "{counter:?}"
    );
    assert_eq!(system.dead_letter_count(), 1);
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailbox_depth_counts_waiting_messages() {
    let system = support::system("depth", root());
    let (journal, gate) = (Journal::new(), Gate::guarded());
    let worker = system
        .spawn(Worker::new("held", &journal, &gate).spec())
        .await
        .expect("spawn");
    system.tell(&worker, WorkerMsg::Block).expect("tell");
    gate.held(1).await;
    for n in 0..4 {
        system.tell(&worker, WorkerMsg::Work(n)).expect("tell");
    }
    assert_eq!(of(&system, WORKER).mailbox_depth, 4);
    assert!(
        system
            .metrics_text()
            .contains("olivier_mailbox_depth{actor_type=\"test.WorkerMsg\"} 4\n")
    );
    gate.open();
    assert_eq!(count(&system, &worker).await, 4);
    assert_eq!(of(&system, WORKER).mailbox_depth, 0);
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// Checks that `text` is a Prometheus text exposition: `# HELP` and
/// `# TYPE` lines, then samples `name{label="value",...} number` of a
/// declared family. Returns the samples as `name{labels} value` lines.
fn check_exposition(text: &str) -> Vec<String> {
    fn is_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }
    assert!(text.ends_with('\n'), "the exposition ends with a newline");
    let mut declared: HashSet<(String, String)> = HashSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _help) = rest.split_once(' ').expect("HELP name text");
            assert!(is_name(name), "bad metric name in `{line}`");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(is_name(name), "bad metric name in `{line}`");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "bad type in `{line}`"
            );
            declared.insert((name.to_owned(), kind.to_owned()));
        } else {
            assert!(!line.starts_with('#'), "unexpected comment `{line}`");
            let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
            assert!(
                value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
                "bad value in `{line}`"
            );
            let name = match series.split_once('{') {
                Some((name, labels)) => {
                    let labels = labels.strip_suffix('}').expect("labels close with }");
                    for pair in labels.split(',') {
                        let (key, quoted) = pair.split_once('=').expect("label key=value");
                        assert!(is_name(key), "bad label name in `{line}`");
                        assert!(
                            quoted.len() >= 2 && quoted.starts_with('"') && quoted.ends_with('"'),
                            "label value not quoted in `{line}`"
                        );
                    }
                    name
                }
                None => series,
            };
            assert!(is_name(name), "bad sample name in `{line}`");
            let family_declared = declared.iter().any(|(family, kind)| {
                name == family
                    || (kind == "histogram"
                        && ["_bucket", "_sum", "_count"]
                            .iter()
                            .any(|suffix| name == format!("{family}{suffix}")))
            });
            assert!(family_declared, "sample of an undeclared family: `{line}`");
            samples.push(line.to_owned());
        }
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_text_is_a_prometheus_exposition() {
    let system = support::system("text", root());
    known_sequence(&system).await;
    let text = system.metrics_text();
    let samples = check_exposition(&text);
    for expected in [
        "olivier_messages_received_total{actor_type=\"test.WorkerMsg\"} 5",
        "olivier_messages_processed_total{actor_type=\"test.WorkerMsg\"} 5",
        "olivier_actor_errors_total{actor_type=\"test.WorkerMsg\"} 1",
        "olivier_actor_restarts_total{actor_type=\"test.WorkerMsg\"} 1",
        "olivier_dead_letters_total{actor_type=\"alloy.counter.CounterMsg\"} 1",
        "olivier_actors{actor_type=\"test.WorkerMsg\"} 1",
        "olivier_mailbox_depth{actor_type=\"test.WorkerMsg\"} 0",
        "olivier_message_processing_seconds_bucket{actor_type=\"test.WorkerMsg\",le=\"+Inf\"} 5",
        "olivier_message_processing_seconds_count{actor_type=\"test.WorkerMsg\"} 5",
    ] {
        assert!(
            samples.iter().any(|sample| sample == expected),
            "missing `{expected}` in:\n{text}"
        );
    }
    assert!(text.contains("# TYPE olivier_message_processing_seconds histogram\n"));
    // Buckets are cumulative: each at least the one before.
    let buckets: Vec<f64> = samples
        .iter()
        .filter(|s| {
            s.starts_with("olivier_message_processing_seconds_bucket") && s.contains(WORKER)
        })
        .filter_map(|s| s.rsplit_once(' ').and_then(|(_, v)| v.parse().ok()))
        .collect();
    assert_eq!(buckets.len(), 13, "{text}");
    assert!(buckets.windows(2).all(|pair| pair[0] <= pair[1]), "{text}");
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

async fn http_get(addr: SocketAddr, path: &str) -> String {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    tokio::time::timeout(support::PATIENCE, exchange)
        .await
        .expect("the endpoint answers in time")
        .expect("an HTTP exchange")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_serves_metrics_on_loopback() {
    let system = ActorSystem::builder()
        .name("http")
        .default_supervision(root())
        .metrics_endpoint(SocketAddr::from(([127, 0, 0, 1], 0)))
        .build()
        .expect("build with an endpoint");
    let addr = system.metrics_addr().expect("the endpoint's address");
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    known_sequence(&system).await;
    let response = http_get(addr, "/metrics").await;
    let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: text/plain; version=0.0.4"),
        "{head}"
    );
    assert!(head.contains(&format!("Content-Length: {}", body.len())));
    let samples = check_exposition(body);
    assert!(
        samples.contains(
            &"olivier_messages_processed_total{actor_type=\"test.WorkerMsg\"} 5".to_owned()
        )
    );
    let missing = http_get(addr, "/other").await;
    assert!(
        missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{missing}"
    );
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_address_is_a_build_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let built = ActorSystem::builder()
        .name("taken")
        .metrics_endpoint(addr)
        .build();
    match built {
        Err(olivier_runtime::BuildError::MetricsEndpoint { addr: asked, .. }) => {
            assert_eq!(asked, addr);
        }
        other => panic!("expected MetricsEndpoint, got {other:?}"),
    }
}
