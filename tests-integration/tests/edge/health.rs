//! Health answers: the Worker's and an actor's, as JSON.

use tests_integration::workerd::get;

use super::support::Edge;

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

    let actor = get(edge.port(), "/actors/COUNTER/health-1")?;
    assert_eq!(actor.status, 200, "{}", actor.body);
    let actor = actor.json()?;
    assert_eq!(actor["status"], "ok");
    assert_eq!(actor["actor"], "COUNTER/health-1");
    assert_eq!(actor["sockets"], 0);

    assert_eq!(get(edge.port(), "/actors/NOPE/x")?.status, 404);
    assert_eq!(get(edge.port(), "/elsewhere")?.status, 404);
    Ok(())
}
