//! OTP's restart types on Conclave: a permanent child that stops normally
//! is restarted, a transient one stays listed as not running, and a
//! supervisor's restart restarts its children.

use alloy_actors::{ActorId, ActorRef};
use alloy_reminder::{Reminded, ReminderMsg};
use alloy_team::TeamMsg;
use tests_integration::workerd::{ActorClient, decode_as, fresh_as};

use super::support::{ASK_TIMEOUT, Edge, SECRET, health_until};

fn worker(team: &str, name: &str) -> anyhow::Result<ActorRef<ReminderMsg>> {
    Ok(ActorRef::new(ActorId::new(&format!("{team}/{name}"), 0)?))
}

/// `name`'s entry in `health`'s `which_children`.
fn child<'a>(health: &'a serde_json::Value, team: &str, name: &str) -> &'a serde_json::Value {
    let id = format!("{team}/{name}#0");
    health["which_children"]
        .as_array()
        .and_then(|children| children.iter().find(|child| child["id"] == id.as_str()))
        .unwrap_or(&serde_json::Value::Null)
}

async fn pass(
    client: &mut ActorClient,
    to: &ActorRef<ReminderMsg>,
    message: ReminderMsg,
) -> anyhow::Result<()> {
    let to = to.clone();
    client.tell(&TeamMsg::Pass { to, message }).await
}

/// Fires one reminder on `to` through the team, and waits for it.
async fn fire(client: &mut ActorClient, to: &ActorRef<ReminderMsg>) -> anyhow::Result<u64> {
    let reply_to = client.me();
    let due = ReminderMsg::Due {
        note: "n".into(),
        reply_to,
    };
    pass(client, to, due).await?;
    loop {
        let envelope = client.next_envelope(ASK_TIMEOUT).await?;
        if let Ok(reminded) = decode_as::<Reminded>(&envelope) {
            return Ok(reminded.fired);
        }
    }
}

async fn open(edge: &Edge, team: &str) -> anyhow::Result<ActorClient> {
    ActorClient::open(edge.port(), team, "boss", &fresh_as(SECRET, team, "boss")).await
}

#[tokio::test]
async fn a_permanent_child_that_stops_normally_is_restarted() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let team = "TEAM/permanent";
    let mut client = open(&edge, team).await?;
    client.tell(&TeamMsg::Hire { name: "w0".into() }).await?;
    let w0 = worker(team, "w0")?;
    assert_eq!(fire(&mut client, &w0).await?, 1);

    pass(&mut client, &w0, ReminderMsg::Stop).await?;
    let health = health_until(edge.port(), team, "w0 restarted", |h| {
        child(h, team, "w0")["restarts"] == 1
    })
    .await?;
    assert_eq!(child(&health, team, "w0")["running"], true, "{health}");
    assert_eq!(child(&health, team, "w0")["restart"], "permanent");
    // Restarted from its stored state, it takes messages again.
    assert_eq!(fire(&mut client, &w0).await?, 2);
    Ok(())
}

#[tokio::test]
async fn a_transient_child_that_stops_normally_stays_listed_not_running() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let team = "TEAM/transient";
    let mut client = open(&edge, team).await?;
    client
        .tell(&TeamMsg::HireTransient { name: "w0".into() })
        .await?;
    let w0 = worker(team, "w0")?;
    assert_eq!(fire(&mut client, &w0).await?, 1);

    pass(&mut client, &w0, ReminderMsg::Stop).await?;
    let health = health_until(edge.port(), team, "w0 not running", |h| {
        child(h, team, "w0")["running"] == false
    })
    .await?;
    let w0_entry = child(&health, team, "w0");
    assert_eq!(w0_entry["restart"], "transient", "{health}");
    assert_eq!(w0_entry["restarts"], 0, "{health}");
    assert_eq!(
        health["children"], 1,
        "the transient child was dropped: {health}"
    );
    Ok(())
}

#[tokio::test]
async fn a_supervisor_restarted_through_init_restarts_its_children() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let team = "TEAM/resetting";
    let mut client = open(&edge, team).await?;
    for name in ["w0", "w1"] {
        client.tell(&TeamMsg::Hire { name: name.into() }).await?;
    }
    let (w0, w1) = (worker(team, "w0")?, worker(team, "w1")?);
    assert_eq!(fire(&mut client, &w0).await?, 1);
    assert_eq!(fire(&mut client, &w1).await?, 1);

    client.tell(&TeamMsg::Reset).await?;
    let health = health_until(edge.port(), team, "both children restarted", |h| {
        child(h, team, "w0")["restarts"] == 1 && child(h, team, "w1")["restarts"] == 1
    })
    .await?;
    assert_eq!(health["restarts"], 1, "{health}");
    let reply_to = client.me();
    let alloy_team::Hires(hires) = client
        .ask(&TeamMsg::HowMany { reply_to }, ASK_TIMEOUT)
        .await?;
    assert_eq!(hires, 0, "the team's own reset did not go back to init");
    Ok(())
}
