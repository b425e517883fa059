//! Durable state is the recovery point: a failure, an escalation or a
//! panic (which traps the instance on wasm32) restarts the actor from its
//! last stored state, which survives a process restart too.

use alloy_reminder::{Reminded, ReminderMsg};
use tests_integration::workerd::{ActorClient, decode_as, fresh_as};

use super::support::{self, ASK_TIMEOUT, Edge, SECRET, health_until};

/// Brings the reminder's fired count to `n` with `n` pipelined `Due`s.
async fn fire(client: &mut ActorClient, n: u64) -> anyhow::Result<()> {
    for _ in 0..n {
        let due = ReminderMsg::Due {
            note: "n".into(),
            reply_to: client.me(),
        };
        client.tell(&due).await?;
    }
    let mut seen = 0;
    while seen < n {
        let envelope = client.next_envelope(ASK_TIMEOUT).await?;
        if decode_as::<Reminded>(&envelope).is_ok() {
            seen += 1;
        }
    }
    Ok(())
}

async fn fired(client: &mut ActorClient) -> anyhow::Result<u64> {
    let how_many = ReminderMsg::HowMany {
        reply_to: client.me(),
    };
    let answer: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    Ok(answer.fired)
}

#[tokio::test]
async fn a_durable_count_of_100_reads_100_after_a_failure_and_after_a_process_restart()
-> anyhow::Result<()> {
    let mut edge = Edge::start()?;
    let actor = "REMINDER/account";
    let token = fresh_as(SECRET, actor, "teller");
    let mut client = ActorClient::open(edge.port(), actor, "teller", &token).await?;
    fire(&mut client, 100).await?;
    assert_eq!(fired(&mut client).await?, 100);

    let failed = client
        .ask::<_, Reminded>(&ReminderMsg::Fail, ASK_TIMEOUT)
        .await;
    assert!(failed.is_err(), "the failing ask was answered {failed:?}");
    assert_eq!(
        fired(&mut client).await?,
        100,
        "the restart did not come back to the stored state"
    );
    assert_eq!(support::health(edge.port(), actor)?["restarts"], 1);

    drop(client);
    edge.restart()?;
    let mut client = ActorClient::open(edge.port(), actor, "teller", &token).await?;
    assert_eq!(
        fired(&mut client).await?,
        100,
        "the state stored after the restart was not the recovery point"
    );
    Ok(())
}

#[tokio::test]
async fn a_panic_is_a_supervised_failure_and_its_message_a_dead_letter() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let port = edge.port();
    let actor = "REMINDER/panicky";
    let token = fresh_as(SECRET, actor, "p");
    let mut client = ActorClient::open(port, actor, "p", &token).await?;
    fire(&mut client, 3).await?;
    assert_eq!(fired(&mut client).await?, 3);

    // The instance traps; the next one finds the handling mark.
    client.tell(&ReminderMsg::Panic).await?;
    let recovered = health_until(port, actor, "the panic counted as a dead letter", |h| {
        h["dead_letters"] == 1
    })
    .await?;
    assert_eq!(recovered["restarts"], 1, "{recovered}");
    assert!(
        recovered["last_dead_letter"]
            .as_str()
            .is_some_and(|why| why.contains("panicked")),
        "{recovered}"
    );
    assert_eq!(recovered["handled"], 5, "{recovered}"); // 3 dues, 1 ask, the panic
    assert!(recovered["stopped"].is_null(), "{recovered}");

    // Restarted from its stored state, it counts on (on a new socket, as
    // the trap may have taken the old one).
    drop(client);
    let mut client = ActorClient::open(port, actor, "p", &token).await?;
    assert_eq!(fired(&mut client).await?, 3);
    fire(&mut client, 1).await?;
    assert_eq!(fired(&mut client).await?, 4);
    Ok(())
}
