//! Asks fail fast with their real cause: the handler failed, the request was
//! dropped by the mailbox's policy, the target stopped or is unknown. Each
//! ask here has a long timeout, so an ask that waited for it would end as
//! `Timeout` and fail the test.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use alloy_actors::{
    ActorError, ActorId, ActorRef, ActorSpec, BackpressurePolicy, Behavior, Context, Effect,
    ErrorPolicy, Message, SupervisionStrategy,
};
use olivier_runtime::{ActorSystem, AskError, DeadLetterReason, SystemEvent};
use serde::{Deserialize, Serialize};

/// Long enough that no ask here may legitimately reach it.
const ASK_TIMEOUT: Duration = Duration::from_secs(60);

/// A latch the stalling handler waits on; opened on drop, so a failing test
/// never leaves a worker blocked.
#[derive(Default)]
struct Latch {
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

impl Latch {
    /// Called by the handler: says it is stalled, waits until opened.
    fn stall(&self) {
        let mut state = self.state.lock().expect("latch");
        state.0 = true;
        self.changed.notify_all();
        while !state.1 {
            state = self.changed.wait(state).expect("latch");
        }
    }

    /// Waits (off the async workers) until the handler stalls.
    async fn stalled(self: &Arc<Self>) {
        let latch = Arc::clone(self);
        let waited = tokio::time::timeout(
            Duration::from_secs(20),
            tokio::task::spawn_blocking(move || {
                let mut state = latch.state.lock().expect("latch");
                while !state.0 {
                    state = latch.changed.wait(state).expect("latch");
                }
            }),
        )
        .await;
        assert!(waited.is_ok(), "the handler never stalled");
    }

    fn open(&self) {
        self.state.lock().expect("latch").1 = true;
        self.changed.notify_all();
    }
}

/// Opens the latch however the test ends.
struct OpenOnDrop(Arc<Latch>);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.open();
    }
}

struct Clerk {
    latch: Arc<Latch>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ClerkMsg {
    Echo { reply_to: ActorRef<Echoed> },
    Fail { reply_to: ActorRef<Echoed> },
    Panic { reply_to: ActorRef<Echoed> },
    Stall,
    Noise,
}

impl Message for ClerkMsg {
    const TYPE_NAME: &'static str = "tests.ask.ClerkMsg";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Echoed(u32);

impl Message for Echoed {
    const TYPE_NAME: &'static str = "tests.ask.Echoed";
}

impl Behavior for Clerk {
    type State = u32;
    type Message = ClerkMsg;

    fn init(&self) -> u32 {
        0
    }

    fn receive(&self, _ctx: &Context<ClerkMsg>, n: u32, msg: ClerkMsg) -> Effect<u32> {
        match msg {
            ClerkMsg::Echo { reply_to } => Effect::from(n + 1).tell(&reply_to, Echoed(n + 1)),
            // The reply is bound before the failure, and dropped with it.
            ClerkMsg::Fail { reply_to } => Effect::from(n)
                .tell(&reply_to, Echoed(n))
                .escalate(ActorError::msg("the clerk gave up")),
            ClerkMsg::Panic { .. } => panic!("the clerk panicked"),
            ClerkMsg::Stall => {
                self.latch.stall();
                Effect::from(n)
            }
            ClerkMsg::Noise => Effect::from(n),
        }
    }
}

fn system(name: &str) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .default_supervision(SupervisionStrategy::one_for_one(
            100,
            Duration::from_secs(60),
        ))
        .build()
        .expect("build the system")
}

fn clerk() -> (ActorSpec<Clerk>, Arc<Latch>) {
    let latch = Arc::new(Latch::default());
    let spec = ActorSpec::new(Clerk {
        latch: Arc::clone(&latch),
    })
    .name("clerk");
    (spec, latch)
}

async fn ask(
    system: &ActorSystem,
    clerk: &ActorRef<ClerkMsg>,
    request: impl FnOnce(ActorRef<Echoed>) -> ClerkMsg,
) -> Result<Echoed, AskError> {
    system.ask(clerk, request, ASK_TIMEOUT).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_whose_handler_fails_ends_with_the_failure() {
    let system = system("fail");
    for policy in [
        ErrorPolicy::Escalate,
        ErrorPolicy::Resume,
        ErrorPolicy::Stop,
    ] {
        let (spec, _latch) = clerk();
        let clerk = system
            .spawn(spec.error_policy(policy.clone()))
            .await
            .expect("spawn");
        let failed = ask(&system, &clerk, |reply_to| ClerkMsg::Fail { reply_to }).await;
        match failed {
            Err(AskError::HandlerFailed { target, error }) => {
                assert_eq!(&target, clerk.id());
                assert_eq!(error.message(), "the clerk gave up", "{policy:?}");
            }
            other => panic!("{policy:?}: expected HandlerFailed, got {other:?}"),
        }
        let panicked = ask(&system, &clerk, |reply_to| ClerkMsg::Panic { reply_to }).await;
        match (&policy, panicked) {
            (_, Err(AskError::HandlerFailed { error, .. })) => {
                assert!(error.message().contains("the clerk panicked"), "{error}");
            }
            // A clerk stopped by its policy is gone for the second ask.
            (ErrorPolicy::Stop, Err(AskError::UnknownActor { .. })) => {}
            (_, other) => panic!("{policy:?}: expected HandlerFailed, got {other:?}"),
        }
    }
    system.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_dropped_by_a_full_mailbox_ends_with_the_policy() {
    let system = system("drop");
    for (policy, evicts) in [
        (BackpressurePolicy::DropNewest(1), false),
        (BackpressurePolicy::DropOldest(1), true),
    ] {
        let (spec, latch) = clerk();
        let _open = OpenOnDrop(Arc::clone(&latch));
        let clerk = system
            .spawn(spec.backpressure(policy))
            .await
            .expect("spawn");
        system.tell(&clerk, ClerkMsg::Stall).expect("tell");
        latch.stalled().await;
        if !evicts {
            // The one place is taken: the ask's request is the newest, dropped.
            system.tell(&clerk, ClerkMsg::Noise).expect("tell");
        }
        let asked = {
            let system = system.clone();
            let clerk = clerk.clone();
            tokio::spawn(async move {
                ask(&system, &clerk, |reply_to| ClerkMsg::Echo { reply_to }).await
            })
        };
        if evicts {
            // Wait until the request is queued, then push it out.
            while system.mailbox_depth(clerk.id()) != Some(1) {
                tokio::task::yield_now().await;
            }
            system.tell(&clerk, ClerkMsg::Noise).expect("tell");
        }
        let answer = tokio::time::timeout(Duration::from_secs(20), asked)
            .await
            .expect("the ask did not end when its request was dropped")
            .expect("the ask's task");
        let expected = if evicts {
            DeadLetterReason::EvictedOldest { capacity: 1 }
        } else {
            DeadLetterReason::DroppedNewest { capacity: 1 }
        };
        match answer {
            Err(AskError::Dropped { target, reason }) => {
                assert_eq!(&target, clerk.id());
                assert_eq!(reason, expected);
            }
            other => panic!("{policy:?}: expected Dropped, got {other:?}"),
        }
        latch.open();
    }
    system.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_to_an_actor_that_stops_or_never_was_ends_at_once() {
    let system = system("stops");
    let (spec, latch) = clerk();
    let _open = OpenOnDrop(Arc::clone(&latch));
    let clerk = system.spawn(spec).await.expect("spawn");
    system.tell(&clerk, ClerkMsg::Stall).expect("tell");
    latch.stalled().await;
    let asked = {
        let system = system.clone();
        let clerk = clerk.clone();
        tokio::spawn(
            async move { ask(&system, &clerk, |reply_to| ClerkMsg::Echo { reply_to }).await },
        )
    };
    while system.mailbox_depth(clerk.id()) != Some(1) {
        tokio::task::yield_now().await;
    }
    // Stop the clerk with the request still queued: once the stop request
    // is in its mailbox (it overtakes the queued ask), the stall ends.
    let mut events = system.events();
    let stopping = {
        let system = system.clone();
        let id = clerk.id().clone();
        tokio::spawn(async move { system.stop(&id).await })
    };
    let asked_to_stop = tokio::time::timeout(
        Duration::from_secs(20),
        events.wait_for(
            |event| matches!(event, SystemEvent::Stopping { actor } if actor == clerk.id()),
        ),
    )
    .await;
    assert!(
        matches!(asked_to_stop, Ok(Some(_))),
        "the clerk was not asked to stop"
    );
    latch.open();
    let answer = tokio::time::timeout(Duration::from_secs(20), asked)
        .await
        .expect("the ask did not end when its target stopped")
        .expect("the ask's task");
    assert!(
        matches!(answer, Err(AskError::ActorStopped { .. })),
        "{answer:?}"
    );
    stopping.await.expect("the stop's task").expect("stop");

    let nobody: ActorRef<ClerkMsg> = ActorRef::new(ActorId::new("stops/nobody", 1).expect("an id"));
    let answer = ask(&system, &nobody, |reply_to| ClerkMsg::Echo { reply_to }).await;
    assert!(
        matches!(answer, Err(AskError::UnknownActor { .. })),
        "{answer:?}"
    );
    system.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_that_succeeds_is_unaffected() {
    let system = system("fine");
    let (spec, _latch) = clerk();
    let clerk = system.spawn(spec).await.expect("spawn");
    for n in 1..=3 {
        let answer = ask(&system, &clerk, |reply_to| ClerkMsg::Echo { reply_to }).await;
        assert_eq!(answer, Ok(Echoed(n)));
    }
    system.shutdown().await.expect("shutdown");
}
