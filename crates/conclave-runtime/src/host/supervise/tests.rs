//! Why a restart happens, read from a `SYSTEM Restart`.

use alloy_actors::{ActorId, RestartReason};

use super::restart_reason;

#[test]
fn a_restart_names_its_own_failure_the_supervisor_or_a_sibling()
-> Result<(), alloy_actors::ActorIdError> {
    let parent: ActorId = "TEAM/crew#0".parse()?;
    let me = "TEAM/crew/w1#0";
    assert!(matches!(
        restart_reason(me, Some(&parent), me, "boom".into()),
        RestartReason::Failed(_)
    ));
    assert_eq!(
        restart_reason(me, Some(&parent), "TEAM/crew#0", "x".into()),
        RestartReason::SupervisorRestarted {
            supervisor: parent.clone()
        }
    );
    assert_eq!(
        restart_reason(me, Some(&parent), "TEAM/crew/w0#0", "x".into()),
        RestartReason::SiblingFailed {
            sibling: "TEAM/crew/w0#0".parse()?
        }
    );
    Ok(())
}
