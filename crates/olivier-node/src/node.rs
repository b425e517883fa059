//! `olivier node`: builds the system, hosts the behaviors and the
//! directory, connects to the other nodes, prints what it bound, and runs
//! until a signal (or, with `--stdin-lifetime`, until standard input closes).
//!
//! What it prints on standard output, one line each, flushed before `ready`:
//!
//! ```text
//! listening tcp://127.0.0.1:40123
//! listening unix:/tmp/shop.sock
//! metrics http://127.0.0.1:40124/metrics
//! connected till tcp://127.0.0.1:7070
//! hosting tally counter
//! ready shop
//! ```

use std::io::Write;

use alloy_actors::{ActorSpec, SupervisionStrategy};
use olivier_runtime::remote::{ConnectError, Endpoint};
use olivier_runtime::{ActorSystem, BuildError, SystemFailure};
use tokio::sync::oneshot;

use crate::cli::NodeArgs;
use crate::directory::{DIRECTORY, Directory};
use crate::hosting::HostError;
use crate::secret::{self, SecretSourceError};

/// Runs a node until it is told to stop, then shuts it down.
///
/// # Errors
///
/// [`NodeError`] when it cannot start, or its shutdown fails.
pub async fn run(args: NodeArgs) -> Result<(), NodeError> {
    let stop = stop_signal(args.stdin_lifetime)?;
    let system = start(&args).await?;
    say(&format!("ready {}", system.root().path()))?;
    let stopped_by = tokio::select! {
        reason = stop => reason,
        _ = system.terminated() => "the system ended",
    };
    eprintln!(
        "olivier: node `{}` stopping ({stopped_by})",
        system.root().path()
    );
    system.shutdown().await.map_err(NodeError::Shutdown)
}

/// Builds the system, hosts everything and connects; prints each bound
/// endpoint, the metrics address, each connection and each hosted name.
///
/// # Errors
///
/// [`NodeError`] when any of it fails (the system is then shut down).
pub async fn start(args: &NodeArgs) -> Result<ActorSystem, NodeError> {
    let secret = secret::load(args.secret.secret_file.as_deref(), &args.secret.secret_env)?;
    let mut builder = ActorSystem::builder()
        .name(args.name.clone())
        .default_supervision(SupervisionStrategy::one_for_one(
            5,
            std::time::Duration::from_secs(60),
        ))
        .secret(secret);
    if args.listen.is_empty() {
        builder = builder.listen_on(Endpoint::Tcp(([127, 0, 0, 1], 0).into()));
    }
    for endpoint in &args.listen {
        builder = builder.listen_on(endpoint.clone());
    }
    if let Some(addr) = args.metrics {
        builder = builder.metrics_endpoint(addr);
    }
    let system = builder.build().map_err(NodeError::Build)?;
    match populate(&system, args).await {
        Ok(()) => Ok(system),
        Err(error) => {
            let _ = system.shutdown().await;
            Err(error)
        }
    }
}

async fn populate(system: &ActorSystem, args: &NodeArgs) -> Result<(), NodeError> {
    for endpoint in system.listen_endpoints() {
        say(&format!("listening {endpoint}"))?;
    }
    if let Some(addr) = system.metrics_addr() {
        say(&format!("metrics http://{addr}/metrics"))?;
    }
    for spec in &args.host {
        spec.kind.host(system, &spec.name).await?;
        say(&format!("hosting {} {}", spec.name, spec.kind))?;
    }
    let directory = Directory::new(args.host.iter().map(|spec| spec.entry()));
    let directory = system
        .spawn(ActorSpec::new(directory).name(DIRECTORY))
        .await
        .map_err(|source| HostError::Spawn {
            name: DIRECTORY.to_owned(),
            source,
        })?;
    system
        .register(DIRECTORY, &directory)
        .map_err(|source| HostError::Register {
            name: DIRECTORY.to_owned(),
            source,
        })?;
    for endpoint in &args.connect {
        let peer = system
            .connect_to(endpoint)
            .await
            .map_err(|source| NodeError::Connect {
                endpoint: endpoint.clone(),
                source: Box::new(source),
            })?;
        say(&format!("connected {peer} {endpoint}"))?;
    }
    Ok(())
}

/// Prints a line on standard output and flushes it.
fn say(line: &str) -> Result<(), NodeError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(NodeError::Stdout)
}

/// Resolves with why the node should stop: SIGINT, SIGTERM, or standard
/// input's end when `stdin_lifetime`.
fn stop_signal(stdin_lifetime: bool) -> Result<impl Future<Output = &'static str>, NodeError> {
    let stdin_closed = if stdin_lifetime {
        let (closed, stdin_closed) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("olivier-stdin".to_owned())
            .spawn(move || {
                let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
                let _ = closed.send(());
            })
            .map_err(NodeError::Signals)?;
        Some(stdin_closed)
    } else {
        None
    };
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(NodeError::Signals)?;
    Ok(async move {
        let stdin_closed = async move {
            match stdin_closed {
                Some(closed) => {
                    let _ = closed.await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(unix)]
        let terminated = terminate.recv();
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = terminated => "SIGTERM",
            _ = stdin_closed => "standard input closed",
        }
    })
}

/// A node that could not start or stop.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// No usable secret.
    #[error(transparent)]
    Secret(#[from] SecretSourceError),
    /// The system did not start (a listener did not bind, for one).
    #[error("the node did not start")]
    Build(#[source] BuildError),
    /// A behavior could not be hosted.
    #[error("a behavior could not be hosted")]
    Host(#[from] HostError),
    /// A `--connect` failed.
    #[error("could not connect to {endpoint}")]
    Connect {
        /// The endpoint.
        endpoint: Endpoint,
        /// Why.
        #[source]
        source: Box<ConnectError>,
    },
    /// The signal handlers (or the standard input watcher) did not start.
    #[error("could not watch for signals")]
    Signals(#[source] std::io::Error),
    /// Standard output is gone.
    #[error("could not write to standard output")]
    Stdout(#[source] std::io::Error),
    /// The shutdown failed.
    #[error("the node did not shut down cleanly")]
    Shutdown(#[source] SystemFailure),
}
