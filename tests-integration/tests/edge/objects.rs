//! Objects between themselves: tells through stubs, and hibernation.

use std::time::Duration;

use alloy_actors::{ActorId, ActorRef};
use alloy_counter::{Count, CounterMsg};
use alloy_reminder::{Reminded, ReminderMsg};
use tests_integration::workerd::{ActorClient, fresh_as, get};

use super::support::{ASK_TIMEOUT, Edge, SECRET};

#[tokio::test]
async fn an_actor_tells_another_through_its_object() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let (sender, receiver) = ("REMINDER/sender", "REMINDER/receiver");
    let mut client = ActorClient::open(
        edge.port(),
        sender,
        "relay",
        &fresh_as(SECRET, sender, "relay"),
    )
    .await?;
    let to: ActorRef<ReminderMsg> = ActorRef::new(ActorId::new(receiver, 0)?);
    for note in ["one", "two"] {
        let pass = ReminderMsg::Pass {
            to: to.clone(),
            message: Box::new(ReminderMsg::Due {
                note: note.into(),
                reply_to: client.me(),
            }),
        };
        client.tell(&pass).await?;
    }
    let how_many = ReminderMsg::HowMany {
        reply_to: client.me(),
    };
    let at_sender: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(at_sender.fired, 0, "the sender handled what it passed on");

    let mut other = ActorClient::open(
        edge.port(),
        receiver,
        "relay",
        &fresh_as(SECRET, receiver, "relay"),
    )
    .await?;
    let how_many = ReminderMsg::HowMany {
        reply_to: other.me(),
    };
    let at_receiver: Reminded = other.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(at_receiver.fired, 2, "the receiver did not get both tells");
    Ok(())
}

#[tokio::test]
async fn a_hibernated_actor_comes_back_with_its_state_on_the_same_socket() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let actor = "COUNTER/sleepy";
    let mut client = ActorClient::open(
        edge.port(),
        actor,
        "sleepy",
        &fresh_as(SECRET, actor, "sleepy"),
    )
    .await?;
    let get_count = CounterMsg::GetCount {
        reply_to: client.me(),
    };
    client.tell(&CounterMsg::Increment).await?;
    let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
    assert_eq!(count, Count(1));
    let before = get(edge.port(), "/actors/COUNTER/sleepy")?.json()?;

    // Local workerd evicts an idle object after about 10 s; the socket stays open.
    tokio::time::sleep(Duration::from_secs(13)).await;
    client.tell(&CounterMsg::Increment).await?;
    let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
    assert_eq!(
        count,
        Count(2),
        "the state was not reloaded after hibernation"
    );
    let after = get(edge.port(), "/actors/COUNTER/sleepy")?.json()?;
    assert_ne!(
        before["instance_started_ms"], after["instance_started_ms"],
        "the object was not re-created, so hibernation was not exercised"
    );
    assert_eq!(after["sockets"], 1, "{after}");
    Ok(())
}
