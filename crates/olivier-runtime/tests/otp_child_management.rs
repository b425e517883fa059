//! Managing a supervisor's children as OTP does, and the edges of it: a
//! child deleted, a manual restart that fails, a `PostRestart` that keeps
//! asking for restarts, a restarted supervisor's temporary children, a
//! subtree left down, and the timers of a hook that was cut off. Every wait
//! is on an event or an answer, bounded; blocked hooks are released when a
//! test ends, so a failing test fails instead of hanging.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use alloy_actors::{
    ActorError, ActorRef, ActorSpec, Behavior, Context, Effect, LifecycleEvent, Message,
    RestartType, Shutdown, SupervisionStrategy,
};
use olivier_runtime::{
    ActorSystem, AskError, ChildError, Events, SupervisorSpec, SystemEvent, TellError,
};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

const PATIENCE: Duration = Duration::from_secs(20);

fn within(max_restarts: u32) -> SupervisionStrategy {
    SupervisionStrategy::one_for_one(max_restarts, Duration::from_secs(60))
}

fn system(name: &str) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .default_supervision(within(10))
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

/// A gate a handler or hook blocks on; opened by the test or when the
/// test ends.
#[derive(Default)]
struct Gate {
    /// (someone waits, open)
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut state = self.state.lock().expect("gate");
        state.0 = true;
        self.changed.notify_all();
        while !state.1 {
            state = self.changed.wait(state).expect("gate");
        }
    }

    /// Blocks until someone waits at the gate (at most `PATIENCE`).
    fn entered(&self) -> bool {
        let state = self.state.lock().expect("gate");
        let (state, _) = self
            .changed
            .wait_timeout_while(state, PATIENCE, |state| !state.0)
            .expect("gate");
        state.0
    }

    fn open(&self) {
        self.state.lock().expect("gate").1 = true;
        self.changed.notify_all();
    }
}

struct OpenOnDrop(Arc<Gate>);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.open();
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Msg {
    Get {
        reply_to: ActorRef<Count>,
    },
    /// Answers only once the behavior's gate opens.
    Slow {
        reply_to: ActorRef<Count>,
    },
    Fail,
    /// Schedules `Note(text)` to `to` after `delay_ms`.
    Remind {
        to: ActorRef<Note>,
        delay_ms: u64,
        text: String,
    },
}

impl Message for Msg {
    const TYPE_NAME: &'static str = "tests.children.Msg";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Count(u32);

impl Message for Count {
    const TYPE_NAME: &'static str = "tests.children.Count";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note(String);

impl Message for Note {
    const TYPE_NAME: &'static str = "tests.children.Note";
}

/// A child that counts its starts; its hooks misbehave when told to.
#[derive(Clone, Default)]
struct Child {
    /// `init` panics while set.
    broken_init: Arc<AtomicBool>,
    /// `PostRestart` asks for another restart while set.
    restless: Arc<AtomicBool>,
    /// `PreRestart` blocks on it, when set.
    slow_pre_restart: Option<Arc<Gate>>,
    /// `Slow` blocks on it.
    slow_answer: Option<Arc<Gate>>,
}

impl Behavior for Child {
    type State = u32;
    type Message = Msg;

    fn init(&self) -> u32 {
        assert!(!self.broken_init.load(Ordering::SeqCst), "init is broken");
        0
    }

    fn receive(&self, _ctx: &Context<Msg>, n: u32, msg: Msg) -> Effect<u32> {
        match msg {
            Msg::Get { reply_to } => Effect::from(n).tell(&reply_to, Count(n)),
            Msg::Slow { reply_to } => {
                if let Some(gate) = &self.slow_answer {
                    gate.wait();
                }
                Effect::from(n).tell(&reply_to, Count(n))
            }
            Msg::Fail => Effect::from(n).escalate(ActorError::msg("told to fail")),
            Msg::Remind { to, delay_ms, text } => {
                Effect::from(n).schedule_once(Duration::from_millis(delay_ms), &to, Note(text))
            }
        }
    }

    fn lifecycle(&self, _ctx: &Context<Msg>, n: u32, event: LifecycleEvent) -> Effect<u32> {
        match event {
            LifecycleEvent::PostRestart if self.restless.load(Ordering::SeqCst) => {
                Effect::from(n).restart()
            }
            LifecycleEvent::PreRestart { .. } => {
                if let Some(gate) = &self.slow_pre_restart {
                    gate.wait();
                }
                Effect::from(n)
            }
            _ => Effect::from(n),
        }
    }
}

/// Forwards every note it receives to the test.
struct Collector(mpsc::UnboundedSender<String>);

impl Behavior for Collector {
    type State = ();
    type Message = Note;

    fn init(&self) {}

    fn receive(&self, _ctx: &Context<Note>, (): (), Note(text): Note) -> Effect<()> {
        let _ = self.0.send(text);
        Effect::from(())
    }
}

async fn count(system: &ActorSystem, child: &ActorRef<Msg>) -> u32 {
    system
        .ask(child, |reply_to| Msg::Get { reply_to }, PATIENCE)
        .await
        .expect("ask the count")
        .0
}

/// `delete_child`: only a listed child that is not running can be deleted;
/// it is then no longer listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_delete_child_removes_a_listed_child_that_is_not_running() {
    let system = system("delete");
    let sup = system.supervisor(within(10)).await.expect("supervisor");
    let child = sup
        .spawn(ActorSpec::new(Child::default()).name("listed"))
        .await
        .expect("spawn");
    assert_eq!(
        sup.delete_child(child.id()).await,
        Err(ChildError::Running {
            child: child.id().clone()
        })
    );
    sup.terminate_child(child.id()).await.expect("terminate");
    assert_eq!(sup.which_children().await.expect("listed").len(), 1);
    sup.delete_child(child.id()).await.expect("delete");
    assert!(sup.which_children().await.expect("listed").is_empty());
    assert_eq!(
        sup.delete_child(child.id()).await,
        Err(ChildError::NotFound {
            child: child.id().clone()
        })
    );
    assert_eq!(
        sup.restart_child(child.id()).await,
        Err(ChildError::NotFound {
            child: child.id().clone()
        }),
        "a deleted child cannot be restarted"
    );
    system.shutdown().await.expect("shutdown");
}

/// A `restart_child` whose start fails leaves the child listed and not
/// running: not registered, its mailbox taking nothing, the failed
/// attempt reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_a_failed_restart_child_leaves_the_child_not_running() {
    let system = system("manual");
    let sup = system.supervisor(within(10)).await.expect("supervisor");
    let behavior = Child::default();
    let broken = Arc::clone(&behavior.broken_init);
    let child = sup
        .spawn(ActorSpec::new(behavior).name("fragile"))
        .await
        .expect("spawn");
    sup.terminate_child(child.id()).await.expect("terminate");
    broken.store(true, Ordering::SeqCst);
    let mut events = system.events();
    let failed = sup.restart_child(child.id()).await;
    assert!(
        matches!(&failed, Err(ChildError::StartFailed { child: id, .. }) if id == child.id()),
        "{failed:?}"
    );
    next(
        &mut events,
        "the failed attempt",
        |e| matches!(e, SystemEvent::RestartFailed { actor, .. } if actor == child.id()),
    )
    .await;
    assert!(!system.is_alive(child.id()));
    assert!(
        matches!(
            system.tell(&child, Msg::Fail),
            Err(TellError::UnknownActor { .. })
        ),
        "a child that is not running takes no message"
    );
    let listed = sup.which_children().await.expect("listed");
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].running);
    broken.store(false, Ordering::SeqCst);
    sup.restart_child(child.id()).await.expect("restart");
    assert_eq!(count(&system, &child).await, 0);
    system.shutdown().await.expect("shutdown");
}

/// A `PostRestart` that asks for a restart every time counts as a failed
/// restart each time, so the restart intensity ends the loop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_a_post_restart_that_always_asks_for_a_restart_is_bounded_by_intensity() {
    let system = system("restless");
    let sup = system
        .start_supervisor(SupervisorSpec::new(within(3)).restart_type(RestartType::Temporary))
        .await
        .expect("supervisor");
    let behavior = Child::default();
    behavior.restless.store(true, Ordering::SeqCst);
    let child = sup
        .spawn(ActorSpec::new(behavior).name("restless"))
        .await
        .expect("spawn");
    let mut events = system.events();
    system.tell(&child, Msg::Fail).expect("tell");
    next(
        &mut events,
        "the supervisor giving up",
        |e| matches!(e, SystemEvent::SupervisorGaveUp { supervisor, .. } if supervisor == sup.id()),
    )
    .await;
    system.shutdown().await.expect("shutdown");
}

/// A supervisor restarted by its own supervisor starts its permanent
/// children again; a temporary child is never restarted, not even then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_a_restarted_supervisor_does_not_start_its_temporary_children_again() {
    let system = system("temporary");
    let outer = system.supervisor(within(10)).await.expect("outer");
    // Gives up at the first failure, so the outer one restarts it.
    let inner = outer.supervisor(within(0)).await.expect("inner");
    let kept = inner
        .spawn(ActorSpec::new(Child::default()).name("kept"))
        .await
        .expect("spawn");
    let passing = inner
        .spawn(
            ActorSpec::new(Child::default())
                .name("passing")
                .restart_type(RestartType::Temporary),
        )
        .await
        .expect("spawn");
    let mut events = system.events();
    system.tell(&kept, Msg::Fail).expect("tell");
    next(&mut events, "the inner supervisor giving up", |e| {
        matches!(e, SystemEvent::SupervisorGaveUp { supervisor, .. } if supervisor == inner.id())
    })
    .await;
    next(
        &mut events,
        "the kept child's restart",
        |e| matches!(e, SystemEvent::Restarted { actor, .. } if actor == kept.id()),
    )
    .await;
    assert_eq!(count(&system, &kept).await, 0);
    let listed = inner.which_children().await.expect("listed");
    let ids: Vec<_> = listed.iter().map(|child| child.id.clone()).collect();
    assert_eq!(ids, [kept.id().clone()], "the temporary child is gone");
    assert!(!system.is_alive(passing.id()));
    system.shutdown().await.expect("shutdown");
}

/// A supervisor that gives up under a transient entry stays down with its
/// subtree (its exit is `shutdown`); the subtree's actors take no message
/// meanwhile: a send is refused and counted, not queued for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_a_subtree_left_down_takes_no_messages() {
    let system = system("parked");
    let sup = system
        .start_supervisor(SupervisorSpec::new(within(0)).restart_type(RestartType::Transient))
        .await
        .expect("supervisor");
    let failing = sup
        .spawn(ActorSpec::new(Child::default()).name("failing"))
        .await
        .expect("spawn");
    let sibling = sup
        .spawn(ActorSpec::new(Child::default()).name("sibling"))
        .await
        .expect("spawn");
    let mut events = system.events();
    system.tell(&failing, Msg::Fail).expect("tell");
    // Its children are stopped first, then it gives up.
    next(
        &mut events,
        "the sibling's stop",
        |e| matches!(e, SystemEvent::Stopped { actor } if actor == sibling.id()),
    )
    .await;
    next(
        &mut events,
        "the supervisor giving up",
        |e| matches!(e, SystemEvent::SupervisorGaveUp { supervisor, .. } if supervisor == sup.id()),
    )
    .await;
    let before = system.dead_letter_count();
    let refused = system.tell(&sibling, Msg::Fail);
    assert!(
        refused.is_err(),
        "a parked actor took a message: {refused:?}"
    );
    assert_eq!(system.dead_letter_count(), before + 1, "counted");
    assert_eq!(system.mailbox_depth(sibling.id()), None);
    system.shutdown().await.expect("shutdown");
}

/// A `PreRestart` that runs past the shutdown timeout is cut off, and the
/// timers its incarnation had set are cancelled with it: an earlier
/// reminder never arrives, while a later one set by another actor does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_a_cut_off_hook_takes_its_timers_along() {
    let system = system("timers");
    let gate = Arc::new(Gate::default());
    let _release = OpenOnDrop(Arc::clone(&gate));
    let (notes, mut received) = mpsc::unbounded_channel();
    let collector = system
        .spawn(ActorSpec::new(Collector(notes)).name("collector"))
        .await
        .expect("collector");
    let slow = Child {
        slow_pre_restart: Some(Arc::clone(&gate)),
        ..Child::default()
    };
    let doomed = system
        .spawn(
            ActorSpec::new(slow)
                .name("doomed")
                .shutdown(Shutdown::Timeout(Duration::from_millis(100))),
        )
        .await
        .expect("spawn");
    let witness = system
        .spawn(ActorSpec::new(Child::default()).name("witness"))
        .await
        .expect("spawn");
    let mut events = system.events();
    let remind = |delay_ms, text: &str| Msg::Remind {
        to: collector.clone(),
        delay_ms,
        text: text.to_owned(),
    };
    system
        .tell(&doomed, remind(1500, "from the killed incarnation"))
        .expect("tell");
    system.tell(&doomed, Msg::Fail).expect("tell");
    next(
        &mut events,
        "the hook cut off",
        |e| matches!(e, SystemEvent::Aborted { actor, .. } if actor == doomed.id()),
    )
    .await;
    // Set after the doomed one, due later: timers fire in deadline order.
    system
        .tell(&witness, remind(2500, "from the witness"))
        .expect("tell");
    let first = tokio::time::timeout(PATIENCE, received.recv())
        .await
        .expect("a reminder in time")
        .expect("the collector runs");
    assert_eq!(first, "from the witness");
    gate.open();
    system.shutdown().await.expect("shutdown");
}

/// An ask whose request was being handled when its actor was killed ends
/// with `ActorStopped` once the killed handler returns, not at its timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_an_ask_in_flight_to_a_killed_actor_fails_fast() {
    let system = system("killed");
    let gate = Arc::new(Gate::default());
    let _release = OpenOnDrop(Arc::clone(&gate));
    let slow = Child {
        slow_answer: Some(Arc::clone(&gate)),
        ..Child::default()
    };
    let target = system
        .spawn(ActorSpec::new(slow).name("slow"))
        .await
        .expect("spawn");
    let asking = {
        let (system, target) = (system.clone(), target.clone());
        // Far longer than the test waits: only a fast failure ends it in time.
        tokio::spawn(async move {
            system
                .ask(&target, |reply_to| Msg::Slow { reply_to }, 10 * PATIENCE)
                .await
        })
    };
    let waiting = Arc::clone(&gate);
    let entered = tokio::task::spawn_blocking(move || waiting.entered())
        .await
        .expect("the gate");
    assert!(entered, "the handler never started");
    let mut events = system.events();
    system.kill(target.id()).await.expect("kill");
    next(
        &mut events,
        "the restart after the kill",
        |e| matches!(e, SystemEvent::Restarted { actor, .. } if actor == target.id()),
    )
    .await;
    gate.open();
    let answer = tokio::time::timeout(PATIENCE, asking)
        .await
        .expect("the ask ended in time")
        .expect("the asking task");
    assert!(
        matches!(answer, Err(AskError::ActorStopped { .. })),
        "{answer:?}"
    );
    system.shutdown().await.expect("shutdown");
}
