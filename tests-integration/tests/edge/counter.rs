//! The counter behavior, unchanged, as a Durable Object: tells, asks, and a
//! count that survives stopping and restarting wrangler.

use alloy_counter::{Count, CounterMsg};
use tests_integration::workerd::{ActorClient, fresh_as};

use super::support::{self, ASK_TIMEOUT, Edge, SECRET};

#[tokio::test]
async fn the_counter_counts_tells_and_answers_asks() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let actor = "COUNTER/tally";
    let mut client = ActorClient::open(
        edge.port(),
        actor,
        "tally",
        &fresh_as(SECRET, actor, "tally"),
    )
    .await?;
    for _ in 0..3 {
        client.tell(&CounterMsg::Increment).await?;
    }
    client.tell(&CounterMsg::Decrement).await?;
    let get_count = CounterMsg::GetCount {
        reply_to: client.me(),
    };
    let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
    assert_eq!(count, Count(2));
    client.tell(&CounterMsg::Increment).await?;
    let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
    assert_eq!(count, Count(3));

    let health = support::health(edge.port(), "COUNTER/tally")?;
    assert_eq!(health["handled"], 7, "{health}");
    assert_eq!(health["sockets"], 1, "{health}");
    Ok(())
}

#[tokio::test]
async fn the_count_survives_stopping_and_restarting_wrangler() -> anyhow::Result<()> {
    let mut edge = Edge::start()?;
    let actor = "COUNTER/durable";
    let token = fresh_as(SECRET, actor, "durable");
    let mut client = ActorClient::open(edge.port(), actor, "durable", &token).await?;
    let get_count = CounterMsg::GetCount {
        reply_to: client.me(),
    };
    for expected in 1..=3 {
        client.tell(&CounterMsg::Increment).await?;
        let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
        assert_eq!(count, Count(expected));
    }
    drop(client);
    edge.restart()?;

    let mut client = ActorClient::open(edge.port(), actor, "durable", &token).await?;
    let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
    assert_eq!(count, Count(3), "the count was lost across the restart");
    client.tell(&CounterMsg::Increment).await?;
    let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
    assert_eq!(count, Count(4));
    Ok(())
}

#[tokio::test]
async fn counters_are_separate_objects() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let mut counts = Vec::new();
    for (name, increments) in [("left", 2), ("right", 5)] {
        let actor = format!("COUNTER/{name}");
        let mut client =
            ActorClient::open(edge.port(), &actor, name, &fresh_as(SECRET, &actor, name)).await?;
        for _ in 0..increments {
            client.tell(&CounterMsg::Increment).await?;
        }
        let get_count = CounterMsg::GetCount {
            reply_to: client.me(),
        };
        let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
        counts.push(count);
    }
    assert_eq!(counts, vec![Count(2), Count(5)]);
    Ok(())
}
