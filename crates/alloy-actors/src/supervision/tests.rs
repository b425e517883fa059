//! The supervision rules, one test per OTP behavior.

use super::*;

fn id(name: &str) -> ActorId {
    ActorId::new(&format!("sup/{name}"), 0).unwrap()
}

fn failure() -> ChildExit {
    ChildExit::Failed(ActorError::msg("boom"))
}

fn normal() -> ChildExit {
    ChildExit::Normal {
        reason: "done".into(),
    }
}

fn core_with(strategy: SupervisionStrategy, children: &[(&str, RestartType)]) -> SupervisorCore {
    let mut core = SupervisorCore::new(strategy);
    for (name, restart) in children {
        core.add_child(id(name), *restart);
    }
    core
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn start_all(core: &mut SupervisorCore, directive: &Directive) {
    if let Directive::Restart { start, .. } = directive {
        for child in start {
            core.child_started(child);
        }
    }
}

const PERMANENT: RestartType = RestartType::Permanent;

#[test]
fn one_for_one_restarts_only_the_failed_child() {
    let mut core = core_with(
        SupervisionStrategy::one_for_one(3, secs(5)),
        &[("a", PERMANENT), ("b", PERMANENT), ("c", PERMANENT)],
    );
    assert_eq!(
        core.child_exited(&id("b"), &failure(), secs(0)),
        Directive::Restart {
            failed: id("b"),
            stop: vec![],
            start: vec![id("b")]
        }
    );
    assert_eq!(core.stop_order(), vec![id("c"), id("a")]);
}

#[test]
fn all_for_one_stops_siblings_in_reverse_and_restarts_all_in_order() {
    let mut core = core_with(
        SupervisionStrategy::all_for_one(3, secs(5)),
        &[("a", PERMANENT), ("b", PERMANENT), ("c", PERMANENT)],
    );
    assert_eq!(
        core.child_exited(&id("b"), &failure(), secs(0)),
        Directive::Restart {
            failed: id("b"),
            stop: vec![id("c"), id("a")],
            start: vec![id("a"), id("b"), id("c")]
        }
    );
}

#[test]
fn rest_for_one_restarts_the_failed_child_and_those_started_after_it() {
    let mut core = core_with(
        SupervisionStrategy::rest_for_one(3, secs(5)),
        &[
            ("a", PERMANENT),
            ("b", PERMANENT),
            ("c", PERMANENT),
            ("d", PERMANENT),
        ],
    );
    assert_eq!(
        core.child_exited(&id("b"), &failure(), secs(0)),
        Directive::Restart {
            failed: id("b"),
            stop: vec![id("d"), id("c")],
            start: vec![id("b"), id("c"), id("d")]
        }
    );
}

#[test]
fn restart_types_decide_who_comes_back() {
    use RestartType::{Temporary, Transient};
    let strategy = SupervisionStrategy::one_for_one(10, secs(5));
    let mut core = core_with(
        strategy,
        &[
            ("perm", PERMANENT),
            ("trans", Transient),
            ("temp", Temporary),
        ],
    );
    // A permanent child comes back even after a normal stop.
    assert!(matches!(
        core.child_exited(&id("perm"), &normal(), secs(0)),
        Directive::Restart { .. }
    ));
    core.child_started(&id("perm"));
    // A transient child comes back after a failure ...
    assert!(matches!(
        core.child_exited(&id("trans"), &failure(), secs(0)),
        Directive::Restart { .. }
    ));
    core.child_started(&id("trans"));
    // ... but not after a normal stop or a shutdown; OTP keeps it listed,
    // not running.
    assert_eq!(
        core.child_exited(&id("trans"), &ChildExit::Shutdown, secs(0)),
        Directive::Nothing
    );
    assert!(core.contains(&id("trans")));
    assert_eq!(
        core.child(&id("trans")).map(|child| child.running),
        Some(false)
    );
    // A temporary child never comes back, even after a failure.
    assert_eq!(
        core.child_exited(&id("temp"), &failure(), secs(0)),
        Directive::Nothing
    );
    assert_eq!(core.len(), 2);
    assert!(!core.contains(&id("temp")));
    // A kill from outside is a failure: a transient child comes back.
    core.child_started(&id("trans"));
    assert!(matches!(
        core.child_exited(&id("trans"), &ChildExit::Killed, secs(0)),
        Directive::Restart { .. }
    ));
}

#[test]
fn temporary_siblings_stopped_by_a_group_restart_are_removed() {
    let mut core = core_with(
        SupervisionStrategy::all_for_one(3, secs(5)),
        &[
            ("a", PERMANENT),
            ("t", RestartType::Temporary),
            ("b", PERMANENT),
        ],
    );
    assert_eq!(
        core.child_exited(&id("b"), &failure(), secs(0)),
        Directive::Restart {
            failed: id("b"),
            stop: vec![id("t"), id("a")],
            start: vec![id("a"), id("b")]
        }
    );
    assert_eq!(
        core.children().map(|c| c.id.clone()).collect::<Vec<_>>(),
        vec![id("a"), id("b")]
    );
}

#[test]
fn a_group_restart_counts_once_and_one_more_than_the_limit_gives_up() {
    let mut core = core_with(
        SupervisionStrategy::all_for_one(2, secs(10)),
        &[("a", PERMANENT), ("b", PERMANENT), ("c", PERMANENT)],
    );
    for at in [0, 1] {
        let directive = core.child_exited(&id("a"), &failure(), secs(at));
        assert!(
            matches!(directive, Directive::Restart { .. }),
            "{directive:?}"
        );
        start_all(&mut core, &directive);
    }
    assert_eq!(core.recent_restarts(secs(1)), 2);
    match core.child_exited(&id("c"), &failure(), secs(2)) {
        Directive::GiveUp { stop, reason } => {
            assert_eq!(stop, vec![id("b"), id("a")]);
            assert!(reason.message().contains("more than 2 restarts"));
        }
        other => panic!("expected GiveUp, got {other:?}"),
    }
    assert!(core.stop_order().is_empty());
}

#[test]
fn the_window_slides_on_the_monotonic_clock() {
    let mut core = core_with(
        SupervisionStrategy::one_for_one(2, Duration::from_millis(1500)),
        &[("a", PERMANENT)],
    );
    let mut fail_at = |millis: u64| {
        let directive = core.child_exited(&id("a"), &failure(), Duration::from_millis(millis));
        start_all(&mut core, &directive);
        directive
    };
    assert!(matches!(fail_at(0), Directive::Restart { .. }));
    assert!(matches!(fail_at(1000), Directive::Restart { .. }));
    // At 1600 ms the restart at 0 ms has left the 1.5 s window: two inside.
    assert!(matches!(fail_at(1600), Directive::Restart { .. }));
    // At 2400 ms, 1000 and 1600 are inside, so this is the third: too many.
    assert!(matches!(fail_at(2400), Directive::GiveUp { .. }));
}

#[test]
fn zero_intensity_gives_up_at_the_first_restart() {
    let mut core = core_with(
        SupervisionStrategy::one_for_one(0, secs(1)),
        &[("a", PERMANENT), ("b", PERMANENT)],
    );
    assert_eq!(
        core.child_exited(&id("a"), &failure(), secs(0)),
        Directive::GiveUp {
            stop: vec![id("b")],
            reason: ActorError::msg(
                "reached the maximum restart intensity: more than 0 restarts within 1s"
            )
        }
    );
}

#[test]
fn a_failed_start_counts_as_another_restart_and_replans_the_group() {
    let mut core = core_with(
        SupervisionStrategy::all_for_one(5, secs(10)),
        &[("a", PERMANENT), ("b", PERMANENT), ("c", PERMANENT)],
    );
    let first = core.child_exited(&id("c"), &failure(), secs(0));
    assert!(matches!(first, Directive::Restart { .. }));
    // `a` starts, then `b` fails to start: `a` is stopped again, all start again.
    core.child_started(&id("a"));
    assert_eq!(
        core.start_failed(&id("b"), ActorError::msg("no"), secs(1)),
        Directive::Restart {
            failed: id("b"),
            stop: vec![id("a")],
            start: vec![id("a"), id("b"), id("c")]
        }
    );
    assert_eq!(core.recent_restarts(secs(1)), 2);
}

#[test]
fn unknown_children_are_ignored() {
    let mut core = SupervisorCore::new(SupervisionStrategy::default());
    assert_eq!(
        core.child_exited(&id("ghost"), &failure(), secs(0)),
        Directive::Nothing
    );
    assert!(!core.remove_child(&id("ghost")));
}

#[test]
fn many_children_keep_their_order_through_removals_and_compaction() {
    let mut core = SupervisorCore::new(SupervisionStrategy::rest_for_one(10, secs(5)));
    let names: Vec<String> = (0..1000).map(|n| format!("c{n}")).collect();
    for name in &names {
        core.add_child(id(name), PERMANENT);
    }
    // Remove every child but each tenth: the holes get compacted away.
    for (n, name) in names.iter().enumerate() {
        if n % 10 != 0 {
            assert!(core.remove_child(&id(name)));
        }
    }
    assert_eq!(core.len(), 100);
    let kept: Vec<ActorId> = core.children().map(|c| c.id.clone()).collect();
    let expected: Vec<ActorId> = names.iter().step_by(10).map(|n| id(n)).collect();
    assert_eq!(kept, expected);
    // Lookups still find the right places after compaction.
    match core.child_exited(&id("c980"), &failure(), secs(0)) {
        Directive::Restart { stop, start, .. } => {
            assert_eq!(stop, vec![id("c990")]);
            assert_eq!(start, vec![id("c980"), id("c990")]);
        }
        other => panic!("expected a restart, got {other:?}"),
    }
    assert!(core.contains(&id("c0")) && !core.contains(&id("c1")));
}

#[test]
fn a_supervisor_rebuilt_with_its_restart_times_keeps_its_window() {
    let strategy = SupervisionStrategy::one_for_one(2, secs(60));
    let mut core = core_with(strategy, &[("a", PERMANENT)]);
    let directive = core.child_exited(&id("a"), &failure(), secs(100));
    start_all(&mut core, &directive);
    let stored: Vec<Duration> = core.restart_times().collect();
    assert_eq!(stored, vec![secs(100)]);

    // A new process: the children and the window come back from storage.
    let mut rebuilt = core_with(strategy, &[("a", PERMANENT)]);
    rebuilt.restore_restart_times(stored);
    assert_eq!(rebuilt.recent_restarts(secs(110)), 1);
    let directive = rebuilt.child_exited(&id("a"), &failure(), secs(110));
    assert!(
        matches!(directive, Directive::Restart { .. }),
        "{directive:?}"
    );
    start_all(&mut rebuilt, &directive);
    assert!(matches!(
        rebuilt.child_exited(&id("a"), &failure(), secs(120)),
        Directive::GiveUp { .. }
    ));
}
