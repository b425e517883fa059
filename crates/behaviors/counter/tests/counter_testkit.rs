//! The counter under the test kit: no runtime, pure data in and out.

use alloy_actors::testkit::{StepOutcome, TestKit};
use alloy_actors::{ActorSpec, ErrorPolicy, LifecycleEvent};
use alloy_counter::{Count, Counter, CounterMsg};

#[test]
fn increment_adds_one_and_tells_no_one() {
    let mut kit = TestKit::new(Counter);
    kit.send(CounterMsg::Increment)
        .assert_continued()
        .assert_no_tells();
    kit.send(CounterMsg::Increment);
    assert_eq!(kit.state(), Some(&2));
}

#[test]
fn decrement_subtracts_one_and_may_go_negative() {
    let mut kit = TestKit::new(Counter);
    kit.send(CounterMsg::Decrement).assert_no_tells();
    kit.send(CounterMsg::Decrement);
    assert_eq!(kit.state(), Some(&-2));
}

#[test]
fn get_count_replies_with_the_count_and_keeps_it() {
    let mut kit = TestKit::new(Counter);
    let probe = kit.probe("probe");
    kit.send(CounterMsg::GetCount {
        reply_to: probe.clone(),
    })
    .assert_told(&probe, &Count(0));
    for _ in 0..5 {
        kit.send(CounterMsg::Increment);
    }
    kit.send(CounterMsg::Decrement);
    kit.send(CounterMsg::GetCount {
        reply_to: probe.clone(),
    })
    .assert_told(&probe, &Count(4));
    assert_eq!(kit.received_by(&probe), vec![&Count(0), &Count(4)]);
    assert_eq!(kit.state(), Some(&4));
}

#[test]
fn lifecycle_events_keep_the_count() {
    let mut kit = TestKit::new(Counter);
    kit.send(CounterMsg::Increment);
    kit.lifecycle(LifecycleEvent::PostRestart)
        .assert_continued();
    assert_eq!(kit.state(), Some(&1));
    kit.stop();
    assert_eq!(kit.state(), None);
    assert!(matches!(
        kit.send(CounterMsg::Increment).outcome(),
        StepOutcome::NotDelivered(_)
    ));
}

#[test]
fn a_restart_resets_the_count_through_init() {
    let mut kit = TestKit::from_spec(
        ActorSpec::new(Counter)
            .name("counter")
            .error_policy(ErrorPolicy::RestartWith(100)),
    );
    kit.send(CounterMsg::Increment);
    kit.restart();
    assert_eq!(kit.state(), Some(&0));
    assert_eq!(kit.id().to_string(), "test/counter#0");
}
