//! A supervisor whose restart intensity is exceeded stops its children and
//! escalates; its window survives the supervisor's eviction.

use alloy_actors::{ActorId, ActorRef};
use alloy_reminder::{Reminded, ReminderMsg};
use alloy_team::{Hires, TeamMsg};
use tests_integration::workerd::{ActorClient, decode_as, fresh_as};

use super::support::{ASK_TIMEOUT, Edge, SECRET, after_eviction, health, health_until};

/// `TEAM_STRICT` allows 2 restarts within 60 s.
const ACTOR: &str = "TEAM_STRICT/crew";

fn worker(name: &str) -> anyhow::Result<ActorRef<ReminderMsg>> {
    Ok(ActorRef::new(ActorId::new(&format!("{ACTOR}/{name}"), 0)?))
}

async fn pass(
    client: &mut ActorClient,
    to: &ActorRef<ReminderMsg>,
    message: ReminderMsg,
) -> anyhow::Result<()> {
    let to = to.clone();
    client.tell(&TeamMsg::Pass { to, message }).await
}

/// How many reminders `child` fired, asked through the team.
async fn fired(client: &mut ActorClient, child: &ActorRef<ReminderMsg>) -> anyhow::Result<u64> {
    let reply_to = client.me();
    pass(client, child, ReminderMsg::HowMany { reply_to }).await?;
    Ok(next_reminded(client).await?.fired)
}

/// The next `Reminded` on the socket.
async fn next_reminded(client: &mut ActorClient) -> anyhow::Result<Reminded> {
    loop {
        let envelope = client.next_envelope(ASK_TIMEOUT).await?;
        if let Ok(reminded) = decode_as::<Reminded>(&envelope) {
            return Ok(reminded);
        }
    }
}

async fn hires(client: &mut ActorClient) -> anyhow::Result<u64> {
    let reply_to = client.me();
    let Hires(hires) = client
        .ask(&TeamMsg::HowMany { reply_to }, ASK_TIMEOUT)
        .await?;
    Ok(hires)
}

#[tokio::test]
async fn a_third_failure_in_the_window_stops_the_children_even_after_an_eviction()
-> anyhow::Result<()> {
    let edge = Edge::start()?;
    let port = edge.port();
    let mut client =
        ActorClient::open(port, ACTOR, "boss", &fresh_as(SECRET, ACTOR, "boss")).await?;
    let (w0, w1) = (worker("w0")?, worker("w1")?);
    for name in ["w0", "w1"] {
        client.tell(&TeamMsg::Hire { name: name.into() }).await?;
    }
    for _ in 0..3 {
        let reply_to = client.me();
        let due = ReminderMsg::Due {
            note: "n".into(),
            reply_to,
        };
        pass(&mut client, &w0, due).await?;
        next_reminded(&mut client).await?;
    }
    assert_eq!(fired(&mut client, &w0).await?, 3);
    assert_eq!(hires(&mut client).await?, 2);

    pass(&mut client, &w1, ReminderMsg::Fail).await?;
    let first = health_until(port, ACTOR, "the first restart", |h| {
        h["recent_restarts"] == 1
    })
    .await?;

    // The supervisor is evicted; its new instance rebuilds the window from storage.
    let rebuilt = after_eviction(port, ACTOR, &first["instance_started_ms"]).await?;
    assert_eq!(rebuilt["recent_restarts"], 1, "{rebuilt}");
    assert_eq!(rebuilt["children"], 2, "{rebuilt}");
    // The children's links are hibernatable on the supervisor's side: they
    // outlived its eviction.
    assert_eq!(rebuilt["links"], 2, "{rebuilt}");

    pass(&mut client, &w1, ReminderMsg::Fail).await?;
    health_until(port, ACTOR, "the second restart", |h| {
        h["recent_restarts"] == 2
    })
    .await?;
    assert_eq!(fired(&mut client, &w0).await?, 3, "one-for-one touched w0");

    // The third restart within 60 s is one too many: the team gives up.
    pass(&mut client, &w1, ReminderMsg::Fail).await?;
    let gave_up = health_until(port, ACTOR, "giving up", |h| {
        h["children"] == 0 && h["recent_restarts"] == 0
    })
    .await?;
    assert!(gave_up["stopped"].is_null(), "{gave_up}");
    // A root supervisor that escalates is restarted from its last stored
    // state (the recovery point), not through `init`.
    assert_eq!(hires(&mut client).await?, 2);

    // w0 was stopped, not left running: hiring it again starts it from init
    // (a running child keeps its state when hired again).
    client.tell(&TeamMsg::Hire { name: "w0".into() }).await?;
    let w0_fired = fired(&mut client, &w0).await?;
    assert_eq!(
        w0_fired,
        0,
        "w0 was never stopped: {}",
        health(port, ACTOR)?
    );
    assert_eq!(health(port, ACTOR)?["children"], 1);
    // The stopped children let go of their links; w0, started again, links anew.
    health_until(port, ACTOR, "only w0 linked", |h| h["links"] == 1).await?;
    Ok(())
}
