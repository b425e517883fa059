//! Asks fail fast with their real cause: the handler failed, the request was
//! dropped by the mailbox's policy, the target stopped or is unknown. Each
//! ask here has a long timeout, so an ask that waited for it would end as
//! `Timeout` and fail the test.

#[path = "support/behaviors.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use alloy_actors::{
    ActorError, ActorId, ActorRef, ActorSpec, BackpressurePolicy, Behavior, Context, Effect,
    ErrorPolicy, Message, RestartType, SupervisionStrategy,
};
use olivier_runtime::{ActorSystem, AskError, DeadLetterReason, SystemEvent};
use serde::{Deserialize, Serialize};
use support::{Gate, GateGuard, PATIENCE, event, until, within};

/// Far longer than any wait of the test ([`PATIENCE`]): an ask that waited
/// for its timeout instead of failing fast makes the test time out first.
const ASK_TIMEOUT: Duration = Duration::from_secs(3 * PATIENCE.as_secs());

struct Clerk {
    gate: Arc<Gate>,
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
                self.gate.pass();
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

/// A clerk and the guard of the gate its `Stall` waits at (opened however
/// the test ends).
fn clerk() -> (ActorSpec<Clerk>, GateGuard) {
    let gate = Gate::guarded();
    let spec = ActorSpec::new(Clerk {
        gate: Arc::clone(&gate),
    })
    .name("clerk");
    (spec, gate)
}

/// Asks with [`ASK_TIMEOUT`], waiting at most [`PATIENCE`] for the answer:
/// an ask that does not end at once (with its cause) fails the test.
async fn ask(
    system: &ActorSystem,
    clerk: &ActorRef<ClerkMsg>,
    request: impl FnOnce(ActorRef<Echoed>) -> ClerkMsg,
) -> Result<Echoed, AskError> {
    within(
        "the ask's answer, long before its timeout",
        system.ask(clerk, request, ASK_TIMEOUT),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_whose_handler_fails_ends_with_the_failure() {
    let system = system("fail");
    for policy in [
        ErrorPolicy::Escalate,
        ErrorPolicy::Resume,
        ErrorPolicy::Stop,
    ] {
        let (spec, _gate) = clerk();
        // A clerk its policy stops is temporary, so it stays gone.
        let restart = match policy {
            ErrorPolicy::Stop => RestartType::Temporary,
            _ => RestartType::Permanent,
        };
        let spec = spec.error_policy(policy.clone()).restart_type(restart);
        let clerk = within("the spawn", system.spawn(spec))
            .await
            .expect("spawn");
        let mut events = system.events();
        let failed = ask(&system, &clerk, |reply_to| ClerkMsg::Fail { reply_to }).await;
        match failed {
            Err(AskError::HandlerFailed { target, error }) => {
                assert_eq!(&target, clerk.id());
                assert_eq!(error.message(), "the clerk gave up", "{policy:?}");
            }
            other => panic!("{policy:?}: expected HandlerFailed, got {other:?}"),
        }
        if matches!(policy, ErrorPolicy::Stop) {
            // The policy stops the clerk for good: once it is gone (not
            // while it is stopping), a second ask finds nobody.
            event(
                &mut events,
                "the clerk's stop",
                |e| matches!(e, SystemEvent::Stopped { actor } if actor == clerk.id()),
            )
            .await;
        }
        let panicked = ask(&system, &clerk, |reply_to| ClerkMsg::Panic { reply_to }).await;
        match (&policy, panicked) {
            (ErrorPolicy::Stop, Err(AskError::UnknownActor { target })) => {
                assert_eq!(&target, clerk.id());
            }
            (
                ErrorPolicy::Escalate | ErrorPolicy::Resume,
                Err(AskError::HandlerFailed { target, error }),
            ) => {
                assert_eq!(&target, clerk.id());
                assert!(error.message().contains("the clerk panicked"), "{error}");
            }
            (_, other) => panic!("{policy:?}: unexpected answer {other:?}"),
        }
    }
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_dropped_by_a_full_mailbox_ends_with_the_policy() {
    let system = system("drop");
    for (policy, evicts) in [
        (BackpressurePolicy::DropNewest(1), false),
        (BackpressurePolicy::DropOldest(1), true),
    ] {
        let (spec, gate) = clerk();
        let clerk = within("the spawn", system.spawn(spec.backpressure(policy)))
            .await
            .expect("spawn");
        system.tell(&clerk, ClerkMsg::Stall).expect("tell");
        gate.held(1).await;
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
            until("the request to be queued", || {
                system.mailbox_depth(clerk.id()) == Some(1)
            })
            .await;
            system.tell(&clerk, ClerkMsg::Noise).expect("tell");
        }
        let answer = within("the ask to end when its request was dropped", asked)
            .await
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
        gate.open();
    }
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

/// The ask's timeout ([`ASK_TIMEOUT`]) is three times the longest the test
/// waits for its answer ([`PATIENCE`]): an ask that waited its timeout out
/// instead of failing when its target stopped fails the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_to_an_actor_that_stops_or_never_was_ends_at_once() {
    let system = system("stops");
    let (spec, gate) = clerk();
    let clerk = within("the spawn", system.spawn(spec))
        .await
        .expect("spawn");
    system.tell(&clerk, ClerkMsg::Stall).expect("tell");
    gate.held(1).await;
    let asked = {
        let system = system.clone();
        let clerk = clerk.clone();
        tokio::spawn(async move {
            system
                .ask(&clerk, |reply_to| ClerkMsg::Echo { reply_to }, ASK_TIMEOUT)
                .await
        })
    };
    until("the request to be queued", || {
        system.mailbox_depth(clerk.id()) == Some(1)
    })
    .await;
    // Stop the clerk with the request still queued: once the stop request
    // is in its mailbox (it overtakes the queued ask), the stall ends.
    let mut events = system.events();
    let stopping = {
        let system = system.clone();
        let id = clerk.id().clone();
        tokio::spawn(async move { system.stop(&id).await })
    };
    event(
        &mut events,
        "the clerk's stop request",
        |e| matches!(e, SystemEvent::Stopping { actor } if actor == clerk.id()),
    )
    .await;
    gate.open();
    let answer = within(
        "the ask to end when its target stopped, long before its timeout",
        asked,
    )
    .await
    .expect("the ask's task");
    match answer {
        Err(AskError::ActorStopped { target }) => assert_eq!(&target, clerk.id()),
        other => panic!("expected ActorStopped, got {other:?}"),
    }
    within("the stop", stopping)
        .await
        .expect("the stop's task")
        .expect("stop");

    let nobody: ActorRef<ClerkMsg> = ActorRef::new(ActorId::new("stops/nobody", 1).expect("an id"));
    match ask(&system, &nobody, |reply_to| ClerkMsg::Echo { reply_to }).await {
        Err(AskError::UnknownActor { target }) => assert_eq!(&target, nobody.id()),
        other => panic!("expected UnknownActor, got {other:?}"),
    }
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_that_succeeds_is_unaffected() {
    let system = system("fine");
    let (spec, _gate) = clerk();
    let clerk = within("the spawn", system.spawn(spec))
        .await
        .expect("spawn");
    for n in 1..=3 {
        let answer = ask(&system, &clerk, |reply_to| ClerkMsg::Echo { reply_to }).await;
        assert_eq!(answer, Ok(Echoed(n)));
    }
    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}
