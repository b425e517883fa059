//! A failing actor is answered with an error and restarted through `init`.

use alloy_reminder::{Reminded, ReminderMsg};
use conclave_runtime::wire::ErrorCode;
use tests_integration::workerd::{ActorClient, fresh_as};

use super::support::{ASK_TIMEOUT, Edge, SECRET};

#[tokio::test]
async fn a_failure_is_reported_and_restarts_the_actor_from_init() -> anyhow::Result<()> {
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
        answer.fired, 0,
        "the restart did not reset the state through init"
    );
    Ok(())
}
