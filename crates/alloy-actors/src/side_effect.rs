//! Side effects: what a behavior asks its runtime to do besides keeping state.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{ActorId, ActorPriority, ActorRef, AnyMessage, AnySpec, Message};

/// One thing a behavior asks its runtime to do after handling a message.
///
/// Side effects are data; the runtime interprets them in the order the
/// behavior produced them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SideEffect {
    /// Send `message` to `target`, fire and forget.
    Tell {
        /// Who receives it.
        target: ActorId,
        /// The message, type-erased but still encodable.
        message: AnyMessage,
        /// How urgently the target's mailbox should serve it.
        priority: ActorPriority,
    },
    /// Start a child actor supervised by the actor that asked.
    Spawn {
        /// What to start.
        spec: AnySpec,
        /// Who to tell the child's id once it has started.
        reply_to: Option<SpawnReply>,
    },
    /// Send `message` to `target` after `delay`.
    Schedule {
        /// A key that names the timer so it can be cancelled or replaced:
        /// scheduling again under the same key replaces the pending timer.
        timer: Option<TimerKey>,
        /// How long from now.
        delay: Duration,
        /// Who receives it.
        target: ActorId,
        /// The message.
        message: AnyMessage,
    },
    /// Cancel the pending timer named `timer`, if there is one.
    CancelTimer {
        /// The key the timer was scheduled under.
        timer: TimerKey,
    },
    /// Write a log line through the runtime's logger.
    Log {
        /// Its severity.
        level: LogLevel,
        /// Its text.
        text: String,
    },
    /// Watch `target` (OTP's `monitor`): when it stops for good, or is
    /// unknown, or its system's link is lost, `notify` receives a
    /// [`Terminated`] notice, once.
    Watch {
        /// The watched actor, of this system or another.
        target: ActorId,
        /// Who is told, and how the notice is wrapped.
        notify: WatchReply,
    },
}

/// The severity of a [`SideEffect::Log`] line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LogLevel {
    /// Something failed.
    Error,
    /// Something looks wrong.
    Warn,
    /// Normal operation worth noting.
    Info,
    /// Detail for debugging.
    Debug,
    /// Very fine detail.
    Trace,
}

/// The name of a timer, for cancelling or replacing it.
///
/// # Examples
///
/// ```
/// use alloy_actors::TimerKey;
///
/// let key = TimerKey::new("heartbeat");
/// assert_eq!(key.as_str(), "heartbeat");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimerKey(Cow<'static, str>);

impl TimerKey {
    /// A key with the given name.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self(name.into())
    }

    /// The key's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&'static str> for TimerKey {
    fn from(name: &'static str) -> Self {
        Self::new(name)
    }
}

impl From<String> for TimerKey {
    fn from(name: String) -> Self {
        Self::new(name)
    }
}

impl fmt::Display for TimerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The notice a runtime sends after starting a child for a [`SideEffect::Spawn`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spawned {
    /// The new child's id.
    pub child: ActorId,
}

impl Message for Spawned {
    const TYPE_NAME: &'static str = "alloy.Spawned";
}

/// The notice a runtime sends to the watcher of an actor that stopped for
/// good, was unknown, or whose system's link was lost ([`SideEffect::Watch`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terminated {
    /// The watched actor.
    pub actor: ActorId,
    /// Why, for people: it stopped, it was unknown, its link was lost.
    pub reason: String,
}

impl Message for Terminated {
    const TYPE_NAME: &'static str = "alloy.Terminated";
}

/// Where to send a [`Terminated`] notice, and how to wrap it in the
/// watcher's own message type ([`WatchReply::to`]).
#[derive(Clone)]
pub struct WatchReply {
    target: ActorId,
    wrap: fn(Terminated) -> AnyMessage,
}

impl WatchReply {
    /// Notify `receiver`, converting the notice with `M::from`.
    pub fn to<M: Message + From<Terminated>>(receiver: &ActorRef<M>) -> Self {
        fn wrap<M: Message + From<Terminated>>(notice: Terminated) -> AnyMessage {
            AnyMessage::new(M::from(notice))
        }
        Self {
            target: receiver.id().clone(),
            wrap: wrap::<M>,
        }
    }

    /// Who receives the notice.
    pub fn target(&self) -> &ActorId {
        &self.target
    }

    /// The notice that `actor` ended, already in the receiver's type.
    pub fn notice(&self, actor: ActorId, reason: impl Into<String>) -> AnyMessage {
        (self.wrap)(Terminated {
            actor,
            reason: reason.into(),
        })
    }
}

impl fmt::Debug for WatchReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchReply")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// Where to send a [`Spawned`] notice, and how to wrap it in the receiver's
/// own message type.
///
/// Built by [`SpawnReply::to`] for any receiver whose message type converts
/// from [`Spawned`].
#[derive(Clone)]
pub struct SpawnReply {
    target: ActorId,
    wrap: fn(Spawned) -> AnyMessage,
}

impl SpawnReply {
    /// Reply to `receiver`, converting the notice with `M::from`.
    pub fn to<M: Message + From<Spawned>>(receiver: &ActorRef<M>) -> Self {
        fn wrap<M: Message + From<Spawned>>(notice: Spawned) -> AnyMessage {
            AnyMessage::new(M::from(notice))
        }
        Self {
            target: receiver.id().clone(),
            wrap: wrap::<M>,
        }
    }

    /// Who receives the notice.
    pub fn target(&self) -> &ActorId {
        &self.target
    }

    /// The notice for `child`, already in the receiver's message type.
    pub fn notice(&self, child: ActorId) -> AnyMessage {
        (self.wrap)(Spawned { child })
    }
}

impl fmt::Debug for SpawnReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnReply")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}
