//! The reminder under the test kit: timers on a virtual clock, no runtime.

use std::time::Duration;

use alloy_actors::testkit::{Status, TestKit};
use alloy_actors::{ActorId, ActorRef};
use alloy_reminder::{Reminded, Reminder, ReminderMsg};

fn remind(after_ms: u64, note: &str, reply_to: &ActorRef<Reminded>) -> ReminderMsg {
    ReminderMsg::RemindMe {
        after_ms,
        note: note.into(),
        reply_to: reply_to.clone(),
    }
}

fn reminded(note: &str, fired: u64) -> Reminded {
    Reminded {
        note: note.into(),
        fired,
    }
}

#[test]
fn reminders_fire_in_due_order_and_count() {
    let mut kit = TestKit::new(Reminder);
    let me = kit.probe("me");
    let myself = kit.myself();
    kit.send(remind(300, "third", &me)).assert_scheduled(
        Duration::from_millis(300),
        &myself,
        &ReminderMsg::Due {
            note: "third".into(),
            reply_to: me.clone(),
        },
    );
    kit.send(remind(100, "first", &me));
    kit.send(remind(200, "second", &me));
    assert_eq!(kit.pending_timers().len(), 3);
    assert!(kit.advance(Duration::from_millis(99)).is_empty());
    kit.advance(Duration::from_millis(201));
    assert_eq!(
        kit.received_by(&me),
        vec![
            &reminded("first", 1),
            &reminded("second", 2),
            &reminded("third", 3)
        ]
    );
    assert_eq!(kit.state(), Some(&3));
}

#[test]
fn a_note_is_the_timer_key_so_forget_cancels_and_a_new_one_replaces() {
    let mut kit = TestKit::new(Reminder);
    let me = kit.probe("me");
    kit.send(remind(100, "tea", &me));
    kit.send(remind(500, "tea", &me));
    assert_eq!(kit.pending_timers().len(), 1, "the same note replaces");
    kit.send(remind(100, "cake", &me));
    kit.send(ReminderMsg::Forget {
        note: "cake".into(),
    });
    kit.advance(Duration::from_secs(1));
    assert_eq!(kit.received_by(&me), vec![&reminded("tea", 1)]);
}

#[test]
fn remind_many_schedules_one_keyed_timer_each() {
    let mut kit = TestKit::new(Reminder);
    let me = kit.probe("me");
    kit.send(ReminderMsg::RemindMany {
        count: 5,
        after_ms: 50,
        reply_to: me.clone(),
    });
    assert_eq!(kit.pending_timers().len(), 5);
    kit.advance(Duration::from_millis(50));
    let notes: Vec<&str> = kit
        .received_by(&me)
        .iter()
        .map(|r| r.note.as_str())
        .collect();
    assert_eq!(notes, ["0", "1", "2", "3", "4"]);
}

#[test]
fn how_many_answers_and_fail_escalates_then_a_restart_starts_from_init() {
    let mut kit = TestKit::new(Reminder);
    let me = kit.probe("me");
    for _ in 0..2 {
        kit.send(ReminderMsg::Due {
            note: "n".into(),
            reply_to: me.clone(),
        });
    }
    kit.send(ReminderMsg::HowMany {
        reply_to: me.clone(),
    })
    .assert_told(&me, &reminded("", 2));
    let error = kit.send(ReminderMsg::Fail).assert_escalated().clone();
    assert_eq!(error.message(), "asked to fail");
    assert!(matches!(kit.status(), Status::Escalated(_)));
    kit.restart();
    assert_eq!(kit.status(), &Status::Running);
    assert_eq!(kit.state(), Some(&0));
}

#[test]
fn pass_tells_another_reminder() -> Result<(), alloy_actors::ActorIdError> {
    let mut kit = TestKit::new(Reminder);
    let other: ActorRef<ReminderMsg> = ActorRef::new(ActorId::new("test/other", 0)?);
    let forget = ReminderMsg::Forget { note: "x".into() };
    kit.send(ReminderMsg::Pass {
        to: other.clone(),
        message: Box::new(forget.clone()),
    })
    .assert_told(&other, &forget);
    assert_eq!(kit.state(), Some(&0), "passing on is not firing");
    Ok(())
}
