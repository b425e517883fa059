//! Stored restart codes and the health view of a child.

use alloy_actors::RestartType;

use super::*;

#[test]
fn restart_codes_round_trip() {
    for restart in [
        RestartType::Permanent,
        RestartType::Transient,
        RestartType::Temporary,
    ] {
        assert_eq!(restart_type(restart_code(restart)), restart);
    }
    assert_eq!(restart_type(9), RestartType::Permanent);
}

#[test]
fn a_new_child_runs_and_shows_its_restart_type() {
    let link = ChildLink::new("T/a/b#0".into(), "R".into(), RestartType::Transient);
    let health = link.health();
    assert!(health.running);
    assert_eq!(health.restart, "transient");
    assert_eq!(health.restarts, 0);
    assert_eq!(health.id, "T/a/b#0");
}
