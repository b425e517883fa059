//! The Conclave benchmark: messages per second and ask latency against one
//! counter object and across 100, in a local workerd.
//!
//! Run with `cargo xtask edge bench` (which builds the Worker and sets the
//! variables that locate wrangler). With `CI` set the workloads shrink.

use std::time::{Duration, Instant};

use alloy_counter::{Count, CounterMsg};
use anyhow::{Context, bail};
use tests_integration::workerd::{ActorClient, Wrangler, WranglerConfig, fresh_as};

const SECRET: &str = "conclave bench secret";
const ASK_TIMEOUT: Duration = Duration::from_secs(60);

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let small = std::env::var_os("CI").is_some();
    let scale = |n: usize| if small { (n / 10).max(1) } else { n };
    let config = WranglerConfig::from_env()?;
    let dir = tempfile::Builder::new()
        .prefix("conclave-bench-")
        .tempdir()?;
    let wrangler = Wrangler::start(&config, &dir.path().join("state"), SECRET)?;
    let port = wrangler.port();

    println!("| workload | messages | seconds | msgs/s | ask p50 ms | ask p99 ms |");
    println!("|---|---|---|---|---|---|");

    let mut one = open(port, 0).await?;
    warm_up(&mut one).await?;
    let tells = scale(5000);
    let elapsed = tell_burst(std::slice::from_mut(&mut one), tells).await?;
    row(
        "tells, 1 object (pipelined, one socket)",
        tells,
        elapsed,
        None,
    );
    let asks = scale(1000);
    let (elapsed, latencies) = sequential_asks(&mut one, asks).await?;
    row(
        "asks, 1 object (one at a time)",
        asks,
        elapsed,
        Some(latencies),
    );

    let mut many = Vec::new();
    for index in 1..=100 {
        let mut client = open(port, index).await?;
        warm_up(&mut client).await?;
        many.push(client);
    }
    let tells = scale(100) * 100;
    let elapsed = tell_burst(&mut many, tells / 100).await?;
    row(
        "tells, 100 objects (pipelined, 100 sockets)",
        tells,
        elapsed,
        None,
    );
    let per_client = scale(50);
    let started = Instant::now();
    let runs = futures_util::future::join_all(
        many.iter_mut()
            .map(|client| sequential_asks(client, per_client)),
    )
    .await;
    let elapsed = started.elapsed();
    let mut latencies = Vec::new();
    for run in runs {
        latencies.extend(run?.1);
    }
    row(
        "asks, 100 objects (100 concurrent askers)",
        per_client * 100,
        elapsed,
        Some(latencies),
    );
    wrangler.stop()
}

async fn open(port: u16, index: usize) -> anyhow::Result<ActorClient> {
    let actor = format!("COUNTER/bench-{index}");
    ActorClient::open(
        port,
        &actor,
        &format!("bench{index}"),
        &fresh_as(SECRET, &actor, &format!("bench{index}")),
    )
    .await
}

async fn ask_count(client: &mut ActorClient) -> anyhow::Result<i64> {
    let get_count = CounterMsg::GetCount {
        reply_to: client.me(),
    };
    let Count(count) = client.ask(&get_count, ASK_TIMEOUT).await?;
    Ok(count)
}

async fn warm_up(client: &mut ActorClient) -> anyhow::Result<()> {
    client.tell(&CounterMsg::Increment).await?;
    ask_count(client).await.map(drop)
}

/// Sends `per_client` increments on every socket, then one ask each, which
/// answers only after all of that socket's tells were handled and stored.
async fn tell_burst(clients: &mut [ActorClient], per_client: usize) -> anyhow::Result<Duration> {
    let mut before = Vec::new();
    for client in clients.iter_mut() {
        before.push(ask_count(client).await?);
    }
    let started = Instant::now();
    for _ in 0..per_client {
        for client in clients.iter_mut() {
            client.tell(&CounterMsg::Increment).await?;
        }
    }
    let counts = futures_util::future::join_all(clients.iter_mut().map(ask_count)).await;
    let elapsed = started.elapsed();
    for (count, before) in counts.into_iter().zip(before) {
        let count = count?;
        let expected = before + i64::try_from(per_client).context("too many tells")?;
        if count != expected {
            bail!("a counter holds {count}, expected {expected}: tells were lost");
        }
    }
    Ok(elapsed)
}

async fn sequential_asks(
    client: &mut ActorClient,
    asks: usize,
) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let mut latencies = Vec::with_capacity(asks);
    let started = Instant::now();
    for _ in 0..asks {
        let sent = Instant::now();
        ask_count(client).await?;
        latencies.push(sent.elapsed());
    }
    Ok((started.elapsed(), latencies))
}

fn row(workload: &str, messages: usize, elapsed: Duration, latencies: Option<Vec<Duration>>) {
    let rate = messages as f64 / elapsed.as_secs_f64();
    let (p50, p99) = match latencies {
        Some(mut latencies) if !latencies.is_empty() => {
            latencies.sort();
            let at = |q: f64| {
                let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
                format!("{:.2}", latencies[index].as_secs_f64() * 1000.0)
            };
            (at(0.50), at(0.99))
        }
        _ => ("-".to_owned(), "-".to_owned()),
    };
    println!(
        "| {workload} | {messages} | {:.2} | {rate:.0} | {p50} | {p99} |",
        elapsed.as_secs_f64()
    );
}
