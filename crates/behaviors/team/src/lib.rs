//! The team: a supervisor that spawns reminders ([`alloy_reminder`]) as
//! its children and passes messages to them. One behavior, every runtime.
//!
//! The supervision strategy is the runtime's to apply (on Conclave, each
//! object class declares one: `TEAM` one-for-one, `TEAM_ALL` all-for-one,
//! `TEAM_REST` rest-for-one, `TEAM_STRICT` one-for-one with 2 restarts in
//! 60 s), so tests can watch which children restart when one fails: a
//! restarted child runs `init` and gets its last stored state back (the
//! recovery point), so a restart does not lose what a child counted.
//!
//! Its children tell clients (a reminder tells its `reply_to`), and on
//! Conclave a client (`client/...`) is another system, so the team grants
//! its reminders [`Capability::Remote`] in their specs;
//! [`TeamMsg::HireLocal`] hires one without it, whose tells to clients are
//! refused (its failure, which the team supervises). The test kit drives it
//! with no runtime:
//!
//! ```
//! use alloy_actors::testkit::TestKit;
//! use alloy_team::{Hires, Team, TeamMsg};
//!
//! let mut kit = TestKit::new(Team::default());
//! kit.send(TeamMsg::Hire { name: "w1".into() }).assert_spawned("w1");
//! let boss = kit.probe("boss");
//! kit.send(TeamMsg::HowMany { reply_to: boss.clone() }).assert_told(&boss, &Hires(1));
//! ```

use std::borrow::Cow;

use alloy_actors::{
    ActorRef, ActorSpec, Behavior, Capabilities, Capability, Context, Effect, Message, RestartType,
};
use alloy_reminder::{Reminder, ReminderMsg};
use serde::{Deserialize, Serialize};

/// What a team accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamMsg {
    /// Spawns a reminder child called `name`, of the team's reminder kind,
    /// granted [`Team::CHILD_CAPABILITIES`].
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
    /// Spawns a transient reminder child called `name`: restarted after a
    /// failure, not after a normal stop.
    HireTransient {
        /// The child's name under the team.
        name: String,
    },
    /// Restarts the team through `init` on purpose (its children are
    /// restarted with it, each from its last stored state).
    Reset,
    /// Spawns a reminder child called `name` with the default capabilities
    /// only (no [`Capability::Remote`]): it may not tell a client.
    HireLocal {
        /// The child's name under the team.
        name: String,
    },
}

impl Message for TeamMsg {
    const TYPE_NAME: &'static str = "alloy.team.TeamMsg";
}

/// How many children a team hired since `init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hires(pub u64);

impl Message for Hires {
    const TYPE_NAME: &'static str = "alloy.team.Hires";
}

/// The team behavior; its state counts hires since `init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    reminder_kind: Cow<'static, str>,
}

impl Team {
    /// The kind reminders are spawned with by default: on Conclave, the
    /// binding of the class that hosts them; Olivier runs a child in
    /// process whatever its kind.
    pub const REMINDER_KIND: &'static str = "REMINDER";

    /// What its reminders may do: the defaults and [`Capability::Remote`],
    /// since they tell the clients that ask them (on Conclave a client is
    /// another system).
    pub const CHILD_CAPABILITIES: Capabilities = Capabilities::none()
        .with(Capability::Spawn)
        .with(Capability::Schedule)
        .with(Capability::Remote);

    /// A team whose reminders are spawned with kind `reminder_kind`.
    pub fn new(reminder_kind: impl Into<Cow<'static, str>>) -> Self {
        Self {
            reminder_kind: reminder_kind.into(),
        }
    }

    /// The kind its reminders are spawned with.
    pub fn reminder_kind(&self) -> &str {
        &self.reminder_kind
    }

    /// The spec of a reminder child called `name`, of the team's kind.
    fn reminder(&self, name: String) -> ActorSpec<Reminder> {
        ActorSpec::new(Reminder)
            .name(name)
            .kind(self.reminder_kind.clone())
    }
}

impl Default for Team {
    /// A team spawning reminders of kind [`Team::REMINDER_KIND`].
    fn default() -> Self {
        Self::new(Self::REMINDER_KIND)
    }
}

impl Behavior for Team {
    type State = u64;
    type Message = TeamMsg;

    fn init(&self) -> u64 {
        0
    }

    fn receive(&self, _ctx: &Context<TeamMsg>, hires: u64, msg: TeamMsg) -> Effect<u64> {
        match msg {
            TeamMsg::Hire { name } => {
                let spec = self.reminder(name).capabilities(Self::CHILD_CAPABILITIES);
                Effect::from(hires + 1).spawn(spec)
            }
            TeamMsg::HireLocal { name } => {
                let spec = self.reminder(name).capabilities(Capabilities::default());
                Effect::from(hires + 1).spawn(spec)
            }
            TeamMsg::HowMany { reply_to } => Effect::from(hires).tell(&reply_to, Hires(hires)),
            TeamMsg::Pass { to, message } => Effect::from(hires).tell(&to, message),
            TeamMsg::HireTransient { name } => {
                let spec = self
                    .reminder(name)
                    .capabilities(Self::CHILD_CAPABILITIES)
                    .restart_type(RestartType::Transient);
                Effect::from(hires + 1).spawn(spec)
            }
            TeamMsg::Reset => Effect::from(hires).restart(),
        }
    }
}
