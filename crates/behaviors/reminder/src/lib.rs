//! The reminder: keyed timers, cancellation, failure on request, and tells
//! to other reminders. One behavior, every runtime.
//!
//! It schedules notes as keyed timers (so many are pending at once: behind
//! a Durable Object's single alarm on Conclave), tells them back when due,
//! fails, panics, stops or resets on request (so a runtime's restarts can be observed) and passes
//! messages on to other reminders (tells between actors). Conclave's
//! real-workerd tests drive it; the test kit drives it with no runtime:
//!
//! ```
//! use std::time::Duration;
//! use alloy_actors::testkit::TestKit;
//! use alloy_reminder::{Reminded, Reminder, ReminderMsg};
//!
//! let mut kit = TestKit::new(Reminder);
//! let me = kit.probe("me");
//! kit.send(ReminderMsg::RemindMe { after_ms: 500, note: "tea".into(), reply_to: me.clone() });
//! kit.advance(Duration::from_millis(500));
//! assert_eq!(kit.received_by(&me), vec![&Reminded { note: "tea".into(), fired: 1 }]);
//! ```

use std::time::Duration;

use alloy_actors::{ActorError, ActorRef, Behavior, Context, Effect, Message};
use serde::{Deserialize, Serialize};

/// What a reminder accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReminderMsg {
    /// Tell `note` back to `reply_to` after `after_ms`.
    RemindMe {
        /// The delay, ms.
        after_ms: u64,
        /// What to remind of; also the timer's key.
        note: String,
        /// Who gets the [`Reminded`].
        reply_to: ActorRef<Reminded>,
    },
    /// Schedules `count` reminders at once, noted `0` to `count - 1`, each
    /// told to `reply_to` after `after_ms` (enough of them overflow an
    /// object's timer cap).
    RemindMany {
        /// How many.
        count: u32,
        /// The delay, ms.
        after_ms: u64,
        /// Who gets the [`Reminded`]s.
        reply_to: ActorRef<Reminded>,
    },
    /// Cancels the pending reminder for `note`.
    Forget {
        /// The note to forget.
        note: String,
    },
    /// A reminder came due (sent by the actor to itself).
    Due {
        /// The note.
        note: String,
        /// Who gets the [`Reminded`].
        reply_to: ActorRef<Reminded>,
    },
    /// Answers how many reminders fired, as a [`Reminded`] with an empty note.
    HowMany {
        /// Who gets the answer.
        reply_to: ActorRef<Reminded>,
    },
    /// Fails (escalates), so the runtime restarts the actor through `init`.
    Fail,
    /// Tells `message` to another reminder, `to`.
    Pass {
        /// The receiver.
        to: ActorRef<ReminderMsg>,
        /// What it gets.
        message: Box<ReminderMsg>,
    },
    /// Panics in the handler (on wasm32 the instance traps), so a runtime's
    /// handling of a panicking behavior can be observed.
    Panic,
    /// Stops normally (its supervisor restarts it if it is permanent).
    Stop,
    /// Restarts through `init` on purpose: the explicit reset, which
    /// writes the fresh state over the stored one.
    Reset,
}

impl Message for ReminderMsg {
    const TYPE_NAME: &'static str = "alloy.reminder.ReminderMsg";
}

/// A reminder that fired, or the answer to [`ReminderMsg::HowMany`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminded {
    /// The note (empty for `HowMany`).
    pub note: String,
    /// How many reminders fired so far, this one included.
    pub fired: u64,
}

impl Message for Reminded {
    const TYPE_NAME: &'static str = "alloy.reminder.Reminded";
}

/// The reminder behavior; its state counts fired reminders.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reminder;

impl Behavior for Reminder {
    type State = u64;
    type Message = ReminderMsg;

    fn init(&self) -> u64 {
        0
    }

    fn receive(&self, ctx: &Context<ReminderMsg>, fired: u64, msg: ReminderMsg) -> Effect<u64> {
        match msg {
            ReminderMsg::RemindMe {
                after_ms,
                note,
                reply_to,
            } => Effect::from(fired).schedule(
                note.clone(),
                Duration::from_millis(after_ms),
                &ctx.myself(),
                ReminderMsg::Due { note, reply_to },
            ),
            ReminderMsg::RemindMany {
                count,
                after_ms,
                reply_to,
            } => (0..count).fold(Effect::from(fired), |effect, n| {
                let note = n.to_string();
                let due = ReminderMsg::Due {
                    note: note.clone(),
                    reply_to: reply_to.clone(),
                };
                effect.schedule(note, Duration::from_millis(after_ms), &ctx.myself(), due)
            }),
            ReminderMsg::Forget { note } => Effect::from(fired).cancel_timer(note),
            ReminderMsg::Due { note, reply_to } => {
                let fired = fired + 1;
                Effect::from(fired).tell(&reply_to, Reminded { note, fired })
            }
            ReminderMsg::HowMany { reply_to } => Effect::from(fired).tell(
                &reply_to,
                Reminded {
                    note: String::new(),
                    fired,
                },
            ),
            ReminderMsg::Fail => Effect::from(fired).escalate(ActorError::msg("asked to fail")),
            ReminderMsg::Pass { to, message } => Effect::from(fired).tell(&to, *message),
            ReminderMsg::Panic => panic!("asked to panic with {fired} fired"),
            ReminderMsg::Stop => Effect::from(fired).stop("asked to stop"),
            ReminderMsg::Reset => Effect::from(fired).restart(),
        }
    }
}
