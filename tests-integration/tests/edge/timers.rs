//! Timers: many pending behind one alarm, delivered in order, and durable.

use std::time::Duration;

use alloy_reminder::{Reminded, ReminderMsg};
use conclave_runtime::limits::MAX_PENDING_TIMERS;
use conclave_runtime::wire::ErrorCode;
use tests_integration::workerd::{ActorClient, decode_as, fresh_as};

use super::support::{self, ASK_TIMEOUT, Edge, SECRET};

#[tokio::test]
async fn several_pending_timers_fire_in_due_order_and_cancelled_ones_do_not() -> anyhow::Result<()>
{
    let edge = Edge::start()?;
    let actor = "REMINDER/many";
    let mut client =
        ActorClient::open(edge.port(), actor, "many", &fresh_as(SECRET, actor, "many")).await?;
    for (after_ms, note) in [
        (1500, "third"),
        (500, "first"),
        (1000, "second"),
        (1200, "never"),
    ] {
        let remind = ReminderMsg::RemindMe {
            after_ms,
            note: note.into(),
            reply_to: client.me(),
        };
        client.tell(&remind).await?;
    }
    client
        .tell(&ReminderMsg::Forget {
            note: "never".into(),
        })
        .await?;
    let how_many = ReminderMsg::HowMany {
        reply_to: client.me(),
    };
    let answer: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(answer.fired, 0);
    let health = support::health(edge.port(), "REMINDER/many")?;
    assert_eq!(health["pending_timers"], 3, "{health}");

    for (fired, note) in [(1, "first"), (2, "second"), (3, "third")] {
        let envelope = client.next_envelope(Duration::from_secs(20)).await?;
        let reminded: Reminded = decode_as(&envelope)?;
        assert_eq!(
            reminded,
            Reminded {
                note: note.into(),
                fired
            }
        );
    }
    let health = support::health(edge.port(), "REMINDER/many")?;
    assert_eq!(health["pending_timers"], 0, "{health}");
    Ok(())
}

#[tokio::test]
async fn a_timer_due_while_wrangler_is_stopped_fires_after_the_restart() -> anyhow::Result<()> {
    let mut edge = Edge::start()?;
    let actor = "REMINDER/sleeper";
    let token = fresh_as(SECRET, actor, "sleeper");
    let mut client = ActorClient::open(edge.port(), actor, "sleeper", &token).await?;
    let remind = ReminderMsg::RemindMe {
        after_ms: 6000,
        note: "while down".into(),
        reply_to: client.me(),
    };
    client.tell(&remind).await?;
    let how_many = ReminderMsg::HowMany {
        reply_to: client.me(),
    };
    let answer: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(answer.fired, 0);
    // Still pending when wrangler stops, so the restart is what fires it.
    let health = support::health(edge.port(), "REMINDER/sleeper")?;
    assert_eq!(health["pending_timers"], 1, "{health}");
    drop(client);
    edge.stop()?;
    std::thread::sleep(Duration::from_millis(7000));
    edge.start_again()?;

    // The alarm fires on restart by itself; the count shows it.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let health = support::health(edge.port(), "REMINDER/sleeper")?;
        if health["pending_timers"] == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the timer never fired: {health}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut client = ActorClient::open(edge.port(), actor, "sleeper", &token).await?;
    let answer: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(answer.fired, 1);
    Ok(())
}

#[tokio::test]
async fn timers_over_the_cap_are_refused_with_an_error_and_counted() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let actor = "REMINDER/crowded";
    let mut client = ActorClient::open(
        edge.port(),
        actor,
        "crowded",
        &fresh_as(SECRET, actor, "crowded"),
    )
    .await?;
    let over = 5;
    let count = u32::try_from(MAX_PENDING_TIMERS)? + over;
    let remind = ReminderMsg::RemindMany {
        count,
        after_ms: 600_000,
        reply_to: client.me(),
    };
    client.tell(&remind).await?;
    let (_, error) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(error.code, ErrorCode::TooManyTimers, "{error:?}");
    assert!(
        error
            .detail
            .starts_with(&format!("{over} timer(s) not scheduled")),
        "{error:?}"
    );

    let health = support::health(edge.port(), "REMINDER/crowded")?;
    assert_eq!(health["pending_timers"], MAX_PENDING_TIMERS, "{health}");
    assert_eq!(health["timers_refused"], over, "{health}");
    // The actor goes on: replacing a pending timer by its key is still allowed.
    let again = ReminderMsg::RemindMe {
        after_ms: 600_000,
        note: "0".into(),
        reply_to: client.me(),
    };
    client.tell(&again).await?;
    let how_many = ReminderMsg::HowMany {
        reply_to: client.me(),
    };
    let answer: Reminded = client.ask(&how_many, ASK_TIMEOUT).await?;
    assert_eq!(answer.fired, 0);
    let health = support::health(edge.port(), "REMINDER/crowded")?;
    assert_eq!(health["pending_timers"], MAX_PENDING_TIMERS, "{health}");
    assert_eq!(health["timers_refused"], over, "{health}");
    Ok(())
}
