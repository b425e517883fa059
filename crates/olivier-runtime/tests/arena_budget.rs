//! The per-actor arena wired into a running system: this binary installs
//! `ArenaAlloc`, so the most a behavior holds while it handles a message
//! (allocations minus frees, at their peak) is charged to its actor's
//! budget. Over the budget, the message fails and
//! supervision (or the error policy) takes over; a restarted actor starts
//! afresh; a durable state that does not fit the budget is not committed;
//! the arenas' bytes are exported.

#[path = "support/behaviors.rs"]
mod support;

use std::time::Duration;

use alloy_actors::{
    ActorRef, ActorSpec, ActorState, Behavior, Capabilities, Capability, Context, Effect,
    ErrorPolicy, Message,
};
use olivier_runtime::{ActorSystem, ArenaAlloc, ArenaBudget, Persistence, StateStore, SystemEvent};
use serde::{Deserialize, Serialize};
use support::event;

#[global_allocator]
static GLOBAL: ArenaAlloc = ArenaAlloc::new();

const PATIENCE: Duration = Duration::from_secs(10);

/// Keeps the bytes it is told to grow by.
#[derive(Debug, Clone, Copy)]
struct Hoarder;

#[derive(Debug, Clone, Serialize, Deserialize)]
enum HoarderMsg {
    /// Grow the state by this many bytes.
    Grow(usize),
    /// Build and drop a temporary buffer of `bytes`, `rounds` times, then
    /// grow the state by one byte.
    Churn { rounds: usize, bytes: usize },
    /// Answer the state's length.
    Len { reply_to: ActorRef<Held> },
}

impl Message for HoarderMsg {
    const TYPE_NAME: &'static str = "test.HoarderMsg";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Held(usize);

impl Message for Held {
    const TYPE_NAME: &'static str = "test.Held";
}

impl Behavior for Hoarder {
    type State = Vec<u8>;
    type Message = HoarderMsg;

    fn init(&self) -> Vec<u8> {
        Vec::new()
    }

    fn receive(
        &self,
        _ctx: &Context<HoarderMsg>,
        mut held: Vec<u8>,
        msg: HoarderMsg,
    ) -> Effect<Vec<u8>> {
        match msg {
            HoarderMsg::Grow(bytes) => {
                held.resize(held.len() + bytes, 7);
                Effect::from(held)
            }
            HoarderMsg::Churn { rounds, bytes } => {
                for _ in 0..rounds {
                    drop(std::hint::black_box(vec![1u8; bytes]));
                }
                held.push(1);
                Effect::from(held)
            }
            HoarderMsg::Len { reply_to } => {
                let len = held.len();
                Effect::from(held).tell(&reply_to, Held(len))
            }
        }
    }
}

async fn held(system: &ActorSystem, hoarder: &ActorRef<HoarderMsg>) -> usize {
    system
        .ask(hoarder, |reply_to| HoarderMsg::Len { reply_to }, PATIENCE)
        .await
        .expect("the hoarder answers")
        .0
}

fn system(name: &str) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .arena_budget(ArenaBudget::kib(64))
        .build()
        .expect("a system")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocating_past_the_budget_fails_the_message_and_the_supervisor_restarts_afresh() {
    let system = system("arena");
    let hoarder = system
        .spawn(ActorSpec::new(Hoarder).name("hoarder"))
        .await
        .expect("spawn");
    system.tell(&hoarder, HoarderMsg::Grow(1000)).expect("tell");
    assert_eq!(held(&system, &hoarder).await, 1000);

    let mut events = system.events();
    system
        .tell(&hoarder, HoarderMsg::Grow(200_000))
        .expect("tell");
    let failed = event(&mut events, "the failure", |e| {
        matches!(e, SystemEvent::Failed { .. })
    })
    .await;
    let SystemEvent::Failed { actor, error } = failed else {
        unreachable!("matched above")
    };
    assert_eq!(&actor, hoarder.id());
    assert!(
        error.to_string().contains("budget"),
        "the failure names the budget: {error}"
    );
    event(
        &mut events,
        "the restart",
        |e| matches!(e, SystemEvent::Restarted { actor, .. } if actor == hoarder.id()),
    )
    .await;
    assert_eq!(held(&system, &hoarder).await, 0, "a restart starts afresh");
    // The restarted actor works within its budget again.
    system.tell(&hoarder, HoarderMsg::Grow(500)).expect("tell");
    assert_eq!(held(&system, &hoarder).await, 500);
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_limits_what_a_handler_holds_not_what_it_ever_allocated() {
    // 64 KiB budget. 100 rounds of a 10 kB temporary allocate a megabyte
    // but hold 10 kB at a time: within the budget. One 100 kB temporary,
    // dropped before the handler returns, held 100 kB: over it.
    let system = system("arena-peak");
    let hoarder = system
        .spawn(
            ActorSpec::new(Hoarder)
                .name("hoarder")
                .error_policy(ErrorPolicy::Resume),
        )
        .await
        .expect("spawn");
    let mut events = system.events();
    for _ in 0..3 {
        system
            .tell(
                &hoarder,
                HoarderMsg::Churn {
                    rounds: 100,
                    bytes: 10_000,
                },
            )
            .expect("tell");
    }
    assert_eq!(held(&system, &hoarder).await, 3, "every churn was kept");
    system
        .tell(
            &hoarder,
            HoarderMsg::Churn {
                rounds: 1,
                bytes: 100_000,
            },
        )
        .expect("tell");
    let failed = event(&mut events, "the over-budget peak", |e| {
        matches!(e, SystemEvent::Failed { .. })
    })
    .await;
    let SystemEvent::Failed { error, .. } = failed else {
        unreachable!("matched above")
    };
    // The peak is counted from where the handler started, after the
    // consumed message was freed: a little under 100 kB.
    let text = error.to_string();
    let peak: usize = text
        .split(" bytes requested")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("the failure names the peak: {text}"));
    assert!((99_000..=100_500).contains(&peak), "{text}");
    assert_eq!(
        held(&system, &hoarder).await,
        3,
        "resumed with the state from before"
    );
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_drops_the_over_budget_message_and_keeps_the_state_from_before() {
    let system = system("arena-resume");
    let hoarder = system
        .spawn(
            ActorSpec::new(Hoarder)
                .name("hoarder")
                .error_policy(ErrorPolicy::Resume),
        )
        .await
        .expect("spawn");
    system.tell(&hoarder, HoarderMsg::Grow(100)).expect("tell");
    system
        .tell(&hoarder, HoarderMsg::Grow(1 << 20))
        .expect("tell");
    system.tell(&hoarder, HoarderMsg::Grow(10)).expect("tell");
    assert_eq!(held(&system, &hoarder).await, 110);
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_can_have_its_own_budget() {
    let system = ActorSystem::builder()
        .name("arena-paths")
        .arena_budget(ArenaBudget::kib(4))
        .arena_budget_for("arena-paths/big", ArenaBudget::mib(4))
        .build()
        .expect("a system");
    let big = system
        .spawn(
            ActorSpec::new(Hoarder)
                .name("big")
                .error_policy(ErrorPolicy::Resume),
        )
        .await
        .expect("spawn");
    let small = system
        .spawn(
            ActorSpec::new(Hoarder)
                .name("small")
                .error_policy(ErrorPolicy::Resume),
        )
        .await
        .expect("spawn");
    for hoarder in [&big, &small] {
        system
            .tell(hoarder, HoarderMsg::Grow(100_000))
            .expect("tell");
    }
    assert_eq!(held(&system, &big).await, 100_000);
    assert_eq!(held(&system, &small).await, 0);
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_state_larger_than_the_budget_is_not_committed() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("olivier-arena-durable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test folder");
    let store = StateStore::open(dir.join("state.redb")).expect("open the store");
    let system = ActorSystem::builder()
        .name("arena-durable")
        .persistence(Persistence::durable(store.clone()).actor("arena-durable/hoarder"))
        // The behavior's own allocations are not what is tested here.
        .arena_budget(ArenaBudget::mib(8))
        .arena_budget_for("arena-durable/hoarder", ArenaBudget::mib(1))
        .build()
        .expect("a system");
    let spec = ActorSpec::new(Hoarder)
        .name("hoarder")
        .capabilities(Capabilities::default().with(Capability::Persist))
        .error_policy(ErrorPolicy::Resume);
    let hoarder = system.spawn(spec).await.expect("spawn");
    // 600 kB: charged and encoded within the 1 MiB budget, committed.
    system
        .tell(&hoarder, HoarderMsg::Grow(600_000))
        .expect("tell");
    assert_eq!(held(&system, &hoarder).await, 600_000);
    let mut state = store.state::<Vec<u8>>("arena-durable/hoarder");
    let stored = state.load().await.expect("load").map(|held| held.len());
    assert_eq!(stored, Some(600_000));

    // 500 kB more: the growth (charged) fits, the 1.1 MB encoding does not.
    let mut events = system.events();
    system
        .tell(&hoarder, HoarderMsg::Grow(500_000))
        .expect("tell");
    let failed = event(&mut events, "the refused commit", |e| {
        matches!(e, SystemEvent::Failed { .. })
    })
    .await;
    let SystemEvent::Failed { error, .. } = failed else {
        unreachable!("matched above")
    };
    assert!(error.to_string().contains("budget"), "{error}");
    // Resume went back to the last committed state, and the store kept it.
    assert_eq!(held(&system, &hoarder).await, 600_000);
    let stored = state.load().await.expect("load").map(|held| held.len());
    assert_eq!(stored, Some(600_000));
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_arenas_bytes_are_exported_per_type() {
    let system = system("arena-metrics");
    let hoarder = system
        .spawn(ActorSpec::new(Hoarder).name("hoarder"))
        .await
        .expect("spawn");
    system.tell(&hoarder, HoarderMsg::Grow(10)).expect("tell");
    assert_eq!(held(&system, &hoarder).await, 10);
    let text = system.metrics_text();
    assert!(
        text.contains("olivier_arena_bytes{actor_type=\"test.HoarderMsg\"}"),
        "{text}"
    );
    support::within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
}
