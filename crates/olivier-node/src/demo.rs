//! `olivier demo` (and `cargo xtask demo`): a node started from this very
//! binary in a second process, hosting a counter and a reminder, listed,
//! told and asked by name over a Unix socket and over TCP; then the
//! in-process tour of Olivier (`demo/tour.rs`).

mod tour;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail};
use olivier_runtime::remote::{Endpoint, Secret};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::client::Client;

/// How long the demo waits for the node to start, answer or stop.
const PATIENCE: Duration = Duration::from_secs(10);

/// Runs the demo.
///
/// # Errors
///
/// When the node does not start or a step does not go as the demo says.
pub async fn run() -> anyhow::Result<()> {
    println!("olivier demo: node `shop` in a second process, reached by name");
    let folder = std::env::temp_dir().join(format!("olivier-demo-{}", std::process::id()));
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let outcome = two_processes(folder.join("shop.sock")).await;
    let _ = std::fs::remove_dir_all(&folder);
    outcome?;
    println!();
    tour::run().await
}

async fn two_processes(socket: PathBuf) -> anyhow::Result<()> {
    let mut random = [0_u8; 24];
    getrandom::fill(&mut random).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    let secret_text: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    let secret = Secret::new(&secret_text)?;
    let unix = format!("unix:{}", socket.display());
    let args = [
        "node",
        "--name",
        "shop",
        "--listen",
        "tcp://127.0.0.1:0",
        "--listen",
        &unix,
        "--host",
        "counter=tally",
        "--host",
        "reminder=bell",
        "--stdin-lifetime",
    ];
    let mut node = Command::new(std::env::current_exe()?)
        .args(args)
        .env("ALLOY_SECRET", &secret_text)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting the node")?;
    println!(
        "  $ ALLOY_SECRET=… olivier {}   (pid {})",
        args.join(" "),
        node.id().unwrap_or_default()
    );
    let endpoints = tokio::time::timeout(PATIENCE, ready(&mut node))
        .await
        .context("the node did not say `ready` in time")??;
    let by_unix = endpoints
        .iter()
        .find(|endpoint| matches!(endpoint, Endpoint::Unix(_)))
        .context("no Unix endpoint")?;
    let by_tcp = endpoints
        .iter()
        .find(|endpoint| matches!(endpoint, Endpoint::Tcp(_)))
        .context("no TCP endpoint")?;

    let client = Client::connect(secret.clone(), by_unix, PATIENCE).await?;
    println!("  $ olivier ls --node {by_unix}");
    for entry in client.listing().await?.0 {
        println!("    {:<10} {}", entry.name, entry.kind);
    }
    let words = |text: &str| text.split(' ').map(str::to_owned).collect::<Vec<_>>();
    for _ in 0..3 {
        client.tell("shop/tally", &words("increment")).await?;
    }
    println!("  $ olivier tell --node {by_unix} shop/tally increment   (three times)");
    let count = client.ask("shop/tally", &words("get")).await?;
    println!("  $ olivier ask --node {by_unix} shop/tally get\n    {count}");
    let reminded = client.ask("shop/bell", &words("remind 200 tea")).await?;
    println!("  $ olivier ask --node {by_unix} shop/bell remind 200 tea\n    {reminded}");
    match client.tell("shop/nobody", &words("increment")).await {
        Ok(()) => bail!("a tell to a name the node does not have was accepted"),
        Err(error) => {
            println!("  $ olivier tell --node {by_unix} shop/nobody increment\n    error: {error}")
        }
    }
    client.close().await;

    let client = Client::connect(secret, by_tcp, PATIENCE).await?;
    let count = client.ask("tally", &words("get")).await?;
    println!(
        "  $ olivier ask --node {by_tcp} tally get\n    {count}   (the same counter, over TCP)"
    );
    client.close().await;

    drop(node.stdin.take());
    let status = tokio::time::timeout(PATIENCE, node.wait())
        .await
        .context("the node did not stop in time")??;
    println!("  node `shop` stopped when its standard input closed ({status})");
    Ok(())
}

/// Reads the node's lines up to `ready`, printing them, and answers the
/// endpoints it listens on.
async fn ready(node: &mut Child) -> anyhow::Result<Vec<Endpoint>> {
    let stdout = node.stdout.take().context("the node's standard output")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut endpoints = Vec::new();
    while let Some(line) = lines.next_line().await? {
        println!("    {line}");
        if let Some(endpoint) = line.strip_prefix("listening ") {
            endpoints.push(endpoint.parse()?);
        }
        if line.starts_with("ready") {
            return Ok(endpoints);
        }
    }
    bail!("the node ended before it was ready")
}
