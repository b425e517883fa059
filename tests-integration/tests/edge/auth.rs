//! Only clients with a valid token open a socket; nothing else reaches the actor.

use alloy_counter::CounterMsg;
use barewire::{Kind, OwnedEnvelope, Priority};
use conclave_runtime::wire::{self, ErrorBody, ErrorCode};
use tests_integration::workerd::{
    self as workerd, client_address, connect, connect_as, fresh, fresh_as, sign, upgrade_at,
};

use super::support::{self, ASK_TIMEOUT, Edge, SECRET};

#[tokio::test]
async fn sockets_without_a_valid_token_get_401_and_reach_no_actor() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let port = edge.port();
    let actor = "COUNTER/guarded";
    let refusals = [
        ("no token", None),
        ("garbage", Some("not-a-token".to_owned())),
        ("wrong secret", Some(fresh("another secret", actor, None))),
        (
            "another actor's",
            Some(fresh(SECRET, "COUNTER/other", None)),
        ),
        ("expired", Some(sign(SECRET, actor, None, 1_000))),
        ("a client's", Some(fresh_as(SECRET, actor, "alice"))),
    ];
    for (what, token) in refusals {
        match connect(port, actor, token.as_deref()).await? {
            Ok(_) => panic!("a socket with {what} token was accepted"),
            Err(answer) => assert_eq!(answer.status, 401, "{what}: {}", answer.body),
        }
    }
    // An upgrade on any other route is refused too, token or not.
    for path in [
        "/actors/COUNTER/guarded",
        "/actors/COUNTER/guarded?client=client%2Fvictim%230",
    ] {
        match upgrade_at(port, path).await? {
            Ok(_) => panic!("an upgrade at {path} without a token was accepted"),
            Err(answer) => assert_eq!(answer.status, 426, "{path}: {}", answer.body),
        }
    }
    // The refusals never reached the object: it holds no socket and no identity yet.
    let health = support::health(port, "COUNTER/guarded")?;
    assert_eq!(health["sockets"], 0, "{health}");
    assert_eq!(health["handled"], 0, "{health}");

    let socket = connect(port, actor, Some(&fresh(SECRET, actor, None))).await?;
    assert!(socket.is_ok(), "a valid token was refused");
    Ok(())
}

#[tokio::test]
async fn a_token_for_one_client_cannot_take_another_clients_address() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let port = edge.port();
    let actor = "COUNTER/shared";
    let (alice, bob) = (client_address("alice"), client_address("bob"));
    let alices = fresh_as(SECRET, actor, "alice");
    match connect_as(port, actor, Some(&alices), Some(&bob)).await? {
        Ok(_) => panic!("alice's token opened a socket as bob"),
        // The body, when the client library hands it over, names the
        // refused client; the status is what this test relies on.
        Err(answer) => assert_eq!(answer.status, 401, "{}", answer.body),
    }
    // An address that is not a client's is refused before the token is looked at.
    match connect_as(port, actor, Some(&alices), Some("COUNTER/other#0")).await? {
        Ok(_) => panic!("a socket took an actor's address as its client address"),
        Err(answer) => assert_eq!(answer.status, 400, "{}", answer.body),
    }
    let health = support::health(port, "COUNTER/shared")?;
    assert_eq!(health["sockets"], 0, "{health}");

    let socket = connect_as(port, actor, Some(&alices), Some(&alice)).await?;
    assert!(socket.is_ok(), "alice's token was refused for alice");
    let health = support::health(port, "COUNTER/shared")?;
    assert_eq!(health["sockets"], 1, "{health}");
    Ok(())
}

#[tokio::test]
async fn a_socket_opened_without_a_client_address_cannot_speak_as_a_client() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let port = edge.port();
    let actor = "COUNTER/anonymous";
    let mut socket = match connect(port, actor, Some(&fresh(SECRET, actor, None))).await? {
        Ok(socket) => socket,
        Err(answer) => panic!("a valid token was refused: {}", answer.status),
    };
    let spoofed = OwnedEnvelope {
        kind: Kind::Tell,
        priority: Priority::Normal,
        source: client_address("victim"),
        target: format!("{actor}#0"),
        correlation: None,
        message_type: <CounterMsg as alloy_actors::Message>::TYPE_NAME.to_owned(),
        timestamp: 0,
        payload: wire::to_vec("message", &CounterMsg::Increment)?,
    };
    socket.send_binary(workerd::frame(&spoofed)?).await?;
    let frame = socket.next_within(ASK_TIMEOUT).await?;
    let answer = workerd::unframe(&frame.into_data())?;
    assert_eq!(answer.kind, Kind::Error, "{answer:?}");
    let body: ErrorBody = wire::from_slice("error body", &answer.payload)?;
    assert_eq!(body.code, ErrorCode::WrongSource, "{body:?}");
    let health = support::health(port, "COUNTER/anonymous")?;
    assert_eq!(
        health["handled"], 0,
        "the spoofed tell reached the actor: {health}"
    );
    Ok(())
}
