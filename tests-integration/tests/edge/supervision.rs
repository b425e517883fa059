//! A supervisor object restarts failed children, by its strategy.

use std::time::{Duration, Instant};

use alloy_actors::{ActorId, ActorRef};
use alloy_reminder::{Reminded, ReminderMsg};
use alloy_team::TeamMsg;
use tests_integration::workerd::{ActorClient, decode_as, fresh_as};

use super::support::{self, Edge, POLL_DEADLINE, SECRET};

const WAIT: Duration = Duration::from_secs(20);

fn worker(class: &str, name: &str) -> anyhow::Result<ActorRef<ReminderMsg>> {
    Ok(ActorRef::new(ActorId::new(
        &format!("{class}/crew/{name}"),
        0,
    )?))
}

/// The next `Reminded` on the socket.
async fn reminded(client: &mut ActorClient) -> anyhow::Result<Reminded> {
    loop {
        let envelope = client.next_envelope(WAIT).await?;
        if let Ok(reminded) = decode_as::<Reminded>(&envelope) {
            return Ok(reminded);
        }
    }
}

/// How many reminders `child` fired, asked through the team.
async fn fired(client: &mut ActorClient, child: &ActorRef<ReminderMsg>) -> anyhow::Result<u64> {
    let message = ReminderMsg::HowMany {
        reply_to: client.me(),
    };
    client
        .tell(&TeamMsg::Pass {
            to: child.clone(),
            message,
        })
        .await?;
    Ok(reminded(client).await?.fired)
}

/// The restarts `team`'s health lists for `names`, as `which_children` shows them.
fn restarts(health: &serde_json::Value, class: &str, names: [&str; 3]) -> Vec<u64> {
    names
        .iter()
        .map(|name| {
            let id = format!("{class}/crew/{name}#0");
            health["which_children"]
                .as_array()
                .and_then(|children| children.iter().find(|child| child["id"] == id.as_str()))
                .and_then(|child| child["restarts"].as_u64())
                .unwrap_or(u64::MAX)
        })
        .collect()
}

/// Hires w0, w1 and w2, fires 3, 2 and 1 reminders on them, fails w1, and
/// polls the team's health until the children's restarts are `expected`,
/// with a generous deadline: on a loaded machine the restarts the strategy
/// sends land one by one. Each restarted child comes back to its last
/// stored state, so the fired counts stay (3, 2, 1).
async fn fail_one_child(class: &str, expected: [u64; 3]) -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let actor = format!("{class}/crew");
    let mut client = ActorClient::open(
        edge.port(),
        &actor,
        "boss",
        &fresh_as(SECRET, &actor, "boss"),
    )
    .await?;
    for name in ["w0", "w1", "w2"] {
        client.tell(&TeamMsg::Hire { name: name.into() }).await?;
    }
    let (w0, w1, w2) = (
        worker(class, "w0")?,
        worker(class, "w1")?,
        worker(class, "w2")?,
    );
    for (child, times) in [(&w0, 3), (&w1, 2), (&w2, 1)] {
        for _ in 0..times {
            let due = ReminderMsg::Due {
                note: "n".into(),
                reply_to: client.me(),
            };
            client
                .tell(&TeamMsg::Pass {
                    to: child.clone(),
                    message: due,
                })
                .await?;
            reminded(&mut client).await?;
        }
    }
    assert_eq!(fired(&mut client, &w0).await?, 3);
    assert_eq!(fired(&mut client, &w1).await?, 2);
    assert_eq!(fired(&mut client, &w2).await?, 1);
    let health = support::health(edge.port(), &actor)?;
    assert_eq!(health["handled"], 12, "{health}"); // 3 hires, 9 passes
    assert_eq!(
        health["links"], 3,
        "every child links to its supervisor: {health}"
    );

    client
        .tell(&TeamMsg::Pass {
            to: w1.clone(),
            message: ReminderMsg::Fail,
        })
        .await?;
    let names = ["w0", "w1", "w2"];
    let deadline = Instant::now() + POLL_DEADLINE;
    loop {
        let health = support::health(edge.port(), &actor)?;
        let now = restarts(&health, class, names);
        if now == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the children's restarts are {now:?}, not {expected:?}, {POLL_DEADLINE:?} after the failure: {health}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let counts = (
        fired(&mut client, &w0).await?,
        fired(&mut client, &w1).await?,
        fired(&mut client, &w2).await?,
    );
    assert_eq!(counts, (3, 2, 1), "a restart lost a child's stored state");
    // The failed child closed its link to report; restarted, it linked again.
    support::health_until(edge.port(), &actor, "3 links", |h| h["links"] == 3).await?;
    Ok(())
}

#[tokio::test]
async fn one_for_one_restarts_only_the_failed_child() -> anyhow::Result<()> {
    fail_one_child("TEAM", [0, 1, 0]).await
}

#[tokio::test]
async fn all_for_one_restarts_every_child() -> anyhow::Result<()> {
    fail_one_child("TEAM_ALL", [1, 1, 1]).await
}

#[tokio::test]
async fn rest_for_one_restarts_the_failed_child_and_those_spawned_after_it() -> anyhow::Result<()> {
    fail_one_child("TEAM_REST", [0, 1, 1]).await
}
