//! A test fixture supervisor for the edge tests: it spawns reminders
//! ([`crate::reminder`]) as child objects and passes messages to them.
//!
//! Its object classes pick the supervision strategy (`TEAM` one-for-one,
//! `TEAM_ALL` all-for-one, `TEAM_REST` rest-for-one), so the tests can watch
//! which children restart through `init` when one fails.

use alloy_actors::{ActorRef, ActorSpec, Behavior, Context, Effect, Message};
use serde::{Deserialize, Serialize};

use crate::reminder::{Reminder, ReminderMsg};

/// What a team accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamMsg {
    /// Spawns a reminder child called `name` (a `REMINDER` object).
    Hire {
        /// The child's name under the team.
        name: String,
    },
    /// Answers how many children it hired since `init`, as a [`Hires`].
    HowMany {
        /// Who gets the answer.
        reply_to: ActorRef<Hires>,
    },
    /// Tells `message` to `to` (a child, usually).
    Pass {
        /// The receiver.
        to: ActorRef<ReminderMsg>,
        /// What it gets.
        message: ReminderMsg,
    },
}

impl Message for TeamMsg {
    const TYPE_NAME: &'static str = "conclave.fixture.TeamMsg";
}

/// How many children a team hired since `init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hires(pub u64);

impl Message for Hires {
    const TYPE_NAME: &'static str = "conclave.fixture.Hires";
}

/// The team behavior; its state counts hires.
#[derive(Debug, Clone, Copy, Default)]
pub struct Team;

impl Behavior for Team {
    type State = u64;
    type Message = TeamMsg;

    fn init(&self) -> u64 {
        0
    }

    fn receive(&self, _ctx: &Context<TeamMsg>, hires: u64, msg: TeamMsg) -> Effect<u64> {
        match msg {
            TeamMsg::Hire { name } => {
                Effect::from(hires + 1).spawn(ActorSpec::new(Reminder).name(name).kind("REMINDER"))
            }
            TeamMsg::HowMany { reply_to } => Effect::from(hires).tell(&reply_to, Hires(hires)),
            TeamMsg::Pass { to, message } => Effect::from(hires).tell(&to, message),
        }
    }
}
