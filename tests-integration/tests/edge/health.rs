//! Health answers: the Worker's and an actor's, as JSON; an actor's only
//! with a token, so no unauthenticated request creates an object.

use tests_integration::workerd::{fresh, get};

use super::support::{Edge, SECRET, health};

#[test]
fn the_worker_and_an_actor_answer_health_as_json() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let worker = get(edge.port(), "/health")?;
    assert_eq!(worker.status, 200, "{}", worker.body);
    let worker = worker.json()?;
    assert_eq!(worker["status"], "ok");
    assert_eq!(worker["runtime"], "conclave");
    assert!(
        worker["classes"]
            .as_array()
            .is_some_and(|classes| classes.iter().any(|class| class == "COUNTER")),
        "{worker}"
    );

    let actor = health(edge.port(), "COUNTER/health-1")?;
    assert_eq!(actor["status"], "ok");
    assert_eq!(actor["actor"], "COUNTER/health-1");
    assert_eq!(actor["sockets"], 0);

    assert_eq!(get(edge.port(), "/actors/NOPE/x")?.status, 404);
    assert_eq!(get(edge.port(), "/elsewhere")?.status, 404);
    Ok(())
}

#[test]
fn an_actors_health_without_a_valid_token_is_refused_and_creates_no_object() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let port = edge.port();
    let plain = get(port, "/actors/COUNTER/nosy")?;
    assert_eq!(
        plain.status, 401,
        "a plain GET was answered: {}",
        plain.body
    );
    let other = fresh(SECRET, "COUNTER/other", None);
    let wrong = get(port, &format!("/actors/COUNTER/nosy?token={other}"))?;
    assert_eq!(
        wrong.status, 401,
        "another actor's token was accepted: {}",
        wrong.body
    );
    // The refusals created nothing: the first authorised look finds an
    // object that has just been constructed and never stored a message.
    let first = health(port, "COUNTER/nosy")?;
    assert_eq!(first["handled"], 0, "{first}");
    Ok(())
}
