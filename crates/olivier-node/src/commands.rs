//! What a command's words mean for each hosted kind: `increment`, `get`,
//! `remind 500 tea`... turned into the kind's message, told or asked, and
//! the answer turned back into text.

use std::time::Duration;

use alloy_actors::{ActorId, ActorRef, Message};
use alloy_counter::{Count, CounterMsg};
use alloy_reminder::{Reminded, ReminderMsg};
use olivier_runtime::{ActorSystem, AskError};

use crate::hosting::Kind;

/// The commands of `kind`, for people: `tell` ones, then `ask` ones.
pub fn usage(kind: Kind) -> &'static str {
    match kind {
        Kind::Counter => "tell: increment, decrement; ask: get",
        Kind::Reminder => "tell: forget NOTE, fail, reset; ask: how-many, remind MS NOTE",
    }
}

/// Tells `target`, an actor of `kind`, what `words` say.
///
/// # Errors
///
/// [`CommandError::Unknown`], [`CommandError::NeedsAsk`],
/// [`CommandError::Arguments`], or [`CommandError::Tell`] when the system
/// refused the message at once.
pub fn tell(
    system: &ActorSystem,
    kind: Kind,
    target: &ActorId,
    words: &[String],
) -> Result<(), CommandError> {
    let words = Words::new(kind, words)?;
    match (kind, words.verb) {
        (Kind::Counter, "increment") => send(system, target, words.none(CounterMsg::Increment)?),
        (Kind::Counter, "decrement") => send(system, target, words.none(CounterMsg::Decrement)?),
        (Kind::Counter, "get") | (Kind::Reminder, "how-many" | "remind") => {
            Err(CommandError::NeedsAsk {
                command: words.verb.to_owned(),
            })
        }
        (Kind::Reminder, "forget") => {
            let note = words.one("NOTE")?;
            send(system, target, ReminderMsg::Forget { note })
        }
        (Kind::Reminder, "fail") => send(system, target, words.none(ReminderMsg::Fail)?),
        (Kind::Reminder, "reset") => send(system, target, words.none(ReminderMsg::Reset)?),
        _ => Err(words.unknown()),
    }
}

/// Asks `target`, an actor of `kind`, what `words` say and answers its
/// reply as text.
///
/// # Errors
///
/// [`CommandError::Unknown`], [`CommandError::NeedsTell`],
/// [`CommandError::Arguments`], [`CommandError::Ask`].
pub async fn ask(
    system: &ActorSystem,
    kind: Kind,
    target: &ActorId,
    words: &[String],
    timeout: Duration,
) -> Result<String, CommandError> {
    let words = Words::new(kind, words)?;
    let ask_failed = |source| CommandError::Ask {
        target: target.clone(),
        source: Box::new(source),
    };
    match (kind, words.verb) {
        (Kind::Counter, "get") => {
            words.none(())?;
            let counter = ActorRef::<CounterMsg>::new(target.clone());
            let Count(count) = system
                .ask(
                    &counter,
                    |reply_to| CounterMsg::GetCount { reply_to },
                    timeout,
                )
                .await
                .map_err(ask_failed)?;
            Ok(count.to_string())
        }
        (Kind::Reminder, "how-many") => {
            words.none(())?;
            let reminder = ActorRef::<ReminderMsg>::new(target.clone());
            let Reminded { fired, .. } = system
                .ask(
                    &reminder,
                    |reply_to| ReminderMsg::HowMany { reply_to },
                    timeout,
                )
                .await
                .map_err(ask_failed)?;
            Ok(fired.to_string())
        }
        (Kind::Reminder, "remind") => {
            let (after, note) = words.two("MS NOTE")?;
            let after_ms = after.parse::<u64>().map_err(|_| CommandError::Arguments {
                command: "remind".to_owned(),
                expected: "MS (milliseconds, a whole number) and NOTE",
            })?;
            let reminder = ActorRef::<ReminderMsg>::new(target.clone());
            let Reminded { note, fired } = system
                .ask(
                    &reminder,
                    |reply_to| ReminderMsg::RemindMe {
                        after_ms,
                        note,
                        reply_to,
                    },
                    timeout,
                )
                .await
                .map_err(ask_failed)?;
            Ok(format!("{note} (fired {fired})"))
        }
        (Kind::Counter, "increment" | "decrement")
        | (Kind::Reminder, "forget" | "fail" | "reset") => Err(CommandError::NeedsTell {
            command: words.verb.to_owned(),
        }),
        _ => Err(words.unknown()),
    }
}

fn send<M: Message>(
    system: &ActorSystem,
    target: &ActorId,
    message: M,
) -> Result<(), CommandError> {
    system
        .tell(&ActorRef::<M>::new(target.clone()), message)
        .map_err(|error| CommandError::Tell {
            target: target.clone(),
            detail: error.to_string(),
        })
}

/// A command's verb and its arguments.
struct Words<'a> {
    kind: Kind,
    verb: &'a str,
    rest: &'a [String],
}

impl<'a> Words<'a> {
    fn new(kind: Kind, words: &'a [String]) -> Result<Self, CommandError> {
        let (verb, rest) = words.split_first().ok_or(CommandError::Missing { kind })?;
        Ok(Self {
            kind,
            verb: verb.as_str(),
            rest,
        })
    }

    fn unknown(&self) -> CommandError {
        CommandError::Unknown {
            kind: self.kind,
            command: self.verb.to_owned(),
        }
    }

    fn none<T>(&self, value: T) -> Result<T, CommandError> {
        if self.rest.is_empty() {
            Ok(value)
        } else {
            Err(self.arguments("no arguments"))
        }
    }

    fn one(&self, what: &'static str) -> Result<String, CommandError> {
        match self.rest {
            [one] => Ok(one.clone()),
            _ => Err(self.arguments(what)),
        }
    }

    fn two(&self, expected: &'static str) -> Result<(String, String), CommandError> {
        match self.rest {
            [a, b] => Ok((a.clone(), b.clone())),
            _ => Err(self.arguments(expected)),
        }
    }

    fn arguments(&self, expected: &'static str) -> CommandError {
        CommandError::Arguments {
            command: self.verb.to_owned(),
            expected,
        }
    }
}

/// A command that could not be sent, or whose ask failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// No command was given.
    #[error("no command for a {kind} ({})", usage(*kind))]
    Missing {
        /// The target's kind.
        kind: Kind,
    },
    /// The kind has no such command.
    #[error("a {kind} has no command `{command}` ({})", usage(*kind))]
    Unknown {
        /// The target's kind.
        kind: Kind,
        /// The command given.
        command: String,
    },
    /// The command's arguments are not what it takes.
    #[error("`{command}` takes {expected}")]
    Arguments {
        /// The command.
        command: String,
        /// What it takes.
        expected: &'static str,
    },
    /// The command has an answer: it is for `olivier ask`.
    #[error("`{command}` has an answer: use `olivier ask`")]
    NeedsAsk {
        /// The command.
        command: String,
    },
    /// The command has no answer: it is for `olivier tell`.
    #[error("`{command}` has no answer: use `olivier tell`")]
    NeedsTell {
        /// The command.
        command: String,
    },
    /// The tell was refused at once.
    #[error("the tell to `{target}` was refused: {detail}")]
    Tell {
        /// The target.
        target: ActorId,
        /// Why.
        detail: String,
    },
    /// The ask failed.
    #[error("the ask to `{target}` failed")]
    Ask {
        /// The target.
        target: ActorId,
        /// Why.
        #[source]
        source: Box<AskError>,
    },
}
