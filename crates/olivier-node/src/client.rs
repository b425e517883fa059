//! `olivier tell`, `ask` and `ls`: a short-lived client system that
//! connects to one node, learns what a name is from the node's
//! `directory`, sends by name and goes away.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy_actors::{ActorId, ActorRef};
use olivier_runtime::remote::{ConnectError, Endpoint, Secret};
use olivier_runtime::{ActorSystem, AskError, BuildError, DeadLetterReason};

use crate::cli::ClientArgs;
use crate::commands::{self, CommandError};
use crate::directory::{DIRECTORY, DIRECTORY_KIND, DirectoryMsg, Listing};
use crate::hosting::Kind;
use crate::secret::{self, SecretSourceError};

/// A client connected to one node.
#[derive(Debug)]
pub struct Client {
    system: ActorSystem,
    endpoint: Endpoint,
    node: String,
    timeout: Duration,
}

impl Client {
    /// Reads the secret `args` name and connects to `args.node`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Secret`], [`ClientError::Build`],
    /// [`ClientError::Connect`], [`ClientError::ConnectTimeout`].
    pub async fn from_args(args: &ClientArgs) -> Result<Self, ClientError> {
        let secret = secret::load(args.secret.secret_file.as_deref(), &args.secret.secret_env)?;
        Self::connect(secret, &args.node, args.timeout).await
    }

    /// Starts a client system with a name of its own and connects it to
    /// the node at `endpoint`, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// As [`Client::from_args`], but for the secret.
    pub async fn connect(
        secret: Secret,
        endpoint: &Endpoint,
        timeout: Duration,
    ) -> Result<Self, ClientError> {
        let system = ActorSystem::builder()
            .name(client_name())
            .secret(secret)
            .build()
            .map_err(ClientError::Build)?;
        let connected = tokio::time::timeout(timeout, system.connect_to(endpoint)).await;
        let node = match connected {
            Ok(Ok(node)) => node,
            failed => {
                let _ = system.shutdown().await;
                return Err(match failed {
                    Ok(Err(source)) => ClientError::Connect {
                        endpoint: endpoint.clone(),
                        source: Box::new(source),
                    },
                    _ => ClientError::ConnectTimeout {
                        endpoint: endpoint.clone(),
                        after: timeout,
                    },
                });
            }
        };
        Ok(Self {
            system,
            endpoint: endpoint.clone(),
            node,
            timeout,
        })
    }

    /// The system name of the node reached.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// What the node's directory lists.
    ///
    /// # Errors
    ///
    /// [`ClientError::Directory`] when the node does not answer it.
    pub async fn listing(&self) -> Result<Listing, ClientError> {
        let directory: ActorRef<DirectoryMsg> = ActorRef::new(named(&self.node, DIRECTORY)?);
        self.system
            .ask(
                &directory,
                |reply_to| DirectoryMsg::List { reply_to },
                self.timeout,
            )
            .await
            .map_err(|source| ClientError::Directory {
                endpoint: self.endpoint.clone(),
                source: Box::new(source),
            })
    }

    /// Tells `target` (`SYSTEM/NAME` or `NAME`) the command `words`, and
    /// waits until the node has taken it: a refusal there is an error here.
    ///
    /// # Errors
    ///
    /// [`ClientError`]: a bad or unknown target, a command its kind does not
    /// take, or a refusal.
    pub async fn tell(&self, target: &str, words: &[String]) -> Result<(), ClientError> {
        let (id, kind) = self.resolve(target).await?;
        let mut letters = self.system.dead_letters();
        commands::tell(&self.system, kind, &id, words)?;
        // The link is ordered: once the directory answers, the node has
        // taken the tell or refused it (and its refusal arrived first).
        self.listing().await?;
        while let Some(letter) = letters.try_recv() {
            if letter.target == id {
                return Err(ClientError::Refused {
                    target: id,
                    reason: letter.reason,
                });
            }
        }
        Ok(())
    }

    /// Asks `target` (`SYSTEM/NAME` or `NAME`) the command `words` and
    /// answers the reply as text.
    ///
    /// # Errors
    ///
    /// As [`Client::tell`], and a failed ask.
    pub async fn ask(&self, target: &str, words: &[String]) -> Result<String, ClientError> {
        let (id, kind) = self.resolve(target).await?;
        Ok(commands::ask(&self.system, kind, &id, words, self.timeout).await?)
    }

    /// Shuts the client system down.
    pub async fn close(self) {
        let _ = self.system.shutdown().await;
    }

    /// The named id of `target` and its kind, from the node's directory.
    async fn resolve(&self, target: &str) -> Result<(ActorId, Kind), ClientError> {
        let (system, name) = match target.split_once('/') {
            Some((system, name)) => (system, name),
            None => (self.node.as_str(), target),
        };
        if system != self.node {
            return Err(ClientError::OtherSystem {
                target: target.to_owned(),
                endpoint: self.endpoint.clone(),
                node: self.node.clone(),
            });
        }
        let id = named(system, name)?;
        let listing = self.listing().await?;
        let entry = listing.find(name).ok_or_else(|| ClientError::NoSuchName {
            name: name.to_owned(),
            node: self.node.clone(),
            names: listing.names().join(", "),
        })?;
        if entry.kind == DIRECTORY_KIND {
            return Err(ClientError::NotACommandTarget {
                name: name.to_owned(),
            });
        }
        let kind = entry
            .kind
            .parse::<Kind>()
            .map_err(|_| ClientError::UnknownKind {
                name: name.to_owned(),
                kind: entry.kind.clone(),
            })?;
        Ok((id, kind))
    }
}

fn named(system: &str, name: &str) -> Result<ActorId, ClientError> {
    ActorId::named(system, name).map_err(|source| ClientError::BadTarget {
        target: format!("{system}/{name}"),
        detail: source.to_string(),
    })
}

/// A system name no other client has: `olivier-cli-<pid>-<nanos>`.
fn client_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!("olivier-cli-{}-{nanos}", std::process::id())
}

/// A client command that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No usable secret.
    #[error(transparent)]
    Secret(#[from] SecretSourceError),
    /// The client system did not start.
    #[error("the client did not start")]
    Build(#[source] BuildError),
    /// The node could not be reached or refused the client (a wrong
    /// secret, for one).
    #[error("could not reach the node at {endpoint}")]
    Connect {
        /// The node's endpoint.
        endpoint: Endpoint,
        /// Why.
        #[source]
        source: Box<ConnectError>,
    },
    /// The connection did not complete in time.
    #[error("the node at {endpoint} did not complete the handshake within {after:?}")]
    ConnectTimeout {
        /// The node's endpoint.
        endpoint: Endpoint,
        /// The timeout.
        after: Duration,
    },
    /// The target is not `SYSTEM/NAME` or `NAME`.
    #[error("`{target}` is not SYSTEM/NAME: {detail}")]
    BadTarget {
        /// The target given.
        target: String,
        /// Why.
        detail: String,
    },
    /// The target names another system than the node reached.
    #[error("`{target}` is not on the node at {endpoint}, which is `{node}`")]
    OtherSystem {
        /// The target given.
        target: String,
        /// The node's endpoint.
        endpoint: Endpoint,
        /// The node's system name.
        node: String,
    },
    /// The node has no such name.
    #[error("node `{node}` has no actor named `{name}` (it has: {names})")]
    NoSuchName {
        /// The name asked for.
        name: String,
        /// The node.
        node: String,
        /// The names it has.
        names: String,
    },
    /// The name is the directory, which takes no commands (use `olivier ls`).
    #[error("`{name}` is the node's directory: use `olivier ls`")]
    NotACommandTarget {
        /// The name.
        name: String,
    },
    /// The node hosts a kind this client does not know.
    #[error("`{name}` is a `{kind}`, which this olivier does not know")]
    UnknownKind {
        /// The name.
        name: String,
        /// Its kind.
        kind: String,
    },
    /// The node's directory did not answer.
    #[error("the node at {endpoint} did not answer its directory")]
    Directory {
        /// The node's endpoint.
        endpoint: Endpoint,
        /// Why.
        #[source]
        source: Box<AskError>,
    },
    /// The command was not sent, or its ask failed.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The node refused the tell.
    #[error("the node refused the tell to `{target}`: {reason}")]
    Refused {
        /// The target.
        target: ActorId,
        /// Why.
        reason: DeadLetterReason,
    },
}
