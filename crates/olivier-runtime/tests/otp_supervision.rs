//! Olivier's supervision against the OTP rules in
//! `shared/notes/otp-supervision-rules.md`, one test per rule, each named
//! after it. Every wait is on an event or a latch, bounded; a latch opens
//! whenever a test ends, so a failing test fails instead of hanging.

#[path = "support/behaviors.rs"]
mod support;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy_actors::{
    ActorError, ActorRef, ActorSpec, Behavior, Context, Effect, LifecycleEvent, Message,
    RestartReason, RestartType, Shutdown, SupervisionStrategy,
};
use olivier_runtime::{
    ActorSystem, ChildError, ChildKind, Events, SpawnError, SupervisorSpec, SystemEvent,
};
use serde::{Deserialize, Serialize};
use support::{Gate, within};

const PATIENCE: Duration = Duration::from_secs(20);

fn minute(max_restarts: u32) -> SupervisionStrategy {
    SupervisionStrategy::one_for_one(max_restarts, Duration::from_secs(60))
}

/// What the probes did, in order.
#[derive(Default)]
struct Journal(Mutex<Vec<String>>);

impl Journal {
    fn note(&self, entry: String) {
        self.0.lock().expect("journal").push(entry);
    }

    fn entries(&self) -> Vec<String> {
        self.0.lock().expect("journal").clone()
    }

    fn with_prefix(&self, prefix: &str) -> Vec<String> {
        self.entries()
            .into_iter()
            .filter(|entry| entry.starts_with(prefix))
            .collect()
    }
}

/// A child that notes its lifecycle and does what it is told.
#[derive(Clone)]
struct Probe {
    name: &'static str,
    journal: Arc<Journal>,
    /// `PostStop` blocks at it (politely, for at most a minute), when set.
    slow_stop: Option<Arc<Gate>>,
    /// `init` panics while set (a restart that fails).
    broken_init: Arc<AtomicBool>,
    /// `PreStart` (and `PostRestart`) return `Effect::Ignore` while set.
    ignore: Arc<AtomicBool>,
    /// `PreStart` fails while set (a start that fails).
    failing_start: Arc<AtomicBool>,
}

impl Probe {
    fn new(name: &'static str, journal: &Arc<Journal>) -> Self {
        Self {
            name,
            journal: Arc::clone(journal),
            slow_stop: None,
            broken_init: Arc::default(),
            ignore: Arc::default(),
            failing_start: Arc::default(),
        }
    }

    fn spec(&self) -> ActorSpec<Probe> {
        ActorSpec::new(self.clone()).name(self.name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ProbeMsg {
    Add(u32),
    Get { reply_to: ActorRef<Count> },
    Fail,
    Panic,
    Stop,
}

impl Message for ProbeMsg {
    const TYPE_NAME: &'static str = "tests.otp.ProbeMsg";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Count(u32);

impl Message for Count {
    const TYPE_NAME: &'static str = "tests.otp.Count";
}

impl Behavior for Probe {
    type State = u32;
    type Message = ProbeMsg;

    fn init(&self) -> u32 {
        if self.broken_init.load(Ordering::SeqCst) {
            panic!("init is broken");
        }
        0
    }

    fn receive(&self, _ctx: &Context<ProbeMsg>, n: u32, msg: ProbeMsg) -> Effect<u32> {
        match msg {
            ProbeMsg::Add(k) => Effect::from(n + k),
            ProbeMsg::Get { reply_to } => Effect::from(n).tell(&reply_to, Count(n)),
            ProbeMsg::Fail => Effect::from(n).escalate(ActorError::msg("told to fail")),
            ProbeMsg::Panic => panic!("told to panic"),
            ProbeMsg::Stop => Effect::from(n).stop("told to stop"),
        }
    }

    fn lifecycle(&self, _ctx: &Context<ProbeMsg>, n: u32, event: LifecycleEvent) -> Effect<u32> {
        let name = self.name;
        match event {
            LifecycleEvent::PreStart | LifecycleEvent::PostRestart
                if self.ignore.load(Ordering::SeqCst) =>
            {
                self.journal.note(format!("{name}:ignore"));
                return Effect::from(n).ignore();
            }
            LifecycleEvent::PreStart if self.failing_start.load(Ordering::SeqCst) => {
                self.journal.note(format!("{name}:start_failed"));
                return Effect::from(n).escalate(ActorError::msg("cannot start"));
            }
            LifecycleEvent::PreStart => self.journal.note(format!("{name}:start")),
            LifecycleEvent::PostRestart => self.journal.note(format!("{name}:restart")),
            LifecycleEvent::PreRestart { .. } => {
                self.journal.note(format!("{name}:pre_restart:{n}"))
            }
            LifecycleEvent::PostStop => {
                self.journal.note(format!("{name}:post_stop:{n}"));
                if let Some(gate) = &self.slow_stop {
                    gate.pass();
                    self.journal.note(format!("{name}:post_stop_done"));
                }
            }
            _ => {}
        }
        Effect::from(n)
    }
}

fn system(name: &str) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .default_supervision(minute(10))
        .build()
        .expect("build the system")
}

async fn next(
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

async fn count(system: &ActorSystem, probe: &ActorRef<ProbeMsg>) -> u32 {
    system
        .ask(probe, |reply_to| ProbeMsg::Get { reply_to }, PATIENCE)
        .await
        .expect("ask the count")
        .0
}

/// Rule 9: a timeout T means stop, wait up to T, then kill, reported as a
/// `shutdown_error`; a hook that blocks is cut off at T, and meanwhile
/// another supervisor in the same system restarts a failed child.
///
/// The hook blocks until the test ends (the gate opens last), far past
/// T: the stop must end without it, and the other restart must complete
/// while it still blocks, whichever of the two comes first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_rule_9_a_stop_hook_past_its_shutdown_timeout_is_cut_off_while_supervision_goes_on() {
    const TIMEOUT: Duration = Duration::from_millis(300);
    let system = system("cutoff");
    let journal = Arc::new(Journal::default());
    let gate = Gate::guarded();
    let slow_sup = within("a supervisor", system.supervisor(minute(10)))
        .await
        .expect("supervisor");
    let busy_sup = within("a supervisor", system.supervisor(minute(10)))
        .await
        .expect("supervisor");
    let mut slow = Probe::new("slow", &journal);
    slow.slow_stop = Some(Arc::clone(&gate));
    let slow = within(
        "the spawn",
        slow_sup.spawn(slow.spec().shutdown_timeout(TIMEOUT)),
    )
    .await
    .expect("spawn");
    let other = within(
        "the spawn",
        busy_sup.spawn(Probe::new("other", &journal).spec()),
    )
    .await
    .expect("spawn");
    // One stream per actor: the order of their events does not matter.
    let mut slow_events = system.events();
    let mut other_events = system.events();

    let asked = Instant::now();
    let stopping = {
        let (system, id) = (system.clone(), slow.id().clone());
        tokio::spawn(async move { system.stop(&id).await })
    };
    // The stop hook now blocks (at the gate, which stays closed)...
    gate.held(1).await;
    // ... while the other supervisor restarts a failed child.
    system.tell(&other, ProbeMsg::Fail).expect("tell");
    next(
        &mut other_events,
        "the other child's restart",
        |e| matches!(e, SystemEvent::Restarted { actor, .. } if actor == other.id()),
    )
    .await;
    assert_eq!(
        gate.waiting(),
        1,
        "the other child was restarted while the hook still blocked"
    );
    assert_eq!(count(&system, &other).await, 0, "restarted afresh");
    // The slow hook is cut off at its timeout, reported as a kill, and the
    // stop ends though the hook still blocks: it was not awaited.
    within("the stop to end at the timeout", stopping)
        .await
        .expect("the stop's task")
        .expect("stop");
    assert!(
        asked.elapsed() >= TIMEOUT,
        "cut off after {:?}, before its timeout",
        asked.elapsed()
    );
    next(&mut slow_events, "the slow actor cut off", |e| {
        matches!(e, SystemEvent::Aborted { actor, timeout } if actor == slow.id() && *timeout == TIMEOUT)
    })
    .await;
    assert_eq!(gate.waiting(), 1, "the hook still blocks");
    assert!(!system.is_alive(slow.id()));
    assert_eq!(journal.with_prefix("slow:post_stop"), ["slow:post_stop:0"]);
    gate.open();
    gate.held(0).await;
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// Rule 9: `brutal_kill` kills at once; `terminate` does not run, and the
/// exit is not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_rule_9_brutal_kill_runs_no_stop_hook() {
    let system = system("brutal");
    let journal = Arc::new(Journal::default());
    let probe = system
        .spawn(
            Probe::new("brute", &journal)
                .spec()
                .shutdown(Shutdown::BrutalKill),
        )
        .await
        .expect("spawn");
    let mut events = system.events();
    within("the stop", system.stop(probe.id()))
        .await
        .expect("stop");
    next(
        &mut events,
        "the kill",
        |e| matches!(e, SystemEvent::Killed { actor } if actor == probe.id()),
    )
    .await;
    assert!(!system.is_alive(probe.id()));
    assert!(
        journal.with_prefix("brute:post_stop").is_empty(),
        "{:?}",
        journal.entries()
    );
    // And a graceful stop runs the hook.
    let gentle = system
        .spawn(
            Probe::new("gentle", &journal)
                .spec()
                .shutdown(Shutdown::Infinity),
        )
        .await
        .expect("spawn");
    within("the stop", system.stop(gentle.id()))
        .await
        .expect("stop");
    assert_eq!(
        journal.with_prefix("gentle:post_stop"),
        ["gentle:post_stop:0"]
    );
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// Rule 9 (and `terminate` after an exception): the cleanup hook runs after
/// a crash, with the last good state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_rule_9_the_cleanup_hook_runs_after_a_panic_with_the_last_good_state() {
    let system = system("crash");
    let journal = Arc::new(Journal::default());
    let restarted = system
        .spawn(Probe::new("perm", &journal).spec())
        .await
        .expect("spawn");
    let gone = system
        .spawn(
            Probe::new("temp", &journal)
                .spec()
                .restart_type(RestartType::Temporary),
        )
        .await
        .expect("spawn");
    let mut events = system.events();
    system.tell(&restarted, ProbeMsg::Add(5)).expect("tell");
    system.tell(&restarted, ProbeMsg::Panic).expect("tell");
    next(
        &mut events,
        "the restart",
        |e| matches!(e, SystemEvent::Restarted { actor, .. } if actor == restarted.id()),
    )
    .await;
    assert_eq!(
        journal.with_prefix("perm:pre_restart"),
        ["perm:pre_restart:5"]
    );
    system.tell(&gone, ProbeMsg::Add(7)).expect("tell");
    system.tell(&gone, ProbeMsg::Panic).expect("tell");
    next(
        &mut events,
        "the temporary child's end",
        |e| matches!(e, SystemEvent::Stopped { actor } if actor == gone.id()),
    )
    .await;
    assert_eq!(journal.with_prefix("temp:post_stop"), ["temp:post_stop:7"]);
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// Rules 6 and 7: a supervisor that gives up exits with `shutdown`; a
/// transient parent entry treats it as normal and the subtree stays down,
/// a permanent one restarts it with its children.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_rule_7_a_supervisor_that_gives_up_exits_with_shutdown() {
    let system = system("giveup");
    let journal = Arc::new(Journal::default());
    let zero = SupervisionStrategy::one_for_one(0, Duration::from_secs(60));
    let transient = system
        .start_supervisor(
            SupervisorSpec::new(zero)
                .restart_type(RestartType::Transient)
                .child(Probe::new("t_child", &journal).spec()),
        )
        .await
        .expect("start the transient supervisor");
    let permanent = system
        .start_supervisor(SupervisorSpec::new(zero).child(Probe::new("p_child", &journal).spec()))
        .await
        .expect("start the permanent supervisor");
    let children = |sup: &olivier_runtime::Supervisor| {
        let sup = sup.clone();
        async move { sup.which_children().await.expect("which_children") }
    };
    let t_child: ActorRef<ProbeMsg> = ActorRef::new(children(&transient).await[0].id.clone());
    let p_child: ActorRef<ProbeMsg> = ActorRef::new(children(&permanent).await[0].id.clone());
    let mut events = system.events();

    // Intensity 0: the first failure makes the transient supervisor give up.
    system.tell(&t_child, ProbeMsg::Fail).expect("tell");
    next(&mut events, "the transient supervisor giving up", |e| {
        matches!(e, SystemEvent::SupervisorGaveUp { supervisor, .. } if supervisor == transient.id())
    })
    .await;
    // The permanent one gives up too, and its parent restarts it.
    system.tell(&p_child, ProbeMsg::Fail).expect("tell");
    next(&mut events, "the permanent child started again", |e| {
        matches!(e, SystemEvent::Restarted { actor, reason: RestartReason::SupervisorRestarted { .. } } if actor == p_child.id())
    })
    .await;
    assert_eq!(count(&system, &p_child).await, 0);
    // The transient subtree stayed down: listed at the root, not running.
    let root = system.which_children().await.expect("which_children");
    let entry = root
        .iter()
        .find(|child| &child.id == transient.id())
        .expect("the transient supervisor is still listed");
    assert_eq!(entry.kind, ChildKind::Supervisor);
    assert!(!entry.running, "{entry:?}");
    assert!(
        root.iter()
            .any(|child| &child.id == permanent.id() && child.running)
    );
    assert_eq!(journal.with_prefix("t_child:restart"), Vec::<String>::new());
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// Rule 1: a supervisor's start with its children is all or nothing: when
/// one fails, the started ones stop in reverse order and the start fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_rule_1_a_supervisor_starts_its_children_all_or_nothing() {
    let system = system("allornothing");
    let journal = Arc::new(Journal::default());
    let bad = Probe::new("c", &journal);
    bad.failing_start.store(true, Ordering::SeqCst);
    let started = system
        .start_supervisor(
            SupervisorSpec::new(minute(10))
                .child(Probe::new("a", &journal).spec())
                .child(Probe::new("b", &journal).spec())
                .child(bad.spec()),
        )
        .await;
    assert!(
        matches!(&started, Err(SpawnError::StartFailed { actor, .. }) if actor.name() == "c"),
        "{started:?}"
    );
    assert_eq!(
        journal.entries(),
        [
            "a:start",
            "b:start",
            "c:start_failed",
            "b:post_stop:0",
            "a:post_stop:0"
        ]
    );
    assert!(
        system
            .which_children()
            .await
            .expect("which_children")
            .is_empty()
    );
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// Rule 5 and 8: every failed restart attempt counts toward intensity, and
/// each is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_rule_8_every_failed_restart_attempt_is_reported_and_counted() {
    let system = system("restarts");
    let journal = Arc::new(Journal::default());
    // Transient, so that its giving up ends the test's tree.
    let sup = system
        .start_supervisor(SupervisorSpec::new(minute(3)).restart_type(RestartType::Transient))
        .await
        .expect("supervisor");
    let probe = Probe::new("fragile", &journal);
    let broken = Arc::clone(&probe.broken_init);
    let fragile = sup.spawn(probe.spec()).await.expect("spawn");
    let mut events = system.events();
    broken.store(true, Ordering::SeqCst);
    system.tell(&fragile, ProbeMsg::Fail).expect("tell");
    // The restart and two retries fail (3 restarts allowed), the fourth
    // decision exceeds the intensity.
    let attempts = Arc::new(AtomicU32::new(0));
    loop {
        let event = next(&mut events, "a failed restart or the give-up", |e| {
            matches!(
                e,
                SystemEvent::RestartFailed { .. } | SystemEvent::SupervisorGaveUp { .. }
            )
        })
        .await;
        match event {
            SystemEvent::RestartFailed { actor, error } => {
                assert_eq!(&actor, fragile.id());
                assert!(error.message().contains("init is broken"), "{error}");
                attempts.fetch_add(1, Ordering::SeqCst);
            }
            _ => break,
        }
    }
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// Rule 8: `ignore` from init keeps the child listed, not running, and it
/// is never retried; `restart_child` starts it when asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_rule_8_ignore_keeps_the_child_listed_not_running() {
    let system = system("ignore");
    let journal = Arc::new(Journal::default());
    let sup = system.supervisor(minute(10)).await.expect("supervisor");
    let probe = Probe::new("shy", &journal);
    probe.ignore.store(true, Ordering::SeqCst);
    let shy = sup
        .spawn(probe.spec())
        .await
        .expect("an ignored start is no error");
    assert!(!system.is_alive(shy.id()));
    let listed = sup.which_children().await.expect("which_children");
    assert_eq!(listed.len(), 1);
    assert_eq!(&listed[0].id, shy.id());
    assert!(!listed[0].running);
    assert_eq!(
        journal.entries(),
        ["shy:ignore"],
        "started once, never retried"
    );
    probe.ignore.store(false, Ordering::SeqCst);
    within("the restart", sup.restart_child(shy.id()))
        .await
        .expect("restart_child");
    assert_eq!(count(&system, &shy).await, 0);
    assert!(sup.which_children().await.expect("which_children")[0].running);
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// Rule 4: a transient child that exits normally stays listed, not
/// running, with no restart; `terminate_child` and `restart_child` work on
/// a listed child as OTP's do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_rule_4_transient_children_stay_listed_and_children_can_be_terminated_and_restarted() {
    let system = system("listed");
    let journal = Arc::new(Journal::default());
    let sup = system.supervisor(minute(10)).await.expect("supervisor");
    let done = sup
        .spawn(
            Probe::new("done", &journal)
                .spec()
                .restart_type(RestartType::Transient),
        )
        .await
        .expect("spawn");
    let kept = sup
        .spawn(Probe::new("kept", &journal).spec())
        .await
        .expect("spawn");
    let mut events = system.events();
    system.tell(&done, ProbeMsg::Stop).expect("tell");
    next(
        &mut events,
        "the transient child's stop",
        |e| matches!(e, SystemEvent::Stopped { actor } if actor == done.id()),
    )
    .await;
    let listed = sup.which_children().await.expect("which_children");
    let running: Vec<(&str, bool)> = listed.iter().map(|c| (c.id.name(), c.running)).collect();
    assert_eq!(running, [("done", false), ("kept", true)]);

    system.tell(&kept, ProbeMsg::Add(3)).expect("tell");
    assert_eq!(count(&system, &kept).await, 3);
    within("the termination", sup.terminate_child(kept.id()))
        .await
        .expect("terminate_child");
    assert!(!system.is_alive(kept.id()));
    assert_eq!(journal.with_prefix("kept:post_stop"), ["kept:post_stop:3"]);
    assert_eq!(
        within("the restart", sup.restart_child(done.id())).await,
        Ok(()),
        "a listed transient child starts again"
    );
    assert_eq!(
        within("the restart", sup.restart_child(done.id())).await,
        Err(ChildError::Running {
            child: done.id().clone()
        })
    );
    within("the restart", sup.restart_child(kept.id()))
        .await
        .expect("restart_child");
    assert_eq!(count(&system, &kept).await, 0, "a fresh state");
    let listed = sup.which_children().await.expect("which_children");
    assert!(listed.iter().all(|child| child.running), "{listed:?}");
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// `exit(Pid, kill)`: a killed child runs no hook, and its supervisor sees
/// the reason `killed`, a failure: a transient child comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_a_kill_is_a_failure_exit_without_hooks() {
    let system = system("kill");
    let journal = Arc::new(Journal::default());
    let victim = system
        .spawn(
            Probe::new("victim", &journal)
                .spec()
                .restart_type(RestartType::Transient),
        )
        .await
        .expect("spawn");
    system.tell(&victim, ProbeMsg::Add(2)).expect("tell");
    assert_eq!(count(&system, &victim).await, 2);
    let mut events = system.events();
    within("the kill", system.kill(victim.id()))
        .await
        .expect("kill");
    next(
        &mut events,
        "the restart after the kill",
        |e| matches!(e, SystemEvent::Restarted { actor, .. } if actor == victim.id()),
    )
    .await;
    assert!(journal.with_prefix("victim:post_stop").is_empty());
    assert!(journal.with_prefix("victim:pre_restart").is_empty());
    assert_eq!(count(&system, &victim).await, 0);
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}
