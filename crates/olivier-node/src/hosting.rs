//! The hosting table: the behavior kinds compiled into the node, and
//! `--host KIND=NAME` specs that spawn one of them and register it.

use std::fmt;
use std::str::FromStr;

use alloy_actors::{ActorId, ActorSpec, Behavior};
use alloy_counter::Counter;
use alloy_reminder::Reminder;
use olivier_runtime::{ActorSystem, NameError, SpawnError};

use crate::directory::Entry;

/// A behavior kind the node can host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `alloy-counter`'s counter: `increment`, `decrement`, `get`.
    Counter,
    /// `alloy-reminder`'s reminder: `remind MS NOTE`, `how-many`,
    /// `forget NOTE`, `fail`, `reset`.
    Reminder,
}

impl Kind {
    /// Every hostable kind.
    pub const ALL: [Kind; 2] = [Kind::Counter, Kind::Reminder];

    /// The kind's name on the command line and in the directory.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Reminder => "reminder",
        }
    }

    /// The names of every kind, comma-separated (for messages).
    pub fn known() -> String {
        Self::ALL.map(Kind::name).join(", ")
    }

    /// Spawns an actor of this kind named `name` on `system` and
    /// registers it under `name`.
    ///
    /// # Errors
    ///
    /// [`HostError::Spawn`] or [`HostError::Register`].
    pub async fn host(self, system: &ActorSystem, name: &str) -> Result<ActorId, HostError> {
        match self {
            Kind::Counter => host_as(system, Counter, name).await,
            Kind::Reminder => host_as(system, Reminder, name).await,
        }
    }
}

async fn host_as<B: Behavior>(
    system: &ActorSystem,
    behavior: B,
    name: &str,
) -> Result<ActorId, HostError> {
    let actor = system
        .spawn(ActorSpec::new(behavior).name(name))
        .await
        .map_err(|source| HostError::Spawn {
            name: name.to_owned(),
            source,
        })?;
    system
        .register(name, &actor)
        .map_err(|source| HostError::Register {
            name: name.to_owned(),
            source,
        })?;
    Ok(actor.id().clone())
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = HostError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name() == text)
            .ok_or_else(|| HostError::UnknownKind {
                kind: text.to_owned(),
                known: Kind::known(),
            })
    }
}

/// One `--host KIND=NAME` (or `--host KIND`, named after its kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    /// What to run.
    pub kind: Kind,
    /// The name it is registered under.
    pub name: String,
}

impl HostSpec {
    /// The directory's entry for this spec.
    pub fn entry(&self) -> Entry {
        Entry {
            name: self.name.clone(),
            kind: self.kind.name().to_owned(),
        }
    }
}

impl FromStr for HostSpec {
    type Err = HostError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (kind, name) = text.split_once('=').unwrap_or((text, text));
        if name.is_empty() {
            return Err(HostError::BadSpec {
                spec: text.to_owned(),
            });
        }
        Ok(Self {
            kind: kind.parse()?,
            name: name.to_owned(),
        })
    }
}

/// A `--host` that could not be hosted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// The kind is not compiled into this node.
    #[error("no behavior kind `{kind}` in this node (it has: {known})")]
    UnknownKind {
        /// The kind asked for.
        kind: String,
        /// The kinds there are.
        known: String,
    },
    /// Not `KIND=NAME`.
    #[error("`{spec}` is not KIND=NAME")]
    BadSpec {
        /// The text given.
        spec: String,
    },
    /// The actor did not start.
    #[error("`{name}` did not start")]
    Spawn {
        /// Its name.
        name: String,
        /// Why.
        #[source]
        source: SpawnError,
    },
    /// The name could not be registered.
    #[error("`{name}` could not be registered")]
    Register {
        /// The name.
        name: String,
        /// Why.
        #[source]
        source: NameError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_and_without_a_name() {
        let spec: HostSpec = "counter=tally".parse().expect("a spec");
        assert_eq!(spec.kind, Kind::Counter);
        assert_eq!(spec.name, "tally");
        let spec: HostSpec = "reminder".parse().expect("a spec");
        assert_eq!(
            (spec.kind, spec.name.as_str()),
            (Kind::Reminder, "reminder")
        );
        assert!(matches!(
            "abacus=a".parse::<HostSpec>(),
            Err(HostError::UnknownKind { .. })
        ));
        assert!(matches!(
            "counter=".parse::<HostSpec>(),
            Err(HostError::BadSpec { .. })
        ));
    }
}
