//! Capabilities on Conclave: a tell to a client is a send to another
//! system, so a child needs `Remote` for it; without it the tell is refused,
//! which is the child's failure and its supervisor's to handle.

use std::time::Duration;

use alloy_actors::{ActorId, ActorRef};
use alloy_reminder::{Reminded, ReminderMsg};
use alloy_team::TeamMsg;
use tests_integration::workerd::{ActorClient, decode_as, fresh_as};

use super::support::{self, Edge, SECRET};

const WAIT: Duration = Duration::from_secs(20);

/// The restarts `team`'s `which_children` lists for its child `name`.
fn restarts_of(health: &serde_json::Value, team: &str, name: &str) -> Option<u64> {
    let id = format!("{team}/{name}#0");
    health["which_children"]
        .as_array()?
        .iter()
        .find(|child| child["id"] == id.as_str())?["restarts"]
        .as_u64()
}

/// Asks `child` (through the team) to tell this client how many reminders
/// it fired.
async fn ask_to_tell_me(
    client: &mut ActorClient,
    child: &ActorRef<ReminderMsg>,
) -> anyhow::Result<()> {
    let message = ReminderMsg::HowMany {
        reply_to: client.me(),
    };
    client
        .tell(&TeamMsg::Pass {
            to: child.clone(),
            message,
        })
        .await
}

#[tokio::test]
async fn a_child_without_remote_that_tells_a_client_fails_and_one_with_it_succeeds()
-> anyhow::Result<()> {
    let edge = Edge::start()?;
    let port = edge.port();
    let team = "TEAM/grants";
    let mut client = ActorClient::open(port, team, "boss", &fresh_as(SECRET, team, "boss")).await?;
    client.tell(&TeamMsg::Hire { name: "far".into() }).await?;
    client
        .tell(&TeamMsg::HireLocal {
            name: "near".into(),
        })
        .await?;
    let far: ActorRef<ReminderMsg> = ActorRef::new(ActorId::new(&format!("{team}/far"), 0)?);
    let near: ActorRef<ReminderMsg> = ActorRef::new(ActorId::new(&format!("{team}/near"), 0)?);

    // Granted `Remote` in its spec: its tell reaches the client.
    ask_to_tell_me(&mut client, &far).await?;
    let envelope = client.next_envelope(WAIT).await?;
    assert_eq!(envelope.source, format!("{team}/far#0"), "{envelope:?}");
    assert_eq!(decode_as::<Reminded>(&envelope)?.fired, 0);

    // Without it: the tell is refused, the child fails, and its supervisor
    // restarts it (one-for-one), which `which_children` counts.
    ask_to_tell_me(&mut client, &near).await?;
    support::health_until(port, team, "the team restarted `near` once", |health| {
        restarts_of(health, team, "near") == Some(1)
    })
    .await?;
    let health = support::health(port, team)?;
    assert_eq!(restarts_of(&health, team, "far"), Some(0), "{health}");
    assert_eq!(health["recent_restarts"], 1, "{health}");

    // Nothing from `near` reached the client: the next envelope is `far`'s.
    ask_to_tell_me(&mut client, &far).await?;
    let envelope = client.next_envelope(WAIT).await?;
    assert_eq!(envelope.source, format!("{team}/far#0"), "{envelope:?}");
    assert_eq!(decode_as::<Reminded>(&envelope)?.fired, 0);
    Ok(())
}
