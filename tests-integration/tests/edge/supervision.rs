//! A supervisor object restarts failed children, by its strategy.

use std::time::{Duration, Instant};

use alloy_actors::{ActorId, ActorRef};
use alloy_reminder::{Reminded, ReminderMsg};
use alloy_team::TeamMsg;
use tests_integration::workerd::{ActorClient, decode_as, fresh_as, get};

use super::support::{Edge, POLL_DEADLINE, SECRET};

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

/// Hires w0, w1 and w2, fires 3, 2 and 1 reminders on them, fails w1, and
/// polls the (w0, w1, w2) fired counts until they are `expected`, with a
/// generous deadline: on a loaded machine the restarts the strategy sends
/// land one by one, so a first look may catch them halfway.
async fn fail_one_child(class: &str, expected: (u64, u64, u64)) -> anyhow::Result<()> {
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
    let health = get(edge.port(), &format!("/actors/{actor}"))?.json()?;
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
    let deadline = Instant::now() + POLL_DEADLINE;
    loop {
        let counts = (
            fired(&mut client, &w0).await?,
            fired(&mut client, &w1).await?,
            fired(&mut client, &w2).await?,
        );
        if counts == expected {
            // The failed child closed its link to report; restarted, it linked again.
            let health = get(edge.port(), &format!("/actors/{actor}"))?.json()?;
            assert_eq!(health["links"], 3, "{health}");
            return Ok(());
        }
        assert!(
            Instant::now() < deadline,
            "the children's fired counts are {counts:?}, not {expected:?}, {POLL_DEADLINE:?} after the failure"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn one_for_one_restarts_only_the_failed_child() -> anyhow::Result<()> {
    fail_one_child("TEAM", (3, 0, 1)).await
}

#[tokio::test]
async fn all_for_one_restarts_every_child() -> anyhow::Result<()> {
    fail_one_child("TEAM_ALL", (0, 0, 0)).await
}

#[tokio::test]
async fn rest_for_one_restarts_the_failed_child_and_those_spawned_after_it() -> anyhow::Result<()> {
    fail_one_child("TEAM_REST", (3, 0, 0)).await
}
