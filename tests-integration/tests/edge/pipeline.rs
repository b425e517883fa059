//! The proof of the pipeline: sockets, storage across restarts and alarms.

use tests_integration::workerd::{ActorSocket, fresh, get};

use super::support::{Edge, SECRET};

fn count(bytes: &[u8]) -> anyhow::Result<u64> {
    Ok(u64::from_le_bytes(bytes.try_into()?))
}

#[tokio::test]
async fn the_count_survives_stopping_and_restarting_wrangler() -> anyhow::Result<()> {
    let mut edge = Edge::start()?;
    let actor = "COUNTER/durable";
    let token = fresh(SECRET, actor);
    let mut socket = ActorSocket::open(edge.port(), actor, &token).await?;
    for expected in 1..=3 {
        socket.send_binary(vec![1]).await?;
        assert_eq!(count(&socket.next_binary().await?)?, expected);
    }
    drop(socket);
    edge.restart()?;
    let mut socket = ActorSocket::open(edge.port(), actor, &token).await?;
    socket.send_binary(vec![1]).await?;
    assert_eq!(count(&socket.next_binary().await?)?, 4);
    let health = get(edge.port(), "/actors/COUNTER/durable")?.json()?;
    assert_eq!(health["handled"], 4, "{health}");
    Ok(())
}

#[tokio::test]
async fn alarms_deliver_several_pending_timers_in_order() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let actor = "COUNTER/timed";
    let mut socket = ActorSocket::open(edge.port(), actor, &fresh(SECRET, actor)).await?;
    for (ms, pending) in [(900, 1), (300, 2), (600, 3)] {
        socket.send_text(&format!("alarm {ms}")).await?;
        assert_eq!(socket.next_text().await?, format!("scheduled {pending}"));
    }
    let health = get(edge.port(), "/actors/COUNTER/timed")?.json()?;
    assert_eq!(health["pending_timers"], 3, "{health}");
    for ms in [300, 600, 900] {
        assert_eq!(socket.next_text().await?, format!("fired alarm {ms}"));
    }
    let health = get(edge.port(), "/actors/COUNTER/timed")?.json()?;
    assert_eq!(health["pending_timers"], 0, "{health}");
    Ok(())
}
