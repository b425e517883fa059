//! Objects between themselves: tells through stubs, and hibernation.

use std::time::Instant;

use alloy_actors::{ActorId, ActorRef};
use alloy_counter::{Count, CounterMsg};
use alloy_reminder::{Reminded, ReminderMsg};
use tests_integration::workerd::{ActorClient, fresh_as};

use super::support::{ASK_TIMEOUT, Edge, IDLE_FOR_EVICTION, POLL_DEADLINE, SECRET, health};

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
    let token = fresh_as(SECRET, actor, "sleepy");
    let mut client = ActorClient::open(edge.port(), actor, "sleepy", &token).await?;
    let get_count = CounterMsg::GetCount {
        reply_to: client.me(),
    };
    client.tell(&CounterMsg::Increment).await?;
    let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
    assert_eq!(count, Count(1));
    let before = health(edge.port(), actor)?;

    // Local workerd evicts an idle object after about 10 s; the socket stays
    // open. Each round leaves the object idle, then speaks on the socket
    // first (so the socket's message is what re-creates it) and checks the
    // count, until the health shows a new instance: a loaded machine may
    // take longer than one round to evict.
    let deadline = Instant::now() + 2 * POLL_DEADLINE;
    let mut increments = 1;
    loop {
        tokio::time::sleep(IDLE_FOR_EVICTION).await;
        client.tell(&CounterMsg::Increment).await?;
        increments += 1;
        let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
        assert_eq!(
            count,
            Count(increments),
            "the state was not reloaded after hibernation"
        );
        let after = health(edge.port(), actor)?;
        if after["instance_started_ms"] != before["instance_started_ms"] {
            assert_eq!(after["sockets"], 1, "{after}");
            return Ok(());
        }
        assert!(
            Instant::now() < deadline,
            "the object was never re-created, so hibernation was not exercised: {after}"
        );
    }
}
