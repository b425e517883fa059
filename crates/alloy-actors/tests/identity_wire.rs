//! Ids, typed references and messages cross a serde format intact, and bad
//! addresses on the wire are refused with the reason.

use alloy_actors::{ActorId, ActorPriority, ActorRef, AnyMessage, Message, Spawned};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Ask {
    question: String,
    reply_to: ActorRef<Answer>,
}
impl Message for Ask {
    const TYPE_NAME: &'static str = "test.Ask";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Answer(u8);
impl Message for Answer {
    const TYPE_NAME: &'static str = "test.Answer";
}

#[test]
fn ids_and_refs_serialize_as_addresses() {
    let id: ActorId = "edge/room/user-7#12".parse().unwrap();
    assert_eq!(
        serde_json::to_string(&id).unwrap(),
        "\"edge/room/user-7#12\""
    );
    let back: ActorId = serde_json::from_str("\"edge/room/user-7#12\"").unwrap();
    assert_eq!(back, id);

    let ask = Ask {
        question: "meaning?".into(),
        reply_to: ActorRef::new(id.clone()),
    };
    let json = serde_json::to_string(&ask).unwrap();
    assert_eq!(
        json,
        r#"{"question":"meaning?","reply_to":"edge/room/user-7#12"}"#
    );
    assert_eq!(serde_json::from_str::<Ask>(&json).unwrap(), ask);
}

#[test]
fn a_bad_address_on_the_wire_is_a_typed_error() {
    let error = serde_json::from_str::<ActorId>("\"no-instance\"").unwrap_err();
    assert!(
        error.to_string().contains("has no `#instance` suffix"),
        "{error}"
    );
    let error = serde_json::from_str::<ActorRef<Answer>>("\"a b#1\"").unwrap_err();
    assert!(error.to_string().contains("forbidden character"), "{error}");
    assert!(serde_json::from_str::<ActorId>("42").is_err());
}

#[test]
fn an_erased_message_serializes_like_the_message_and_clones() {
    let erased = AnyMessage::new(Answer(42));
    assert_eq!(serde_json::to_string(&erased).unwrap(), "42");
    let copy = erased.clone();
    assert_eq!(copy.downcast::<Answer>().unwrap(), Answer(42));
    let not_an_ask = erased.downcast::<Ask>().unwrap_err();
    assert_eq!(not_an_ask.type_name(), "test.Answer");
    assert_eq!(format!("{not_an_ask:?}"), "Answer(42)");
}

#[test]
fn spawned_notices_and_priorities_are_plain_data() {
    let notice = Spawned {
        child: "sys/kid#1".parse().unwrap(),
    };
    let json = serde_json::to_string(&notice).unwrap();
    assert_eq!(serde_json::from_str::<Spawned>(&json).unwrap(), notice);
    for (index, priority) in ActorPriority::ALL.into_iter().enumerate() {
        assert_eq!(priority.index(), index);
        assert_eq!(ActorPriority::from_index(index), Some(priority));
    }
    assert_eq!(ActorPriority::from_index(5), None);
}
