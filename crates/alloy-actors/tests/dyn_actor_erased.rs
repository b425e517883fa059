//! The erased interface runtimes drive: typed and erased delivery, wrong
//! message types, and state and messages through any serde format.

use alloy_actors::runtime::{DynActor, MessageSlot, Outcome, WrongMessageType};
use alloy_actors::{ActorId, ActorSpec, AnyMessage, AnySpec, Behavior, Context, Effect, Message};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Add(u32);
impl Message for Add {
    const TYPE_NAME: &'static str = "test.Add";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Other;
impl Message for Other {
    const TYPE_NAME: &'static str = "test.Other";
}

struct Sum;
impl Behavior for Sum {
    type State = Vec<u32>;
    type Message = Add;
    fn init(&self) -> Vec<u32> {
        Vec::new()
    }
    fn receive(&self, _: &Context<Add>, mut seen: Vec<u32>, Add(n): Add) -> Effect<Vec<u32>> {
        seen.push(n);
        Effect::from(seen)
    }
}

fn started() -> (AnySpec, Box<dyn DynActor>) {
    let spec: AnySpec = ActorSpec::new(Sum).name("sum").into();
    let id: ActorId = "sys/sum#1".parse().unwrap();
    let mut actor = spec.behavior().instantiate(id, None);
    assert!(matches!(actor.start(), Outcome::Continue(effects) if effects.is_empty()));
    (spec, actor)
}

fn saved(actor: &dyn DynActor) -> String {
    let mut out = Vec::new();
    let mut json = serde_json::Serializer::new(&mut out);
    assert!(
        actor
            .save_state(&mut <dyn erased_serde::Serializer>::erase(&mut json))
            .unwrap()
    );
    String::from_utf8(out).unwrap()
}

#[test]
fn typed_and_erased_delivery_reach_the_behavior() {
    let (spec, mut actor) = started();
    assert!(spec.accepts::<Add>());
    assert!(!spec.accepts::<Other>());
    assert_eq!(spec.message_type_name(), "test.Add");
    let mut typed = Some(Add(1));
    actor.receive(&mut MessageSlot::new(&mut typed)).unwrap();
    assert_eq!(typed, None, "the actor took the message");
    let mut erased = MessageSlot::erased(AnyMessage::new(Add(2)));
    actor.receive(&mut erased).unwrap();
    assert_eq!(saved(actor.as_ref()), "[1,2]");
}

#[test]
fn a_wrong_message_type_is_refused_and_handed_back() {
    let (_, mut actor) = started();
    let mut slot = MessageSlot::erased(AnyMessage::new(Other));
    let error = actor.receive(&mut slot).unwrap_err();
    assert_eq!(
        error,
        WrongMessageType {
            expected: "test.Add",
            found: "test.Other"
        }
    );
    assert_eq!(
        error.to_string(),
        "actor accepts `test.Add` but was sent `test.Other`"
    );
    let back = slot.into_erased().expect("the message is handed back");
    assert!(back.is::<Other>());
    let mut typed = Some(Other);
    assert!(actor.receive(&mut MessageSlot::new(&mut typed)).is_err());
    assert_eq!(typed, Some(Other), "a typed slot keeps its message too");
}

#[test]
fn state_round_trips_through_a_serde_format() {
    let (spec, mut actor) = started();
    let mut json = serde_json::Deserializer::from_str("[4,5,6]");
    actor
        .load_state(&mut <dyn erased_serde::Deserializer<'_>>::erase(&mut json))
        .unwrap();
    assert_eq!(saved(actor.as_ref()), "[4,5,6]");

    let mut bad = serde_json::Deserializer::from_str("\"not a list\"");
    assert!(
        actor
            .load_state(&mut <dyn erased_serde::Deserializer<'_>>::erase(&mut bad))
            .is_err()
    );

    let mut message = serde_json::Deserializer::from_str("7");
    let decoded = spec
        .behavior()
        .decode_message(&mut <dyn erased_serde::Deserializer<'_>>::erase(
            &mut message,
        ))
        .unwrap();
    assert_eq!(decoded.downcast_ref::<Add>(), Some(&Add(7)));
    assert_eq!(serde_json::to_string(&decoded).unwrap(), "7");
}

#[test]
fn discarded_actors_hold_no_state() {
    let (_, mut actor) = started();
    actor.discard();
    assert!(!actor.has_state());
    let mut typed = Some(Add(1));
    assert!(matches!(
        actor.receive(&mut MessageSlot::new(&mut typed)),
        Ok(Outcome::Failed(_))
    ));
}
