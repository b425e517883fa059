//! The command line: `olivier node`, `tell`, `ask`, `ls` and `demo`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use olivier_runtime::remote::Endpoint;

use crate::hosting::HostSpec;
use crate::secret::DEFAULT_SECRET_ENV;

/// olivier: an Alloy node on the Olivier runtime, and a client of running nodes.
#[derive(Debug, Parser)]
#[command(name = "olivier", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a node: host behaviors, listen, connect, serve metrics.
    Node(NodeArgs),
    /// Tell a named actor of a running node a command (no answer).
    Tell(SendArgs),
    /// Ask a named actor of a running node a command and print the answer.
    Ask(SendArgs),
    /// List the names a running node registered, with their kinds.
    Ls(LsArgs),
    /// The tour: a node in a second process told and asked by name, then
    /// supervision, backpressure and dead letters in this one.
    Demo,
}

/// Where the cluster's secret comes from.
#[derive(Debug, Clone, Args)]
pub struct SecretArgs {
    /// Read the cluster's secret (at least 16 bytes) from this file.
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
    /// Without --secret-file, read the secret from this environment variable.
    #[arg(long, value_name = "VAR", default_value = DEFAULT_SECRET_ENV)]
    pub secret_env: String,
}

/// `olivier node`.
#[derive(Debug, Clone, Args)]
pub struct NodeArgs {
    /// The node's system name (the first segment of its actors' ids).
    #[arg(long)]
    pub name: String,
    /// An endpoint to listen on: tcp://HOST:PORT, unix:PATH or ws://HOST:PORT
    /// (port 0 picks one; each bound endpoint is printed). Repeatable;
    /// tcp://127.0.0.1:0 when none is given.
    #[arg(long, value_name = "ENDPOINT")]
    pub listen: Vec<Endpoint>,
    /// A node to connect to as this one starts. Repeatable.
    #[arg(long, value_name = "ENDPOINT")]
    pub connect: Vec<Endpoint>,
    /// A behavior to host: KIND=NAME (or KIND, named after it), registered
    /// under NAME. Kinds: counter, reminder. Repeatable.
    #[arg(long, value_name = "KIND=NAME")]
    pub host: Vec<HostSpec>,
    /// Serve Prometheus metrics on GET /metrics at this address.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,
    /// Also stop when standard input closes (for supervisors and tests).
    #[arg(long)]
    pub stdin_lifetime: bool,
    /// The secret.
    #[command(flatten)]
    pub secret: SecretArgs,
}

/// How a client reaches a node.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// The node's endpoint: tcp://HOST:PORT, unix:PATH or ws://HOST:PORT.
    #[arg(long, value_name = "ENDPOINT")]
    pub node: Endpoint,
    /// How long to wait for the connection and for each answer (500ms, 5s, 1m).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// The secret.
    #[command(flatten)]
    pub secret: SecretArgs,
}

/// `olivier tell` and `olivier ask`.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// The node and the secret.
    #[command(flatten)]
    pub client: ClientArgs,
    /// The actor: SYSTEM/NAME, or NAME on the node reached.
    pub target: String,
    /// The command and its arguments (counter: increment, decrement, get).
    #[arg(required = true, num_args = 1.., trailing_var_arg = true)]
    pub command: Vec<String>,
}

/// `olivier ls`.
#[derive(Debug, Clone, Args)]
pub struct LsArgs {
    /// The node and the secret.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Parses `500ms`, `5s`, `2m` or a bare number of seconds.
///
/// # Errors
///
/// A message for clap when the text is none of these.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration (500ms, 5s, 2m)");
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let number: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5h").is_err());
    }

    #[test]
    fn a_node_line_parses() {
        let cli = Cli::try_parse_from([
            "olivier",
            "node",
            "--name",
            "shop",
            "--listen",
            "tcp://127.0.0.1:0",
            "--listen",
            "unix:/tmp/shop.sock",
            "--host",
            "counter=tally",
            "--stdin-lifetime",
        ])
        .expect("parses");
        let Command::Node(node) = cli.command else {
            panic!("a node command");
        };
        assert_eq!(node.listen.len(), 2);
        assert_eq!(node.host[0].name, "tally");
        assert_eq!(node.secret.secret_env, "ALLOY_SECRET");
        assert!(
            Cli::try_parse_from(["olivier", "node", "--name", "s", "--listen", "http://x"])
                .is_err()
        );
    }
}
