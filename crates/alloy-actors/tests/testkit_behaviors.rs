//! The test kit itself: timers on the virtual clock, failures as data, error
//! policies, capabilities, spawning and supervision.

use std::time::Duration;

use alloy_actors::runtime::{ChildExit, Directive, Failure, Recovery};
use alloy_actors::testkit::{Input, Status, StepOutcome, TestKit};
use alloy_actors::{
    ActorError, ActorId, ActorRef, ActorSpec, Behavior, Capabilities, Capability, Context, Effect,
    ErrorPolicy, LifecycleEvent, Message, RestartReason, RestartType, Spawned, SupervisionStrategy,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Cmd {
    Add(i64),
    RemindMe { after_ms: u64, key: Option<String> },
    Forget(String),
    Remind,
    Ping { at_ms: u64, to: ActorRef<Pong> },
    Fail(String),
    Panic,
    Quit { reply_to: ActorRef<Pong> },
    Again,
    Hire(String),
    Hired(ActorId),
    Echo,
}

impl Message for Cmd {
    const TYPE_NAME: &'static str = "test.Cmd";
}

impl From<Spawned> for Cmd {
    fn from(notice: Spawned) -> Self {
        Cmd::Hired(notice.child)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Pong(i64);

impl Message for Pong {
    const TYPE_NAME: &'static str = "test.Pong";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Book {
    total: i64,
    reminders: u32,
    hired: Vec<ActorId>,
    events: Vec<String>,
}

struct Clerk;

impl Behavior for Clerk {
    type State = Book;
    type Message = Cmd;

    fn init(&self) -> Book {
        Book::default()
    }

    fn receive(&self, ctx: &Context<Cmd>, mut book: Book, msg: Cmd) -> Effect<Book> {
        match msg {
            Cmd::Add(n) => {
                book.total += n;
                Effect::from(book)
            }
            Cmd::RemindMe { after_ms, key } => {
                let after = Duration::from_millis(after_ms);
                match key {
                    Some(key) => {
                        Effect::from(book).schedule(key, after, &ctx.myself(), Cmd::Remind)
                    }
                    None => Effect::from(book).schedule_once(after, &ctx.myself(), Cmd::Remind),
                }
            }
            Cmd::Forget(key) => Effect::from(book).cancel_timer(key),
            Cmd::Remind => {
                book.reminders += 1;
                Effect::from(book)
            }
            Cmd::Ping { at_ms, to } => {
                let total = book.total;
                Effect::from(book).schedule_once(Duration::from_millis(at_ms), &to, Pong(total))
            }
            Cmd::Fail(why) => {
                book.total = -1; // the state the failure carries
                Effect::from(book).info("about to fail").escalate(why)
            }
            Cmd::Panic => panic!("the clerk panicked"),
            Cmd::Quit { reply_to } => {
                let total = book.total;
                Effect::from(book).tell(&reply_to, Pong(total)).stop("quit")
            }
            Cmd::Again => Effect::from(book).restart(),
            Cmd::Hire(name) => {
                let spec = ActorSpec::new(Clerk)
                    .name(name)
                    .restart_type(RestartType::Transient);
                Effect::from(book).spawn_and_notify(spec, &ctx.myself())
            }
            Cmd::Hired(child) => {
                book.hired.push(child);
                Effect::from(book)
            }
            Cmd::Echo => Effect::from(book).tell(&ctx.myself(), Cmd::Add(1)),
        }
    }

    fn lifecycle(
        &self,
        _ctx: &Context<Cmd>,
        mut book: Book,
        event: LifecycleEvent,
    ) -> Effect<Book> {
        book.events.push(match event {
            LifecycleEvent::PreStart => "pre-start".to_owned(),
            LifecycleEvent::PostStop => "post-stop".to_owned(),
            LifecycleEvent::PreRestart { reason } => format!("pre-restart {reason:?}"),
            LifecycleEvent::PostRestart => "post-restart".to_owned(),
            other => format!("{other:?}"),
        });
        Effect::from(book)
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn start_runs_init_then_pre_start() {
    let kit = TestKit::new(Clerk);
    assert!(matches!(kit.steps()[0].input(), Input::Start));
    assert_eq!(kit.state().unwrap().events, ["pre-start"]);
    assert_eq!(kit.id().to_string(), "test/actor#0");
}

#[test]
fn timers_to_self_fire_in_due_order_on_the_virtual_clock() {
    let mut kit = TestKit::new(Clerk);
    kit.send(Cmd::RemindMe {
        after_ms: 300,
        key: None,
    });
    kit.send(Cmd::RemindMe {
        after_ms: 100,
        key: None,
    });
    assert_eq!(kit.pending_timers().len(), 2);
    assert!(kit.advance(ms(99)).is_empty());
    let fired = kit.advance(ms(1));
    assert_eq!(fired.len(), 1);
    assert!(matches!(fired[0].input(), Input::Timer(_)));
    assert_eq!(fired[0].at(), ms(100));
    assert_eq!(kit.state().unwrap().reminders, 1);
    kit.advance(ms(1000));
    assert_eq!(kit.state().unwrap().reminders, 2);
    assert_eq!(kit.now(), ms(1100));
    assert!(kit.pending_timers().is_empty());
}

#[test]
fn a_keyed_timer_is_replaced_and_can_be_cancelled() {
    let mut kit = TestKit::new(Clerk);
    kit.send(Cmd::RemindMe {
        after_ms: 100,
        key: Some("k".into()),
    });
    kit.send(Cmd::RemindMe {
        after_ms: 500,
        key: Some("k".into()),
    });
    assert_eq!(kit.pending_timers().len(), 1);
    assert_eq!(kit.pending_timers()[0].due, ms(500));
    kit.advance(ms(200));
    assert_eq!(kit.state().unwrap().reminders, 0);
    kit.send(Cmd::Forget("k".into()));
    kit.advance(ms(1000));
    assert_eq!(kit.state().unwrap().reminders, 0);
}

#[test]
fn timers_to_other_actors_land_in_the_outbox_when_due() {
    let mut kit = TestKit::new(Clerk);
    let probe = kit.probe::<Pong>("probe");
    kit.send(Cmd::Add(7));
    kit.send(Cmd::Ping {
        at_ms: 50,
        to: probe.clone(),
    })
    .assert_scheduled(ms(50), &probe, &Pong(7));
    assert!(kit.received_by(&probe).is_empty());
    kit.advance(ms(50));
    assert_eq!(kit.received_by(&probe), vec![&Pong(7)]);
    assert_eq!(kit.outbox()[0].at, ms(50));
}

#[test]
fn an_escalation_is_data_and_the_default_policy_hands_it_up() {
    let mut kit = TestKit::new(Clerk);
    let step = kit.send(Cmd::Fail("bad input".into()));
    assert_eq!(step.assert_escalated(), &ActorError::msg("bad input"));
    // The failed message's side effects are discarded.
    assert!(step.effects().is_empty());
    assert_eq!(step.recovery(), Some(Recovery::Escalate));
    assert!(matches!(
        kit.status(),
        Status::Escalated(Failure::Escalated(_))
    ));
    // Until the supervisor acts, nothing is delivered.
    assert!(matches!(
        kit.send(Cmd::Add(1)).outcome(),
        StepOutcome::NotDelivered(_)
    ));
    kit.restart();
    assert_eq!(kit.status(), &Status::Running);
    let book = kit.state().unwrap();
    assert_eq!(book.total, 0);
    assert_eq!(
        book.events,
        ["post-restart"],
        "a fresh state from init, then PostRestart"
    );
}

#[test]
fn restart_delivers_pre_restart_with_the_surviving_state() {
    let mut kit = TestKit::new(Clerk);
    kit.send(Cmd::Fail("boom".into()));
    kit.restart();
    let pre_restart = kit
        .steps()
        .iter()
        .find(|step| {
            matches!(
                step.input(),
                Input::Lifecycle(LifecycleEvent::PreRestart { .. })
            )
        })
        .expect("a PreRestart step");
    assert!(matches!(
        pre_restart.input(),
        Input::Lifecycle(LifecycleEvent::PreRestart { reason: RestartReason::Failed(e) }) if e.message() == "boom"
    ));
}

#[test]
fn a_panic_is_data_and_resume_returns_to_the_state_before_the_message() {
    let mut kit = TestKit::from_spec(ActorSpec::new(Clerk).error_policy(ErrorPolicy::Resume));
    kit.send(Cmd::Add(5));
    let step = kit.send(Cmd::Panic);
    assert_eq!(step.assert_panicked(), "the clerk panicked");
    assert_eq!(step.recovery(), Some(Recovery::Resumed));
    assert_eq!(kit.state().unwrap().total, 5);
    kit.send(Cmd::Add(1)).assert_continued();
    assert_eq!(kit.state().unwrap().total, 6);
}

#[test]
fn resume_after_an_escalation_keeps_the_state_the_handler_chose() {
    let mut kit = TestKit::from_spec(ActorSpec::new(Clerk).error_policy(ErrorPolicy::Resume));
    kit.send(Cmd::Add(5));
    kit.send(Cmd::Fail("x".into())).assert_escalated();
    assert_eq!(kit.state().unwrap().total, -1);
    assert_eq!(kit.status(), &Status::Running);
}

#[test]
fn restart_with_installs_the_policy_state_and_runs_post_restart() {
    let fresh = Book {
        total: 100,
        ..Book::default()
    };
    let mut kit =
        TestKit::from_spec(ActorSpec::new(Clerk).error_policy(ErrorPolicy::RestartWith(fresh)));
    kit.send(Cmd::Panic).assert_panicked();
    let book = kit.state().unwrap();
    assert_eq!(book.total, 100);
    assert_eq!(book.events, ["post-restart"]);
    assert_eq!(kit.status(), &Status::Running);
}

#[test]
fn the_stop_policy_stops_the_actor_as_failed() {
    let mut kit = TestKit::from_spec(ActorSpec::new(Clerk).error_policy(ErrorPolicy::Stop));
    kit.send(Cmd::Panic);
    assert!(
        matches!(kit.status(), Status::Stopped { reason } if reason.contains("the clerk panicked"))
    );
    assert_eq!(kit.state(), None);
}

#[test]
fn a_stop_keeps_its_final_reply_and_runs_post_stop() {
    let mut kit = TestKit::new(Clerk);
    let probe = kit.probe::<Pong>("probe");
    kit.send(Cmd::Add(3));
    kit.send(Cmd::RemindMe {
        after_ms: 10,
        key: None,
    });
    let step = kit.send(Cmd::Quit {
        reply_to: probe.clone(),
    });
    assert_eq!(step.assert_stopped(), "quit");
    step.assert_told(&probe, &Pong(3));
    let post_stop = kit.last_step();
    assert!(matches!(
        post_stop.input(),
        Input::Lifecycle(LifecycleEvent::PostStop)
    ));
    assert!(
        kit.pending_timers().is_empty(),
        "a stopped actor's timers are cancelled"
    );
    assert_eq!(
        kit.status(),
        &Status::Stopped {
            reason: "quit".into()
        }
    );
}

#[test]
fn a_requested_restart_goes_through_pre_restart_init_and_post_restart() {
    let mut kit = TestKit::new(Clerk);
    kit.send(Cmd::Add(9));
    kit.send(Cmd::Again).assert_restarted();
    let book = kit.state().unwrap();
    assert_eq!(book.total, 0);
    assert_eq!(book.events, ["post-restart"]);
    assert!(kit.steps().iter().any(|s| matches!(
        s.input(),
        Input::Lifecycle(LifecycleEvent::PreRestart {
            reason: RestartReason::Requested
        })
    )));
}

#[test]
fn spawning_records_the_child_and_notifies_reply_to() {
    let mut kit = TestKit::new(Clerk);
    kit.send(Cmd::Hire("helper".into()))
        .assert_spawned("helper");
    assert_eq!(kit.children().len(), 1);
    let child = kit.children()[0].id.clone();
    assert_eq!(child.to_string(), "test/actor/helper#0");
    assert_eq!(kit.self_inbox_len(), 1);
    kit.drain_self(10);
    assert_eq!(kit.state().unwrap().hired, vec![child]);
}

#[test]
fn drain_self_is_bounded() {
    let mut kit = TestKit::new(Clerk);
    kit.send(Cmd::Echo);
    assert_eq!(kit.drain_self(100).len(), 1);
    assert_eq!(kit.state().unwrap().total, 1);
}

#[test]
fn a_missing_capability_fails_the_step_with_a_clear_error() {
    let spec = ActorSpec::new(Clerk).capabilities(Capabilities::none().with(Capability::Schedule));
    let mut kit = TestKit::from_spec(spec);
    let error = kit.send(Cmd::Hire("x".into())).assert_escalated().clone();
    assert_eq!(
        error.message(),
        "actor `test/actor#0` lacks the spawn capability"
    );
    assert!(kit.children().is_empty());
}

#[test]
fn supervision_of_children_follows_the_strategy_on_the_virtual_clock() {
    let spec = ActorSpec::new(Clerk).supervision(SupervisionStrategy::one_for_one(1, ms(1000)));
    let mut kit = TestKit::from_spec(spec);
    kit.send(Cmd::Hire("a".into()));
    let child = kit.children()[0].id.clone();
    let failed = ChildExit::Failed(ActorError::msg("child broke"));
    assert!(matches!(
        kit.child_exited(&child, failed.clone()),
        Directive::Restart { .. }
    ));
    kit.advance(ms(500));
    assert!(matches!(
        kit.child_exited(&child, failed.clone()),
        Directive::GiveUp { .. }
    ));
}

#[test]
fn otp_a_transient_child_that_ends_normally_stays_listed_not_running() {
    let mut kit = TestKit::new(Clerk);
    kit.send(Cmd::Hire("t".into()));
    let child = kit.children()[0].id.clone();
    assert_eq!(kit.child_running(&child), Some(true));
    let normal = ChildExit::Normal {
        reason: "done".into(),
    };
    assert_eq!(kit.child_exited(&child, normal), Directive::Nothing);
    assert_eq!(kit.children().len(), 1);
    assert_eq!(kit.child_running(&child), Some(false));
}

#[test]
fn resume_after_a_refused_outcome_returns_to_the_state_before_the_message() {
    let spec = ActorSpec::new(Clerk)
        .error_policy(ErrorPolicy::Resume)
        .capabilities(Capabilities::none());
    let mut kit = TestKit::from_spec(spec);
    kit.send(Cmd::Add(2));
    // The handler continues, but scheduling is not allowed: the step fails
    // and the state from before the message comes back.
    let step = kit.send(Cmd::RemindMe {
        after_ms: 1,
        key: None,
    });
    assert!(
        step.assert_escalated()
            .message()
            .contains("schedule capability")
    );
    assert_eq!(step.recovery(), Some(Recovery::Resumed));
    assert_eq!(kit.state().unwrap().total, 2);
    assert!(kit.pending_timers().is_empty());
}

#[test]
fn a_restart_forgets_the_old_children_and_their_restart_history() {
    let spec = ActorSpec::new(Clerk).supervision(SupervisionStrategy::one_for_one(1, ms(1000)));
    let mut kit = TestKit::from_spec(spec);
    kit.send(Cmd::Hire("kid".into()));
    let kid = kit.children()[0].id.clone();
    let failed = ChildExit::Failed(ActorError::msg("x"));
    assert!(matches!(
        kit.child_exited(&kid, failed.clone()),
        Directive::Restart { .. }
    ));
    kit.send(Cmd::Again);
    assert!(kit.children().is_empty());
    assert_eq!(kit.child_exited(&kid, failed), Directive::Nothing);
}

#[test]
fn giving_up_on_children_escalates_the_actor_itself() {
    let spec = ActorSpec::new(Clerk).supervision(SupervisionStrategy::one_for_one(0, ms(1000)));
    let mut kit = TestKit::from_spec(spec);
    kit.send(Cmd::Hire("kid".into()));
    let kid = kit.children()[0].id.clone();
    let directive = kit.child_exited(&kid, ChildExit::Failed(ActorError::msg("x")));
    assert!(matches!(directive, Directive::GiveUp { .. }));
    assert!(
        matches!(kit.status(), Status::Escalated(Failure::Escalated(e)) if e.message().contains("restart intensity"))
    );
}

struct Restless;
impl Behavior for Restless {
    type State = u8;
    type Message = Cmd;
    fn init(&self) -> u8 {
        0
    }
    fn receive(&self, _: &Context<Cmd>, n: u8, _: Cmd) -> Effect<u8> {
        Effect::Restart(n)
    }
    fn lifecycle(&self, _: &Context<Cmd>, n: u8, event: LifecycleEvent) -> Effect<u8> {
        match event {
            LifecycleEvent::PostRestart => Effect::Restart(n),
            _ => Effect::from(n),
        }
    }
}

#[test]
fn a_restart_hook_that_restarts_again_fails_instead_of_looping() {
    let mut kit = TestKit::new(Restless);
    kit.send(Cmd::Echo);
    assert!(
        matches!(kit.status(), Status::Escalated(Failure::Escalated(e)) if e.message().contains("another restart"))
    );
}

#[test]
fn the_virtual_clock_saturates_instead_of_overflowing() {
    let mut kit = TestKit::new(Clerk);
    kit.send(Cmd::RemindMe {
        after_ms: u64::MAX,
        key: None,
    });
    kit.advance(Duration::MAX);
    kit.advance(Duration::MAX);
    assert_eq!(kit.now(), Duration::MAX);
    assert_eq!(kit.state().unwrap().reminders, 1);
}
