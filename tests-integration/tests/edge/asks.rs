//! Asks over the socket: correlation ids across objects, and deadlines.

use std::time::{Duration, Instant};

use alloy_actors::{ActorId, ActorRef};
use alloy_counter::{Count, CounterMsg};
use alloy_reminder::{Reminded, ReminderMsg};
use alloy_team::TeamMsg;
use tests_integration::workerd::{ASK_DEADLINE, ActorClient, fresh_as};

use super::support::{ASK_TIMEOUT, Edge, SECRET};

#[tokio::test]
async fn an_ask_answered_by_a_child_gets_its_reply_with_the_correlation() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let actor = "TEAM/askers";
    let mut client = ActorClient::open(
        edge.port(),
        actor,
        "asker",
        &fresh_as(SECRET, actor, "asker"),
    )
    .await?;
    client.tell(&TeamMsg::Hire { name: "w1".into() }).await?;
    let w1: ActorRef<ReminderMsg> = ActorRef::new(ActorId::new("TEAM/askers/w1", 0)?);
    let due = ReminderMsg::Due {
        note: "n".into(),
        reply_to: client.me(),
    };
    // The team answers nothing itself: the reply comes from its child, through it.
    let pass = TeamMsg::Pass {
        to: w1.clone(),
        message: due,
    };
    let first: Reminded = client.ask(&pass, ASK_TIMEOUT).await?;
    assert_eq!(first.fired, 1);
    let how_many = TeamMsg::Pass {
        to: w1,
        message: ReminderMsg::HowMany {
            reply_to: client.me(),
        },
    };
    let answer: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(answer.fired, 1);
    Ok(())
}

#[tokio::test]
async fn an_unanswered_ask_gets_a_timeout_error_and_the_actor_goes_on() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let actor = "COUNTER/silent";
    let mut client = ActorClient::open(
        edge.port(),
        actor,
        "silent",
        &fresh_as(SECRET, actor, "silent"),
    )
    .await?;
    let started = Instant::now();
    // Increment answers nothing, so the object's deadline answers it.
    let result = client
        .ask::<_, Count>(&CounterMsg::Increment, Duration::from_secs(20))
        .await;
    let error = result.expect_err("an unanswered ask must fail");
    assert!(format!("{error:#}").contains("Timeout"), "{error:#}");
    assert!(
        started.elapsed() >= ASK_DEADLINE,
        "answered before the deadline: {:?}",
        started.elapsed()
    );
    let get_count = CounterMsg::GetCount {
        reply_to: client.me(),
    };
    let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
    assert_eq!(
        count,
        Count(1),
        "the timed-out ask's message was still handled"
    );
    Ok(())
}
