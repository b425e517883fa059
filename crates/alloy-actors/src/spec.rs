//! Actor specifications: what to start and how to run it.

use std::any::TypeId;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::dyn_actor::BehaviorFactory;
use crate::runtime::DynBehavior;
use crate::{Behavior, Capabilities, Message, RestartType, SupervisionStrategy};

/// Everything a runtime needs to start an actor running behavior `B`.
///
/// Built with chained setters; converts into the type-erased [`AnySpec`]
/// that travels inside [`SideEffect::Spawn`](crate::SideEffect::Spawn).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use alloy_actors::{
///     ActorSpec, BackpressurePolicy, Behavior, Capabilities, Context, Effect, ErrorPolicy,
///     Message, RestartType,
/// };
/// # #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
/// # struct Tick;
/// # impl Message for Tick { const TYPE_NAME: &'static str = "example.Tick"; }
/// # struct Ticker;
/// # impl Behavior for Ticker {
/// #     type State = u32;
/// #     type Message = Tick;
/// #     fn init(&self) -> u32 { 0 }
/// #     fn receive(&self, _: &Context<Tick>, n: u32, _: Tick) -> Effect<u32> { Effect::from(n + 1) }
/// # }
///
/// let spec = ActorSpec::new(Ticker)
///     .name("ticker")
///     .error_policy(ErrorPolicy::RestartWith(0))
///     .backpressure(BackpressurePolicy::DropOldest(1000))
///     .restart_type(RestartType::Transient)
///     .shutdown_timeout(Duration::from_secs(1))
///     .capabilities(Capabilities::none());
/// assert_eq!(spec.config().name(), Some("ticker"));
/// ```
pub struct ActorSpec<B: Behavior> {
    behavior: Arc<B>,
    policy: ErrorPolicy<B::State>,
    config: SpecConfig,
    snapshots: bool,
}

impl<B: Behavior> ActorSpec<B> {
    /// A spec with the defaults: unnamed, permanent, error policy
    /// [`ErrorPolicy::Escalate`], unbounded mailbox, 5 s shutdown timeout,
    /// [`Capabilities::default`], and the runtime's default supervision for
    /// its children.
    pub fn new(behavior: B) -> Self {
        Self::from_arc(Arc::new(behavior))
    }

    /// A spec sharing an existing behavior value.
    pub fn from_arc(behavior: Arc<B>) -> Self {
        Self {
            behavior,
            policy: ErrorPolicy::Escalate,
            config: SpecConfig::new(<B::Message as Message>::TYPE_NAME),
            snapshots: true,
        }
    }

    /// Names the actor; the name becomes the last segment of its id.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.name = Some(name.into());
        self
    }

    /// Sets the behavior kind, the key an edge runtime uses to pick the code
    /// that hosts the actor (defaults to the message's type name).
    pub fn kind(mut self, kind: impl Into<Cow<'static, str>>) -> Self {
        self.config.kind = kind.into();
        self
    }

    /// How this actor supervises the children it spawns.
    pub fn supervision(mut self, strategy: SupervisionStrategy) -> Self {
        self.config.supervision = Some(strategy);
        self
    }

    /// When this actor's supervisor restarts it.
    pub fn restart_type(mut self, restart: RestartType) -> Self {
        self.config.restart = restart;
        self
    }

    /// How long stopping may take (its `PostStop` included) before the
    /// runtime kills the actor: [`Shutdown::Timeout`].
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.config.shutdown = Shutdown::Timeout(timeout);
        self
    }

    /// How the actor is stopped by its supervisor (OTP's `shutdown` child
    /// option): [`Shutdown::BrutalKill`], a [`Shutdown::Timeout`], or
    /// [`Shutdown::Infinity`].
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.config.shutdown = shutdown;
        self
    }

    /// What the actor is allowed to do.
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.config.capabilities = capabilities;
        self
    }

    /// How the mailbox behaves when it is full.
    pub fn backpressure(mut self, policy: BackpressurePolicy) -> Self {
        self.config.backpressure = policy;
        self
    }

    /// Whether the actor copies its state before each message (the
    /// default, a clone of the state): after a panic, which loses the state
    /// the handler owned, its cleanup hook (`PreRestart` or `PostStop`) then
    /// runs with the last good state, as OTP's `terminate` does after a
    /// crash. Turn it off for a state too large to clone per message: a
    /// hook after a panic is then skipped. The `Resume` policy always copies.
    pub fn keep_snapshots(mut self, snapshots: bool) -> Self {
        self.snapshots = snapshots;
        self
    }

    /// What happens first when the actor fails.
    pub fn error_policy(mut self, policy: ErrorPolicy<B::State>) -> Self {
        self.policy = policy;
        self
    }

    /// The behavior.
    pub fn behavior(&self) -> &Arc<B> {
        &self.behavior
    }

    /// The error policy.
    pub fn policy(&self) -> &ErrorPolicy<B::State> {
        &self.policy
    }

    /// The runtime settings.
    pub fn config(&self) -> &SpecConfig {
        &self.config
    }

    /// Erases the behavior type.
    pub fn erase(self) -> AnySpec {
        AnySpec {
            behavior: Arc::new(BehaviorFactory::new(
                self.behavior,
                self.policy,
                self.snapshots,
            )),
            config: self.config,
        }
    }
}

impl<B: Behavior> Clone for ActorSpec<B> {
    fn clone(&self) -> Self {
        Self {
            behavior: Arc::clone(&self.behavior),
            policy: self.policy.clone(),
            config: self.config.clone(),
            snapshots: self.snapshots,
        }
    }
}

impl<B: Behavior> fmt::Debug for ActorSpec<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorSpec")
            .field("behavior", &std::any::type_name::<B>())
            .field("policy", &self.policy.kind())
            .field("config", &self.config)
            .finish()
    }
}

/// A spec whose behavior type has been erased, as carried by a spawn side effect.
#[derive(Clone)]
pub struct AnySpec {
    behavior: Arc<dyn DynBehavior>,
    config: SpecConfig,
}

impl AnySpec {
    /// The erased behavior, which a runtime instantiates.
    pub fn behavior(&self) -> &Arc<dyn DynBehavior> {
        &self.behavior
    }

    /// The runtime settings.
    pub fn config(&self) -> &SpecConfig {
        &self.config
    }

    /// The stable type name of the messages the actor accepts.
    pub fn message_type_name(&self) -> &'static str {
        self.behavior.message_type_name()
    }

    /// Whether the actor accepts messages of type `M`.
    pub fn accepts<M: Message>(&self) -> bool {
        self.behavior.message_type_id() == TypeId::of::<M>()
    }
}

impl<B: Behavior> From<ActorSpec<B>> for AnySpec {
    fn from(spec: ActorSpec<B>) -> Self {
        spec.erase()
    }
}

impl fmt::Debug for AnySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnySpec")
            .field("message_type", &self.message_type_name())
            .field("config", &self.config)
            .finish()
    }
}

/// The runtime settings of a spec, independent of its behavior type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecConfig {
    name: Option<String>,
    kind: Cow<'static, str>,
    supervision: Option<SupervisionStrategy>,
    restart: RestartType,
    shutdown: Shutdown,
    capabilities: Capabilities,
    backpressure: BackpressurePolicy,
}

impl SpecConfig {
    /// The default shutdown timeout.
    pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

    fn new(kind: &'static str) -> Self {
        Self {
            name: None,
            kind: Cow::Borrowed(kind),
            supervision: None,
            restart: RestartType::Permanent,
            shutdown: Shutdown::Timeout(Self::DEFAULT_SHUTDOWN_TIMEOUT),
            capabilities: Capabilities::default(),
            backpressure: BackpressurePolicy::Unbounded,
        }
    }

    /// The actor's name, if one was given.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The behavior kind.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// How the actor supervises its children, if set; otherwise the runtime's default.
    pub fn supervision(&self) -> Option<&SupervisionStrategy> {
        self.supervision.as_ref()
    }

    /// When its supervisor restarts it.
    pub fn restart_type(&self) -> RestartType {
        self.restart
    }

    /// How the actor is stopped.
    pub fn shutdown(&self) -> Shutdown {
        self.shutdown
    }

    /// What it may do.
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    /// How its mailbox behaves when full.
    pub fn backpressure(&self) -> BackpressurePolicy {
        self.backpressure
    }
}

/// How a supervisor stops a child: OTP's `shutdown` child option.
///
/// A graceful stop asks the actor to stop (it finishes the message it is
/// handling, then its `PostStop` hook runs) and waits; a kill aborts it where
/// it is, without its hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Shutdown {
    /// Kill at once: no `PostStop`, and the exit is not an error (OTP's
    /// `brutal_kill`, exit reason `killed`).
    BrutalKill,
    /// Stop gracefully, and kill after this long (the stop and its
    /// `PostStop` together); a kill is reported as a shutdown error.
    Timeout(Duration),
    /// Stop gracefully and wait as long as it takes (OTP's default for
    /// supervisor children).
    Infinity,
}

impl Shutdown {
    /// How long a graceful stop may take; `None` for no limit, zero for
    /// [`Shutdown::BrutalKill`].
    pub fn timeout(self) -> Option<Duration> {
        match self {
            Shutdown::BrutalKill => Some(Duration::ZERO),
            Shutdown::Timeout(timeout) => Some(timeout),
            Shutdown::Infinity => None,
        }
    }
}

impl Default for Shutdown {
    /// A 5 s timeout ([`SpecConfig::DEFAULT_SHUTDOWN_TIMEOUT`]).
    fn default() -> Self {
        Shutdown::Timeout(SpecConfig::DEFAULT_SHUTDOWN_TIMEOUT)
    }
}

/// What happens first when an actor fails (an escalation or a panic).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ErrorPolicy<S> {
    /// Drop the failed message and keep going: with the state an
    /// [`Effect::Escalate`](crate::Effect::Escalate) carried, or after a panic
    /// with the state from before the message.
    Resume,
    /// Restart the actor in place with this state.
    RestartWith(S),
    /// Hand the failure to the supervisor, whose strategy decides.
    #[default]
    Escalate,
    /// Stop the actor; its supervisor sees a failure exit.
    Stop,
}

impl<S> ErrorPolicy<S> {
    /// The policy without its state.
    pub fn kind(&self) -> ErrorPolicyKind {
        match self {
            ErrorPolicy::Resume => ErrorPolicyKind::Resume,
            ErrorPolicy::RestartWith(_) => ErrorPolicyKind::RestartWith,
            ErrorPolicy::Escalate => ErrorPolicyKind::Escalate,
            ErrorPolicy::Stop => ErrorPolicyKind::Stop,
        }
    }
}

/// [`ErrorPolicy`] without the restart state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorPolicyKind {
    /// See [`ErrorPolicy::Resume`].
    Resume,
    /// See [`ErrorPolicy::RestartWith`].
    RestartWith,
    /// See [`ErrorPolicy::Escalate`].
    Escalate,
    /// See [`ErrorPolicy::Stop`].
    Stop,
}

/// How a mailbox behaves when it is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum BackpressurePolicy {
    /// No bound: every message is queued.
    #[default]
    Unbounded,
    /// At most this many messages; a new one pushes out the oldest, which
    /// goes to dead letters.
    DropOldest(usize),
    /// At most this many messages; a new one is dropped to dead letters.
    DropNewest(usize),
    /// At most this many messages; a new one is refused and the sender told.
    Reject(usize),
}

impl BackpressurePolicy {
    /// The mailbox bound, or `None` when unbounded.
    pub fn capacity(self) -> Option<usize> {
        match self {
            BackpressurePolicy::Unbounded => None,
            BackpressurePolicy::DropOldest(n)
            | BackpressurePolicy::DropNewest(n)
            | BackpressurePolicy::Reject(n) => Some(n),
        }
    }
}
