//! The health answers of the Worker and of each actor, as JSON.

use serde::Serialize;

/// What `GET /health` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerHealth {
    /// Always `"ok"` when the Worker answers at all.
    pub status: &'static str,
    /// Always `"conclave"`.
    pub runtime: &'static str,
    /// The actor classes (Durable Object bindings) this Worker hosts.
    pub classes: Vec<String>,
}

impl WorkerHealth {
    /// The health of a Worker hosting `classes`.
    pub fn new(classes: &[&str]) -> Self {
        Self {
            status: "ok",
            runtime: "conclave",
            classes: classes.iter().map(|class| (*class).to_owned()).collect(),
        }
    }
}

/// What `GET /actors/<CLASS>/<name>` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActorHealth {
    /// Always `"ok"` when the object answers.
    pub status: &'static str,
    /// `<CLASS>/<name>`.
    pub actor: String,
    /// When this instance of the object was constructed (ms since the Unix
    /// epoch); it changes after hibernation or eviction.
    pub instance_started_ms: u64,
    /// The clients' WebSockets the object holds (hibernated ones included).
    pub sockets: usize,
    /// The children linked to it: distinct children among the link sockets
    /// it holds (see docs/conclave.md, Supervision).
    pub links: usize,
    /// Messages handled, over the actor's whole stored life.
    pub handled: u64,
    /// Scheduled messages waiting for their alarm.
    pub pending_timers: usize,
    /// Why the actor stopped (its supervisor gave up on it, or it stopped
    /// itself); `null` while it runs.
    pub stopped: Option<String>,
    /// The children it supervises.
    pub children: usize,
    /// Its children's restarts inside its restart-intensity window now
    /// (the window is stored, so it survives eviction).
    pub recent_restarts: usize,
    /// Timers not scheduled because [`MAX_PENDING_TIMERS`] were pending,
    /// over the actor's stored life.
    ///
    /// [`MAX_PENDING_TIMERS`]: crate::limits::MAX_PENDING_TIMERS
    pub timers_refused: u64,
    /// Asks answered `ERROR TooManyPendingAsks` because
    /// [`MAX_PENDING_ASKS`] were waiting, over the actor's stored life.
    ///
    /// [`MAX_PENDING_ASKS`]: crate::limits::MAX_PENDING_ASKS
    pub asks_refused: u64,
    /// How often the actor restarted, over its stored life.
    pub restarts: u64,
    /// Messages it took and never handled (a handler that panicked), over
    /// its stored life.
    pub dead_letters: u64,
    /// Why the last dead letter died.
    pub last_dead_letter: Option<String>,
    /// Its children, as OTP's `which_children` lists them (a transient
    /// child that stopped normally stays listed, not running).
    pub which_children: Vec<ChildHealth>,
}

/// One child in an actor's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildHealth {
    /// The child's address.
    pub id: String,
    /// Its restart type: `permanent`, `transient` or `temporary`.
    pub restart: &'static str,
    /// Whether it runs.
    pub running: bool,
    /// The restarts it reported done.
    pub restarts: u64,
}
