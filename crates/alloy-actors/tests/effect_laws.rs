//! The laws of effect composition, checked by proptest.
//!
//! `and_then` must behave as the bind of the seed's `actor { }` builder:
//! left and right identity, associativity, side effects kept in order, and
//! `Stop`, `Restart` and `Escalate` short-circuiting what comes after them.

use alloy_actors::{ActorError, Effect, LogLevel, SideEffect};
use proptest::prelude::*;

/// A step function, described as data so proptest can generate and shrink it.
#[derive(Debug, Clone)]
enum Step {
    Add(i32),
    AddAndLog(i32, u8),
    Stop(u8),
    Restart,
    Ignore,
    Escalate(u8),
}

impl Step {
    fn run(&self, state: i32) -> Effect<i32> {
        match self {
            Step::Add(k) => Effect::Continue(state.wrapping_add(*k)),
            Step::AddAndLog(k, n) => {
                let mut effect = Effect::from(state.wrapping_add(*k));
                for i in 0..*n {
                    effect = effect.log(LogLevel::Info, format!("{k}:{i}"));
                }
                effect
            }
            Step::Stop(n) => Effect::from(state).stop(format!("stop {n}")),
            Step::Restart => Effect::Restart(state),
            Step::Ignore => Effect::from(state).ignore(),
            Step::Escalate(n) => Effect::Escalate {
                state,
                error: ActorError::msg(format!("fail {n}")),
            },
        }
    }
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<i32>().prop_map(Step::Add),
        (any::<i32>(), 0u8..4).prop_map(|(k, n)| Step::AddAndLog(k, n)),
        any::<u8>().prop_map(Step::Stop),
        Just(Step::Restart),
        Just(Step::Ignore),
        any::<u8>().prop_map(Step::Escalate),
    ]
}

/// An arbitrary starting effect: a step applied to an arbitrary state, or a
/// `ContinueWith` with an explicit (possibly empty) list of side effects.
fn effect() -> impl Strategy<Value = Effect<i32>> {
    prop_oneof![
        (any::<i32>(), step()).prop_map(|(s, f)| f.run(s)),
        (any::<i32>(), proptest::collection::vec(any::<u8>(), 0..4)).prop_map(|(s, logs)| {
            let effects = logs
                .into_iter()
                .map(|n| SideEffect::Log {
                    level: LogLevel::Debug,
                    text: format!("seed {n}"),
                })
                .collect();
            Effect::ContinueWith(s, effects)
        }),
    ]
}

/// Everything observable about an effect, for structural comparison.
fn observe(effect: &Effect<i32>) -> String {
    format!("{effect:?}")
}

proptest! {
    #[test]
    fn left_identity(a in any::<i32>(), f in step()) {
        prop_assert_eq!(observe(&Effect::Continue(a).and_then(|s| f.run(s))), observe(&f.run(a)));
    }

    #[test]
    fn right_identity(m in effect()) {
        let expected = observe(&m);
        prop_assert_eq!(observe(&m.and_then(Effect::Continue)), expected);
    }

    #[test]
    fn associativity(m in effect(), f in step(), g in step()) {
        let left = observe(&m_clone(&m).and_then(|s| f.run(s)).and_then(|s| g.run(s)));
        let right = observe(&m.and_then(|s| f.run(s).and_then(|t| g.run(t))));
        prop_assert_eq!(left, right);
    }

    #[test]
    fn side_effects_accumulate_in_order_until_a_short_circuit(
        start in any::<i32>(),
        steps in proptest::collection::vec(step(), 0..8),
    ) {
        let mut effect = Effect::from(start);
        for f in &steps {
            effect = effect.and_then(|s| f.run(s));
        }
        // The model: walk the steps, logging until the first short circuit.
        let mut logs = Vec::new();
        let mut state = start;
        let mut ended = None;
        for f in &steps {
            match f {
                Step::Add(k) => state = state.wrapping_add(*k),
                Step::AddAndLog(k, n) => {
                    state = state.wrapping_add(*k);
                    logs.extend((0..*n).map(|i| format!("{k}:{i}")));
                }
                Step::Stop(_) | Step::Restart | Step::Ignore | Step::Escalate(_) => {
                    ended = Some(f.clone());
                    break;
                }
            }
        }
        let texts: Vec<String> = effect
            .side_effects()
            .iter()
            .map(|e| match e {
                SideEffect::Log { text, .. } => text.clone(),
                other => panic!("unexpected side effect {other:?}"),
            })
            .collect();
        prop_assert_eq!(effect.state(), &state);
        match ended {
            None => {
                prop_assert!(effect.is_continue());
                prop_assert_eq!(texts, logs);
            }
            // A stop keeps what was bound before it: the last reply still goes out.
            Some(Step::Stop(n)) => {
                let stopped_as_expected = matches!(&effect, Effect::Stop { reason, .. } if *reason == format!("stop {n}"));
                prop_assert!(stopped_as_expected, "{:?}", effect);
                prop_assert_eq!(texts, logs);
            }
            // A restart or a failure abandons the message's side effects.
            Some(Step::Restart) => {
                prop_assert!(matches!(effect, Effect::Restart(_)));
                prop_assert!(texts.is_empty());
            }
            // An ignore abandons them too: the actor never ran.
            Some(Step::Ignore) => {
                prop_assert!(matches!(effect, Effect::Ignore(_)));
                prop_assert!(texts.is_empty());
            }
            Some(Step::Escalate(n)) => {
                let failed_as_expected = matches!(&effect, Effect::Escalate { error, .. } if error.message() == format!("fail {n}"));
                prop_assert!(failed_as_expected, "{:?}", effect);
                prop_assert!(texts.is_empty());
            }
            Some(other) => unreachable!("{other:?} does not end a chain"),
        }
    }
}

/// Effects are not `Clone` in general (their messages are), but these are built
/// only from logs, so rebuilding one from its parts is exact.
fn m_clone(effect: &Effect<i32>) -> Effect<i32> {
    match effect {
        Effect::Continue(s) => Effect::Continue(*s),
        Effect::ContinueWith(s, effects) => Effect::ContinueWith(*s, effects.clone()),
        Effect::Stop {
            state,
            reason,
            effects,
        } => Effect::Stop {
            state: *state,
            reason: reason.clone(),
            effects: effects.clone(),
        },
        Effect::Restart(s) => Effect::Restart(*s),
        Effect::Ignore(s) => Effect::Ignore(*s),
        Effect::Escalate { state, error } => Effect::Escalate {
            state: *state,
            error: error.clone(),
        },
    }
}

#[test]
fn a_handler_reads_top_to_bottom() {
    let effect = Effect::from(1)
        .info("one")
        .map(|n| n + 1)
        .info("two")
        .stop("done")
        .info("never");
    assert_eq!(effect.state(), &2);
    let texts: Vec<_> = effect
        .side_effects()
        .iter()
        .filter_map(|e| match e {
            SideEffect::Log { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["one", "two"]);
}
