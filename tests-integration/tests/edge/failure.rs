//! A failing actor is answered with an error and restarted from its last
//! stored state; only its own reset goes back to `init`.

use alloy_reminder::{Reminded, ReminderMsg};
use conclave_runtime::wire::ErrorCode;
use tests_integration::workerd::{ActorClient, fresh_as};

use super::support::{self, ASK_TIMEOUT, Edge, SECRET};

#[tokio::test]
async fn a_failure_is_reported_and_restarts_the_actor_from_its_stored_state() -> anyhow::Result<()>
{
    let edge = Edge::start()?;
    let actor = "REMINDER/fragile";
    let mut client = ActorClient::open(
        edge.port(),
        actor,
        "fragile",
        &fresh_as(SECRET, actor, "fragile"),
    )
    .await?;
    let reminded = |client: &ActorClient| ReminderMsg::Due {
        note: "n".into(),
        reply_to: client.me(),
    };
    for _ in 0..2 {
        client.tell(&reminded(&client)).await?;
        client.next_envelope(ASK_TIMEOUT).await?;
    }
    let how_many = ReminderMsg::HowMany {
        reply_to: client.me(),
    };
    let answer: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(answer.fired, 2);

    let failure = client
        .ask::<_, Reminded>(&ReminderMsg::Fail, ASK_TIMEOUT)
        .await;
    let error = failure.expect_err("a failing ask must be answered with an error");
    assert!(
        format!("{error:#}").contains(&format!("{:?}", ErrorCode::ActorFailed)),
        "{error:#}"
    );
    let answer: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(
        answer.fired, 2,
        "the restart did not come back to the last stored state"
    );
    assert_eq!(support::health(edge.port(), actor)?["restarts"], 1);

    // The behavior's own restart is the explicit reset: `init`'s state is stored.
    client.tell(&ReminderMsg::Reset).await?;
    let answer: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(
        answer.fired, 0,
        "the explicit reset did not go back to init"
    );
    Ok(())
}
