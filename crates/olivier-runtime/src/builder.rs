//! Building an [`ActorSystem`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use alloy_actors::{ActorId, SupervisionStrategy};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

use crate::arena::ArenaBudget;
use crate::dead_letters::DeadLetterHub;
use crate::error::BuildError;
use crate::events::EventHub;
use crate::kernel::{ArenaBudgets, SystemInner};
use crate::metrics::{self, Metrics};
use crate::persistence::Persistence;
use crate::prospero;
use crate::registry::Registry;
use crate::remote::{self, Endpoint, RemoteOptions, Secret, TlsConfig, TransportSelector};
use crate::system::ActorSystem;

/// Configures and starts an [`ActorSystem`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use alloy_actors::SupervisionStrategy;
/// use olivier_runtime::ActorSystem;
///
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() -> Result<(), olivier_runtime::BuildError> {
/// let system = ActorSystem::builder()
///     .name("shop")
///     .default_supervision(SupervisionStrategy::one_for_one(5, Duration::from_secs(60)))
///     .build()?;
/// assert_eq!(system.root().to_string(), "shop#0");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ActorSystemBuilder {
    name: String,
    default_supervision: SupervisionStrategy,
    runtime: Option<Handle>,
    backlog: usize,
    persistence: Persistence,
    arena: ArenaBudgets,
    prospero_spin: Duration,
    metrics_endpoint: Option<SocketAddr>,
    listen: Vec<Endpoint>,
    remote: RemoteOptions,
    secret: Option<Secret>,
    selector: TransportSelector,
    tls: TlsConfig,
}

impl Default for ActorSystemBuilder {
    fn default() -> Self {
        Self {
            name: "olivier".to_owned(),
            default_supervision: SupervisionStrategy::one_for_one(3, Duration::from_secs(60)),
            runtime: None,
            backlog: 1024,
            persistence: Persistence::memory(),
            arena: ArenaBudgets::default(),
            prospero_spin: Duration::from_micros(50),
            metrics_endpoint: None,
            listen: Vec::new(),
            remote: RemoteOptions::default(),
            secret: None,
            selector: TransportSelector::default(),
            tls: TlsConfig::default(),
        }
    }
}

impl ActorSystemBuilder {
    /// Names the system: the root segment of every id.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The strategy of the root supervisor, and of every actor whose spec
    /// sets none for its own children.
    pub fn default_supervision(mut self, strategy: SupervisionStrategy) -> Self {
        self.default_supervision = strategy;
        self
    }

    /// The tokio runtime actors run on (by default, the one `build` is called in).
    pub fn runtime(mut self, handle: Handle) -> Self {
        self.runtime = Some(handle);
        self
    }

    /// How long Prospero keeps polling for the next supervision command
    /// after one before its thread parks (default 50 µs; zero parks at once).
    ///
    /// Supervision events come in bursts (a failure and the restart's
    /// notices, a loop of spawns); on a virtual machine a parked thread
    /// costs each of them a wake-up through the kernel and the hypervisor,
    /// tens of microseconds. The price is at most this much CPU on
    /// Prospero's thread after each burst.
    /// At most 1 ms (a longer value is clamped).
    pub fn prospero_spin(mut self, spin: Duration) -> Self {
        self.prospero_spin = spin.min(Duration::from_millis(1));
        self
    }

    /// How many dead letters and events a slow stream reader may fall behind.
    pub fn stream_backlog(mut self, backlog: usize) -> Self {
        self.backlog = backlog;
        self
    }

    /// The arena budget of every actor without one of its own
    /// ([`ArenaBudget::DEFAULT`], 1 MiB, unless set): the limit on what one
    /// message may use: the most its behavior holds at once (frees
    /// subtracted, counted when the binary installs
    /// [`ArenaAlloc`](crate::ArenaAlloc), checked when the handler returns),
    /// and its encoded durable state. Going over it fails the message; the
    /// error policy and supervisor apply.
    pub fn arena_budget(mut self, budget: ArenaBudget) -> Self {
        self.arena.default = budget;
        self
    }

    /// Gives the actor at `path` (its id without the instance number, e.g.
    /// `shop/cart`) its own arena budget, overriding the system's.
    pub fn arena_budget_for(mut self, path: impl Into<String>, budget: ArenaBudget) -> Self {
        self.arena.per_path.insert(path.into(), budget);
        self
    }

    /// Where actor state lives: in memory (the default), or in a durable
    /// [`StateStore`](crate::StateStore) for the actors it selects.
    pub fn persistence(mut self, persistence: Persistence) -> Self {
        self.persistence = persistence;
        self
    }

    /// Serves the metrics as Prometheus text on `GET /metrics` at `addr`
    /// (for example `127.0.0.1:9464`; port 0 picks a free port, see
    /// [`ActorSystem::metrics_addr`]). Off by default.
    pub fn metrics_endpoint(mut self, addr: SocketAddr) -> Self {
        self.metrics_endpoint = Some(addr);
        self
    }

    /// Accepts connections from other systems at `addr` (port 0 picks a
    /// free port, see [`ActorSystem::listen_addr`]); see [`crate::remote`].
    /// Off by default: a system that does not listen can still
    /// [`connect`](ActorSystem::connect).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen.push(Endpoint::Tcp(addr));
        self
    }

    /// Accepts connections from other systems at `endpoint` too: a TCP
    /// address, a Unix socket's path or a WebSocket address (see
    /// [`Endpoint`]); each call adds one. The bound endpoints are
    /// [`ActorSystem::listen_endpoints`].
    pub fn listen_on(mut self, endpoint: Endpoint) -> Self {
        self.listen.push(endpoint);
        self
    }

    /// The secret this system and every system it talks to share: each
    /// connection's handshake proves both sides know it, without sending
    /// it (see [`crate::remote`]). Required to listen or connect.
    ///
    /// ```
    /// use olivier_runtime::ActorSystem;
    /// use olivier_runtime::remote::Secret;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let system = ActorSystem::builder()
    ///     .name("shop")
    ///     .secret(Secret::new("the cluster's shared secret")?)
    ///     .listen("127.0.0.1:0".parse()?)
    ///     .build()?;
    /// assert!(system.listen_addr().is_some());
    /// system.shutdown().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn secret(mut self, secret: Secret) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Which transport each message pattern takes when this system
    /// connects by pattern ([`ActorSystem::connect_for`]); the seed's
    /// default otherwise.
    pub fn selector(mut self, selector: TransportSelector) -> Self {
        self.selector = selector;
        self
    }

    /// TLS for `tls://` and `wss://` endpoints: the server side to listen
    /// on them, the client side to connect to them (see [`TlsConfig`]).
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = tls;
        self
    }

    /// Settings of the remote transport: frame and buffer limits, timeouts,
    /// connection and name bounds.
    pub fn remote(mut self, options: RemoteOptions) -> Self {
        self.remote = options;
        self
    }

    /// Starts the system and its Prospero thread.
    ///
    /// # Errors
    ///
    /// [`BuildError::NoRuntime`], [`BuildError::InvalidName`],
    /// [`BuildError::Prospero`], [`BuildError::MetricsEndpoint`],
    /// [`BuildError::Listen`], [`BuildError::NoSecret`] when it listens
    /// without a [secret](Self::secret).
    pub fn build(self) -> Result<ActorSystem, BuildError> {
        let handle = match self.runtime {
            Some(handle) => handle,
            None => Handle::try_current().map_err(|_| BuildError::NoRuntime)?,
        };
        let invalid = |source| BuildError::InvalidName {
            name: self.name.clone(),
            source,
        };
        let root = ActorId::root(&self.name).map_err(invalid)?;
        let ask_path = root.child("$ask", 0).map_err(invalid)?;
        let listener = match self.metrics_endpoint {
            Some(addr) => Some(bind(&handle, addr)?),
            None => None,
        };
        if !self.listen.is_empty() && self.secret.is_none() {
            return Err(BuildError::NoSecret);
        }
        let remote_listeners = self
            .listen
            .iter()
            .map(|endpoint| remote::bind(&handle, endpoint, &self.tls))
            .collect::<Result<Vec<_>, _>>()?;
        let (commands, received) = mpsc::unbounded_channel();
        let metrics = Arc::new(Metrics::default());
        let inner = Arc::new(SystemInner {
            root: root.clone(),
            registry: Registry::new(ask_path),
            dead_letters: DeadLetterHub::new(self.backlog, Arc::clone(&metrics)),
            events: EventHub::new(self.backlog),
            handle,
            default_supervision: self.default_supervision,
            persistence: self.persistence,
            arena: self.arena,
            supervisors: parking_lot::Mutex::default(),
            metrics,
            remote: Arc::new(remote::Remote::new(
                &root,
                self.remote,
                (self.secret, self.selector, self.tls),
                self.backlog,
            )),
            metrics_addr: std::sync::OnceLock::new(),
            prospero: commands,
            priority: std::sync::OnceLock::new(),
            exit: watch::channel(None).0,
            next_instance: AtomicU64::new(1),
            last_child: parking_lot::Mutex::new(None),
            handed_back: tokio::sync::Notify::new(),
            watchers: parking_lot::Mutex::default(),
        });
        let priority = prospero::start(
            Arc::downgrade(&inner),
            received,
            root,
            self.default_supervision,
            self.prospero_spin,
        )
        .map_err(BuildError::Prospero)?;
        if priority.is_raised() {
            tracing::info!(target: "olivier::prospero", %priority, "prospero thread priority raised");
        } else {
            tracing::warn!(target: "olivier::prospero", %priority, "prospero thread priority not raised");
        }
        let _ = inner.priority.set(priority);
        if let Some((listener, addr)) = listener {
            let _ = inner.metrics_addr.set(addr);
            tracing::info!(target: "olivier::metrics", %addr, "metrics endpoint listening");
            let system = Arc::downgrade(&inner);
            let render: metrics::endpoint::Render =
                Arc::new(move || system.upgrade().map(|inner| inner.metrics_text()));
            let mut exit = inner.exit_watch();
            let ended = async move {
                let _ = exit.wait_for(Option::is_some).await;
            };
            inner
                .handle
                .spawn(metrics::endpoint::serve(listener, render, ended));
        }
        for (listener, bound) in remote_listeners {
            remote::serve(&inner, listener, bound);
        }
        Ok(ActorSystem::from_inner(inner))
    }
}

/// Binds the metrics endpoint's listener on the system's runtime.
fn bind(
    handle: &Handle,
    addr: SocketAddr,
) -> Result<(tokio::net::TcpListener, SocketAddr), BuildError> {
    let failed = |source| BuildError::MetricsEndpoint { addr, source };
    let listener = std::net::TcpListener::bind(addr).map_err(failed)?;
    listener.set_nonblocking(true).map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    let _entered = handle.enter();
    let listener = tokio::net::TcpListener::from_std(listener).map_err(failed)?;
    Ok((listener, bound))
}

impl ActorSystem {
    /// A builder with the defaults: name `olivier`, one-for-one supervision
    /// allowing 3 restarts a minute, the current tokio runtime.
    pub fn builder() -> ActorSystemBuilder {
        ActorSystemBuilder::default()
    }
}
