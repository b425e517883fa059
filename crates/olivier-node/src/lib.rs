//! `olivier`, the Alloy node: it hosts behavior crates on the Olivier
//! runtime, listens on TCP, Unix sockets and WebSocket, connects to other
//! nodes, serves metrics, and talks to running nodes by name.
//!
//! ```text
//! export ALLOY_SECRET=$(head -c 24 /dev/urandom | base64)     # or --secret-file PATH
//! olivier node --name shop --listen tcp://127.0.0.1:7070 --listen unix:/tmp/shop.sock \
//!              --host counter=tally --host reminder=bell --metrics 127.0.0.1:9464
//! olivier tell --node unix:/tmp/shop.sock shop/tally increment
//! olivier ask  --node tcp://127.0.0.1:7070 shop/tally get       # prints 1
//! olivier ls   --node tcp://127.0.0.1:7070                       # bell, directory, tally
//! olivier demo                                                   # the tour
//! ```
//!
//! - `node` prints one `listening ENDPOINT` line per bound endpoint (port 0
//!   resolved), `metrics URL`, `connected SYSTEM ENDPOINT`, `hosting NAME
//!   KIND`, then `ready SYSTEM`, and runs until SIGINT or SIGTERM (or, with
//!   `--stdin-lifetime`, until its standard input closes); then it shuts
//!   down cleanly. Each `--host KIND=NAME` spawns a behavior of the
//!   compiled-in [hosting table](hosting::Kind) and registers it as NAME;
//!   every node also registers a [`directory`] that lists those names.
//! - `tell`, `ask` and `ls` start a short-lived client system with a
//!   unique name, connect to `--node`, and ask the node's directory what
//!   the target is before they send: an unknown name is an error before
//!   anything is sent, a command the kind does not take too. A tell waits
//!   until the node has taken it. The answer goes to standard output;
//!   an error goes to standard error, with its causes, and the exit code
//!   is 1 (2 for a command line that does not parse).
//! - The secret (at least 16 bytes) comes from `--secret-file PATH` or the
//!   environment variable `--secret-env` names (`ALLOY_SECRET`), never
//!   from the command line's own text.
//!
//! The modules, one job each: [`cli`] (the command line), [`secret`],
//! [`hosting`] (the kinds), [`directory`], [`commands`] (what a command's
//! words mean for each kind), [`node`], [`client`], [`demo`].

pub mod cli;
pub mod client;
pub mod commands;
pub mod demo;
pub mod directory;
pub mod hosting;
pub mod node;
pub mod secret;

use cli::{Cli, Command};
use client::{Client, ClientError};
use node::NodeError;

/// Runs the command `cli` holds, printing its output.
///
/// # Errors
///
/// [`Error`] for whatever failed.
pub async fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Node(args) => node::run(args).await?,
        Command::Tell(args) => {
            let client = Client::from_args(&args.client).await?;
            let told = client.tell(&args.target, &args.command).await;
            client.close().await;
            told?;
        }
        Command::Ask(args) => {
            let client = Client::from_args(&args.client).await?;
            let answer = client.ask(&args.target, &args.command).await;
            client.close().await;
            println!("{}", answer?);
        }
        Command::Ls(args) => {
            let client = Client::from_args(&args.client).await?;
            let listing = client.listing().await;
            client.close().await;
            for entry in listing?.0 {
                println!("{}\t{}", entry.name, entry.kind);
            }
        }
        Command::Demo => demo::run().await.map_err(Error::Demo)?,
    }
    Ok(())
}

/// What `olivier` reports when a command fails.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `olivier node` failed.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// `tell`, `ask` or `ls` failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The demo failed.
    #[error("the demo failed: {0:#}")]
    Demo(anyhow::Error),
}
