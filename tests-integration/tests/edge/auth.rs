//! Only clients with a valid token open a socket; nothing else reaches the actor.

use tests_integration::workerd::{connect, fresh, get, sign, upgrade_at};

use super::support::{Edge, SECRET};

#[tokio::test]
async fn sockets_without_a_valid_token_get_401_and_reach_no_actor() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let port = edge.port();
    let actor = "COUNTER/guarded";
    let refusals = [
        ("no token", None),
        ("garbage", Some("not-a-token".to_owned())),
        ("wrong secret", Some(fresh("another secret", actor))),
        ("another actor's", Some(fresh(SECRET, "COUNTER/other"))),
        ("expired", Some(sign(SECRET, actor, 1_000))),
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
    let health = get(port, "/actors/COUNTER/guarded")?.json()?;
    assert_eq!(health["sockets"], 0, "{health}");
    assert_eq!(health["handled"], 0, "{health}");

    let socket = connect(port, actor, Some(&fresh(SECRET, actor))).await?;
    assert!(socket.is_ok(), "a valid token was refused");
    Ok(())
}
