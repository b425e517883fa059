//! The team under the test kit: spawning, passing on, and the supervision
//! decisions a runtime makes for it, with no runtime.

use std::time::Duration;

use alloy_actors::runtime::{ChildExit, Directive};
use alloy_actors::testkit::{Status, TestKit};
use alloy_actors::{ActorError, ActorRef, ActorSpec, SupervisionStrategy};
use alloy_reminder::ReminderMsg;
use alloy_team::{Hires, Team, TeamMsg};

fn hire(kit: &mut TestKit<Team>, name: &str) {
    kit.send(TeamMsg::Hire { name: name.into() })
        .assert_spawned(name);
}

#[test]
fn hires_spawn_reminders_of_the_teams_kind_and_are_counted() {
    let mut kit = TestKit::new(Team::new("WORKER"));
    hire(&mut kit, "w0");
    hire(&mut kit, "w1");
    let kinds: Vec<&str> = kit
        .children()
        .iter()
        .map(|child| child.spec.config().kind())
        .collect();
    assert_eq!(kinds, ["WORKER", "WORKER"]);
    let boss = kit.probe("boss");
    kit.send(TeamMsg::HowMany {
        reply_to: boss.clone(),
    })
    .assert_told(&boss, &Hires(2));
    assert_eq!(Team::default().reminder_kind(), Team::REMINDER_KIND);
}

#[test]
fn pass_tells_a_child() {
    let mut kit = TestKit::new(Team::default());
    hire(&mut kit, "w0");
    let child: ActorRef<ReminderMsg> = ActorRef::new(kit.children()[0].id.clone());
    kit.send(TeamMsg::Pass {
        to: child.clone(),
        message: ReminderMsg::Fail,
    })
    .assert_told(&child, &ReminderMsg::Fail);
}

#[test]
fn failed_children_restart_until_the_intensity_is_exceeded() {
    let strategy = SupervisionStrategy::one_for_one(2, Duration::from_secs(60));
    let mut kit = TestKit::from_spec(ActorSpec::new(Team::default()).supervision(strategy));
    hire(&mut kit, "w0");
    hire(&mut kit, "w1");
    let (w0, w1) = (kit.children()[0].id.clone(), kit.children()[1].id.clone());
    let failed = || ChildExit::Failed(ActorError::msg("asked to fail"));
    for _ in 0..2 {
        match kit.child_exited(&w1, failed()) {
            Directive::Restart { start, .. } => assert_eq!(start, vec![w1.clone()]),
            other => panic!("expected a restart of w1, got {other:?}"),
        }
        kit.advance(Duration::from_secs(10));
    }
    match kit.child_exited(&w1, failed()) {
        Directive::GiveUp { stop, .. } => assert_eq!(stop, vec![w0]),
        other => panic!("expected the team to give up, got {other:?}"),
    }
    assert!(matches!(kit.status(), Status::Escalated(_)));
    kit.restart();
    let boss = kit.probe("boss");
    kit.send(TeamMsg::HowMany {
        reply_to: boss.clone(),
    })
    .assert_told(&boss, &Hires(0));
}

/// The reminder a child spec describes, run by the test kit with that
/// spec's capabilities, asked to tell `client/boss#0` how many it fired.
fn tell_a_client_as(spec: &alloy_actors::AnySpec) -> Option<String> {
    let mut child = TestKit::from_spec(
        ActorSpec::new(alloy_reminder::Reminder).capabilities(spec.config().capabilities()),
    );
    let client: ActorRef<alloy_reminder::Reminded> =
        ActorRef::new("client/boss#0".parse().expect("a client address"));
    let step = child.send(ReminderMsg::HowMany { reply_to: client });
    step.failure().map(ToString::to_string)
}

#[test]
fn hired_reminders_may_tell_clients_and_local_ones_may_not() {
    use alloy_actors::Capability;
    let mut kit = TestKit::new(Team::default());
    hire(&mut kit, "w0");
    kit.send(TeamMsg::HireTransient { name: "t0".into() })
        .assert_spawned("t0");
    kit.send(TeamMsg::HireLocal { name: "l0".into() })
        .assert_spawned("l0");
    let grants: Vec<bool> = kit
        .children()
        .iter()
        .map(|child| {
            child
                .spec
                .config()
                .capabilities()
                .contains(Capability::Remote)
        })
        .collect();
    assert_eq!(grants, [true, true, false]);
    assert_eq!(tell_a_client_as(&kit.children()[0].spec), None);
    let refused = tell_a_client_as(&kit.children()[2].spec).expect("a local child is refused");
    assert!(refused.contains("remote"), "{refused}");
}
