//! Test behaviors and helpers shared by the integration tests: a journal
//! that behaviors write to, gates that hold a handler, and `Worker`, a
//! behavior that does what its messages say.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use alloy_actors::{
    ActorError, ActorRef, ActorSpec, Behavior, Context, Effect, LifecycleEvent, Message,
    RestartReason, Spawned,
};
use olivier_runtime::{ActorSystem, Events, SystemEvent};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

/// How long a test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// An append-only list of what happened, in order, with async waiting.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<Vec<String>>,
    changed: Notify,
}

impl Journal {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn note(&self, entry: impl Into<String>) {
        self.entries.lock().push(entry.into());
        self.changed.notify_waiters();
    }

    pub fn entries(&self) -> Vec<String> {
        self.entries.lock().clone()
    }

    /// The entries that start with `prefix`.
    pub fn with_prefix(&self, prefix: &str) -> Vec<String> {
        self.entries()
            .into_iter()
            .filter(|entry| entry.starts_with(prefix))
            .collect()
    }

    pub fn contains(&self, entry: &str) -> bool {
        self.entries.lock().iter().any(|e| e == entry)
    }

    /// Waits until `done` holds for the entries; panics after [`PATIENCE`].
    pub async fn wait(&self, what: &str, done: impl Fn(&[String]) -> bool) {
        let waited = tokio::time::timeout(PATIENCE, async {
            loop {
                let changed = self.changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                if done(&self.entries.lock()) {
                    return;
                }
                changed.await;
            }
        })
        .await;
        assert!(
            waited.is_ok(),
            "timed out waiting for {what}; journal: {:?}",
            self.entries()
        );
    }

    /// Waits until `entry` was noted.
    pub async fn wait_for(&self, entry: &str) {
        self.wait(entry, |entries| entries.iter().any(|e| e == entry))
            .await;
    }
}

/// A gate that holds handlers until it opens.
///
/// A test holds it through the [`GateGuard`] of [`Gate::guarded`], which
/// opens it when dropped: a test that fails (panics) before it opens the
/// gate releases the handlers it holds, so the runtime's shutdown does not
/// wait for them forever and the test fails instead of hanging.
#[derive(Debug, Default)]
pub struct Gate {
    open: AtomicBool,
    waiting: AtomicUsize,
    /// A handler held past [`HELD_AT_MOST`]: the guard fails the test.
    overdue: AtomicBool,
    changed: Notify,
}

/// How long a handler waits at a gate before it gives up (panics), the last
/// resort for a test stuck elsewhere while it holds its guard.
const HELD_AT_MOST: Duration = Duration::from_secs(3 * PATIENCE.as_secs());

impl Gate {
    /// A closed gate, open again once the guard is dropped.
    pub fn guarded() -> GateGuard {
        GateGuard(Arc::new(Self::default()))
    }

    pub fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
        self.changed.notify_waiters();
    }

    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::SeqCst)
    }

    /// How many handlers are held right now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Waits until exactly `count` handlers are held; panics after
    /// [`PATIENCE`].
    pub async fn held(&self, count: usize) {
        let waited = tokio::time::timeout(PATIENCE, async {
            loop {
                let changed = self.changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                if self.waiting() == count {
                    return;
                }
                changed.await;
            }
        })
        .await;
        assert!(
            waited.is_ok(),
            "timed out waiting for {count} handler(s) at the gate ({} held)",
            self.waiting()
        );
    }

    /// Blocks the calling thread (politely) until the gate opens.
    pub fn pass(&self) {
        self.hold(|| std::thread::sleep(Duration::from_millis(1)));
    }

    /// Burns CPU until the gate opens: a worker thread is fully taken.
    pub fn spin(&self) {
        self.hold(std::hint::spin_loop);
    }

    fn hold(&self, pause: impl Fn()) {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
        let deadline = std::time::Instant::now() + HELD_AT_MOST;
        while !self.is_open() {
            if std::time::Instant::now() > deadline {
                self.overdue.store(true, Ordering::SeqCst);
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                panic!("a handler was held {HELD_AT_MOST:?} at a gate nobody opened");
            }
            pause();
        }
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        self.changed.notify_waiters();
    }
}

/// A test's hold on a [`Gate`]: derefs to the gate and opens it when
/// dropped (also while a failing test unwinds).
#[derive(Debug)]
pub struct GateGuard(Arc<Gate>);

impl std::ops::Deref for GateGuard {
    type Target = Arc<Gate>;

    fn deref(&self) -> &Arc<Gate> {
        &self.0
    }
}

impl Drop for GateGuard {
    fn drop(&mut self) {
        self.0.open();
        let overdue = self.0.overdue.load(Ordering::SeqCst);
        if overdue && !std::thread::panicking() {
            panic!("a handler gave up at a gate the test never opened");
        }
    }
}

/// Awaits `future`; panics after [`PATIENCE`], so a test fails rather
/// than hangs.
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(output) => output,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// Polls `future` once without waiting: whether it is ready now.
pub async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

/// Rides in a message: [`Dropped::wait`] returns once every copy of the
/// token is gone (the message was handled and dropped, or discarded).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DropToken {
    #[serde(skip)]
    alive: Option<Arc<tokio::sync::oneshot::Sender<()>>>,
}

/// The other end of a [`DropToken`].
#[derive(Debug)]
pub struct Dropped(tokio::sync::oneshot::Receiver<()>);

impl DropToken {
    pub fn new() -> (Self, Dropped) {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let token = Self {
            alive: Some(Arc::new(sender)),
        };
        (token, Dropped(receiver))
    }
}

impl Dropped {
    /// Waits until every copy of the token was dropped; panics after
    /// [`PATIENCE`].
    pub async fn wait(self, what: &str) {
        // The sender is never used: the channel only reports its drop.
        let _closed = within(what, self.0).await;
    }
}

/// Waits until `wanted` holds for the gate; panics after [`PATIENCE`].
pub async fn until(what: &str, wanted: impl Fn() -> bool) {
    let waited = tokio::time::timeout(PATIENCE, async {
        while !wanted() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "timed out waiting for {what}");
}

/// Waits for the first event `wanted` accepts; panics after [`PATIENCE`].
pub async fn event(
    events: &mut Events,
    what: &str,
    wanted: impl FnMut(&SystemEvent) -> bool,
) -> SystemEvent {
    match tokio::time::timeout(PATIENCE, events.wait_for(wanted)).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the event stream ended while waiting for {what}"),
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// What a [`Worker`] accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum WorkerMsg {
    /// Note `work:<n>` and count it.
    Work(u32),
    /// Answer the count.
    Get { reply_to: ActorRef<Reply> },
    /// Accept an ask and never answer.
    Swallow { reply_to: ActorRef<Reply> },
    /// Escalate a failure.
    Fail,
    /// Panic.
    Panic,
    /// Stop normally.
    Stop,
    /// Ask to restart.
    Restart,
    /// Wait at the behavior's gate (politely), then note `passed`.
    Block,
    /// As `Block`, then tell `Tracked { n, token }` to `to`.
    BlockThenTell {
        to: ActorRef<WorkerMsg>,
        n: u32,
        token: DropToken,
    },
    /// As `Work(n)`; the token goes when the message does.
    Tracked { n: u32, token: DropToken },
    /// Burn CPU until the behavior's gate opens, then note `spun`.
    Spin,
    /// Spawn a child worker with this name (sharing journal and gate),
    /// asking for a `Spawned` notice.
    SpawnChild(String),
    /// The notice of a spawned child.
    Spawned(Spawned),
    /// Schedule `Work(n)` to itself after `millis`, under `key` if given.
    Schedule {
        key: Option<String>,
        millis: u64,
        n: u32,
    },
    /// Cancel the timer `key`.
    Cancel(String),
    /// Tell `Work(n)` to another worker.
    Forward { to: ActorRef<WorkerMsg>, n: u32 },
}

impl Message for WorkerMsg {
    const TYPE_NAME: &'static str = "test.WorkerMsg";
}

impl From<Spawned> for WorkerMsg {
    fn from(notice: Spawned) -> Self {
        WorkerMsg::Spawned(notice)
    }
}

/// A worker's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply(pub u64);

impl Message for Reply {
    const TYPE_NAME: &'static str = "test.Reply";
}

/// A behavior that does what its messages say and notes everything as
/// `<name>:<what>` in its journal.
#[derive(Debug, Clone)]
pub struct Worker {
    pub name: String,
    pub journal: Arc<Journal>,
    pub gate: Arc<Gate>,
}

impl Worker {
    pub fn new(name: &str, journal: &Arc<Journal>, gate: &Arc<Gate>) -> Self {
        Self {
            name: name.to_owned(),
            journal: Arc::clone(journal),
            gate: Arc::clone(gate),
        }
    }

    pub fn spec(&self) -> ActorSpec<Worker> {
        ActorSpec::new(self.clone()).name(self.name.clone())
    }

    fn note(&self, what: impl std::fmt::Display) {
        self.journal.note(format!("{}:{what}", self.name));
    }
}

impl Behavior for Worker {
    type State = u64;
    type Message = WorkerMsg;

    fn init(&self) -> u64 {
        0
    }

    fn receive(&self, ctx: &Context<WorkerMsg>, count: u64, msg: WorkerMsg) -> Effect<u64> {
        match msg {
            WorkerMsg::Work(n) => {
                self.note(format_args!("work:{n}"));
                Effect::from(count + 1)
            }
            WorkerMsg::Get { reply_to } => Effect::from(count).tell(&reply_to, Reply(count)),
            WorkerMsg::Swallow { .. } => Effect::from(count),
            WorkerMsg::Fail => Effect::from(count).escalate(ActorError::msg("told to fail")),
            WorkerMsg::Panic => panic!("told to panic"),
            WorkerMsg::Stop => Effect::from(count).stop("told to stop"),
            WorkerMsg::Restart => Effect::from(count).restart(),
            WorkerMsg::Block => {
                self.gate.pass();
                self.note("passed");
                Effect::from(count)
            }
            WorkerMsg::BlockThenTell { to, n, token } => {
                self.gate.pass();
                self.note("passed");
                Effect::from(count).tell(&to, WorkerMsg::Tracked { n, token })
            }
            WorkerMsg::Tracked { n, .. } => {
                self.note(format_args!("work:{n}"));
                Effect::from(count + 1)
            }
            WorkerMsg::Spin => {
                self.gate.spin();
                self.note("spun");
                Effect::from(count)
            }
            WorkerMsg::SpawnChild(name) => {
                let child = Worker {
                    name,
                    journal: Arc::clone(&self.journal),
                    gate: Arc::clone(&self.gate),
                };
                Effect::from(count).spawn_and_notify(child.spec(), &ctx.myself())
            }
            WorkerMsg::Spawned(notice) => {
                // The id first: tests wait for the name, then read the id.
                self.note(format_args!("spawned_id:{}", notice.child));
                self.note(format_args!("spawned:{}", notice.child.name()));
                Effect::from(count)
            }
            WorkerMsg::Schedule { key, millis, n } => {
                let delay = Duration::from_millis(millis);
                match key {
                    Some(key) => {
                        Effect::from(count).schedule(key, delay, &ctx.myself(), WorkerMsg::Work(n))
                    }
                    None => {
                        Effect::from(count).schedule_once(delay, &ctx.myself(), WorkerMsg::Work(n))
                    }
                }
            }
            WorkerMsg::Cancel(key) => Effect::from(count).cancel_timer(key),
            WorkerMsg::Forward { to, n } => Effect::from(count).tell(&to, WorkerMsg::Work(n)),
        }
    }

    fn lifecycle(
        &self,
        _ctx: &Context<WorkerMsg>,
        count: u64,
        event: LifecycleEvent,
    ) -> Effect<u64> {
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        match event {
            LifecycleEvent::PreStart => self.note("pre_start"),
            LifecycleEvent::PostStop => self.note(format_args!("post_stop:{count}")),
            LifecycleEvent::PreRestart { reason } => {
                let why = match reason {
                    RestartReason::Requested => "requested".to_owned(),
                    RestartReason::Failed(_) => "failed".to_owned(),
                    RestartReason::SiblingFailed { sibling } => {
                        format!("sibling:{}", sibling.name())
                    }
                    RestartReason::SupervisorRestarted { .. } => "supervisor".to_owned(),
                    RestartReason::Exited { .. } => "exited".to_owned(),
                    other => format!("{other:?}"),
                };
                self.note(format_args!("pre_restart:{why}"));
            }
            LifecycleEvent::PostRestart => self.note(format_args!("post_restart@{thread}")),
            other => self.note(format_args!("{other:?}")),
        }
        Effect::from(count)
    }
}

/// A system on the current runtime with the given root strategy.
pub fn system(name: &str, root: alloy_actors::SupervisionStrategy) -> ActorSystem {
    match ActorSystem::builder()
        .name(name)
        .default_supervision(root)
        .build()
    {
        Ok(system) => system,
        Err(error) => panic!("could not build the system: {error}"),
    }
}

/// Asks a worker for its count.
pub async fn count(system: &ActorSystem, worker: &ActorRef<WorkerMsg>) -> u64 {
    match system
        .ask(worker, |reply_to| WorkerMsg::Get { reply_to }, PATIENCE)
        .await
    {
        Ok(Reply(n)) => n,
        Err(error) => panic!("ask failed: {error}"),
    }
}

/// The reference to a child a worker noted as spawned.
pub fn spawned(journal: &Journal, parent: &str, child: &str) -> ActorRef<WorkerMsg> {
    let prefix = format!("{parent}:spawned_id:");
    journal
        .with_prefix(&prefix)
        .iter()
        .filter_map(|entry| entry[prefix.len()..].parse::<alloy_actors::ActorId>().ok())
        .find(|id| id.name() == child)
        .map(ActorRef::new)
        .unwrap_or_else(|| panic!("{parent} noted no child {child}: {:?}", journal.entries()))
}
