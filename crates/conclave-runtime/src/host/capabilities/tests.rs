//! Conclave's check and the test kit's give one answer, effect by effect
//! and for every set of capabilities; tells to clients need `Remote`.

use std::time::Duration;

use alloy_actors::testkit::TestKit;
use alloy_actors::{
    ActorId, ActorRef, ActorSpec, Behavior, Capabilities, Capability, Context, Effect, LogLevel,
    Message,
};
use serde::{Deserialize, Serialize};

use super::*;

/// Emits the side effects `EFFECTS[i]` names for each `i` it is sent.
#[derive(Debug, Clone)]
struct Emitter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Emit(Vec<usize>);

impl Message for Emit {
    const TYPE_NAME: &'static str = "conclave.test.Emit";
}

/// The effects, by index: what each needs is in the name.
const EFFECTS: [&str; 9] = [
    "tell a client (remote)",
    "tell an actor of the same system (nothing)",
    "tell an ask's reply address (nothing)",
    "tell another root class's actor (remote)",
    "schedule to itself (schedule)",
    "schedule to a client (schedule, remote)",
    "cancel a timer (schedule)",
    "spawn (spawn)",
    "log (nothing)",
];

fn to(address: &str) -> ActorRef<Emit> {
    ActorRef::new(address.parse::<ActorId>().expect("a valid address"))
}

impl Behavior for Emitter {
    type State = ();
    type Message = Emit;

    fn init(&self) {}

    fn receive(&self, ctx: &Context<Emit>, (): (), Emit(picks): Emit) -> Effect<()> {
        let nothing = || Emit(Vec::new());
        picks
            .into_iter()
            .fold(Effect::from(()), |effect, pick| match pick {
                0 => effect.tell(&to("client/c#0"), nothing()),
                1 => effect.tell(&to("test/other#0"), nothing()),
                2 => effect.tell(&to("test/$ask#4"), nothing()),
                3 => effect.tell(&to("COUNTER/a#0"), nothing()),
                4 => effect.schedule("self", Duration::from_secs(1), &ctx.myself(), nothing()),
                5 => effect.schedule(
                    "client",
                    Duration::from_secs(1),
                    &to("client/c#0"),
                    nothing(),
                ),
                6 => effect.cancel_timer("self"),
                7 => effect.spawn(ActorSpec::new(Emitter).name("child")),
                _ => effect.log(LogLevel::Info, "hello"),
            })
    }
}

/// Every subset of the capabilities.
fn every_grant() -> impl Iterator<Item = Capabilities> {
    let all = Capability::ALL;
    (0..1u32 << all.len()).map(move |bits| {
        all.iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, capability)| *capability)
            .collect()
    })
}

/// The test kit's verdict on `picks` under `granted`: the failure's text, if any.
fn kit_verdict(granted: Capabilities, picks: &[usize]) -> Option<String> {
    let mut kit = TestKit::from_spec(ActorSpec::new(Emitter).capabilities(granted));
    let step = kit.send(Emit(picks.to_vec()));
    step.failure().map(ToString::to_string)
}

/// Conclave's verdict on the same effects, as the actor the kit runs.
fn conclave_verdict(granted: Capabilities, picks: &[usize]) -> Option<String> {
    let mut free = TestKit::from_spec(ActorSpec::new(Emitter).capabilities(Capabilities::all()));
    let effects = free.send(Emit(picks.to_vec())).effects().to_vec();
    assert_eq!(effects.len(), picks.len(), "every pick is one side effect");
    allowed(granted, free.id(), &effects)
        .err()
        .map(|failure| failure.to_string())
}

#[test]
fn conclave_and_the_test_kit_agree_on_every_effect_under_every_grant() {
    let mut picks: Vec<Vec<usize>> = (0..EFFECTS.len()).map(|i| vec![i]).collect();
    picks.push((0..EFFECTS.len()).collect());
    picks.push(vec![8, 1, 2, 0]);
    for granted in every_grant() {
        for pick in &picks {
            assert_eq!(
                conclave_verdict(granted, pick),
                kit_verdict(granted, pick),
                "{granted:?}, {:?}",
                pick.iter().map(|&i| EFFECTS[i]).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn a_tell_to_a_client_needs_remote_which_root_objects_are_granted() {
    let local = Capabilities::default();
    let refused = conclave_verdict(local, &[0]).expect("a tell to a client needs Remote");
    assert!(refused.contains("remote"), "{refused}");
    assert_eq!(
        conclave_verdict(local, &[1, 2]),
        None,
        "nor does an ask's answer"
    );
    assert_eq!(conclave_verdict(ROOT, &[0, 3, 4, 5, 6, 7, 8]), None);
    assert!(ROOT.contains(Capability::Remote));
    assert!(!ROOT.contains(Capability::Persist));
}

#[test]
fn capabilities_round_trip_through_their_names() {
    for granted in every_grant() {
        assert_eq!(decode(&encode(granted)), granted, "{}", encode(granted));
    }
    assert_eq!(encode(Capabilities::default()), "spawn,schedule");
    assert_eq!(decode(""), Capabilities::none());
    assert_eq!(
        decode("remote,teleport"),
        Capabilities::none().with(Capability::Remote)
    );
}
