//! The errors of the system's operations: one enum per operation.

use std::fmt;
use std::time::Duration;

use alloy_actors::{ActorError, ActorId, ActorIdError};

/// A [`tell`](crate::ActorSystem::tell) or [`send`](crate::ActorSystem::send)
/// that did not reach the mailbox; the message is handed back.
///
/// The message is also recorded as a dead letter, so the dead-letter count
/// covers every message that was not delivered.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum TellError<M> {
    /// No actor has this id: it never existed, or it has stopped.
    #[error("no actor `{target}`: it never existed or has stopped")]
    UnknownActor {
        /// The intended receiver.
        target: ActorId,
        /// The message, handed back.
        message: M,
    },
    /// The mailbox is full and its policy is `Reject`.
    #[error("the mailbox of `{target}` is full ({capacity} messages) and rejects new ones")]
    MailboxFull {
        /// The intended receiver.
        target: ActorId,
        /// The mailbox bound.
        capacity: usize,
        /// The message, handed back.
        message: M,
    },
    /// The actor accepts another message type than the reference claimed.
    #[error("actor `{target}` accepts `{expected}` but was sent `{found}`")]
    WrongMessageType {
        /// The intended receiver.
        target: ActorId,
        /// The type it accepts.
        expected: &'static str,
        /// The type it was sent.
        found: &'static str,
        /// The message, handed back.
        message: M,
    },
    /// The target belongs to another system that this one cannot send to
    /// now (no connection, connection lost, full send queue, or a message
    /// that does not encode or exceeds the frame limit).
    #[error("`{target}` cannot be reached: {error}")]
    Unreachable {
        /// The intended receiver.
        target: ActorId,
        /// Why.
        error: crate::remote::error::RemoteSendError,
        /// The message, handed back.
        message: M,
    },
}

impl<M> TellError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        match self {
            TellError::UnknownActor { message, .. }
            | TellError::MailboxFull { message, .. }
            | TellError::WrongMessageType { message, .. }
            | TellError::Unreachable { message, .. } => message,
        }
    }

    /// The intended receiver.
    pub fn target(&self) -> &ActorId {
        match self {
            TellError::UnknownActor { target, .. }
            | TellError::MailboxFull { target, .. }
            | TellError::WrongMessageType { target, .. }
            | TellError::Unreachable { target, .. } => target,
        }
    }

    /// The same error around another message (for example the message's
    /// erased form).
    pub fn map_msg<N>(self, change: impl FnOnce(M) -> N) -> TellError<N> {
        match self {
            TellError::UnknownActor { target, message } => TellError::UnknownActor {
                target,
                message: change(message),
            },
            TellError::MailboxFull {
                target,
                capacity,
                message,
            } => TellError::MailboxFull {
                target,
                capacity,
                message: change(message),
            },
            TellError::WrongMessageType {
                target,
                expected,
                found,
                message,
            } => TellError::WrongMessageType {
                target,
                expected,
                found,
                message: change(message),
            },
            TellError::Unreachable {
                target,
                error,
                message,
            } => TellError::Unreachable {
                target,
                error,
                message: change(message),
            },
        }
    }
}

impl<M> fmt::Debug for TellError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variant = match self {
            TellError::UnknownActor { .. } => "UnknownActor",
            TellError::MailboxFull { .. } => "MailboxFull",
            TellError::WrongMessageType { .. } => "WrongMessageType",
            TellError::Unreachable { .. } => "Unreachable",
        };
        f.debug_struct(variant)
            .field("target", self.target())
            .finish_non_exhaustive()
    }
}

/// An [`ask`](crate::ActorSystem::ask) that got no answer.
///
/// An undelivered request is recorded as a dead letter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AskError {
    /// No reply within the timeout.
    #[error("`{target}` did not answer within {after:?}")]
    Timeout {
        /// The actor asked.
        target: ActorId,
        /// The timeout.
        after: Duration,
    },
    /// The actor stopped before it answered.
    #[error("`{target}` stopped before it answered")]
    ActorStopped {
        /// The actor asked.
        target: ActorId,
    },
    /// The actor failed while it handled the request: its side effects,
    /// the answer among them, were dropped. The ask ends as the failure
    /// happens, not at its timeout.
    #[error("`{target}` failed while it handled the request: {error}")]
    HandlerFailed {
        /// The actor asked.
        target: ActorId,
        /// The failure.
        error: alloy_actors::ActorError,
    },
    /// The request was accepted, then dropped before it was handled: its
    /// mailbox's policy pushed it out, or it was otherwise counted as a
    /// dead letter. The ask ends as it happens, not at its timeout.
    #[error("the request to `{target}` was dropped: {reason}")]
    Dropped {
        /// The actor asked.
        target: ActorId,
        /// Why (also the dead letter's reason).
        reason: crate::DeadLetterReason,
    },
    /// The actor's mailbox is full and rejects new messages.
    #[error("the mailbox of `{target}` is full ({capacity} messages) and rejected the request")]
    MailboxFull {
        /// The actor asked.
        target: ActorId,
        /// The mailbox bound.
        capacity: usize,
    },
    /// No actor has this id.
    #[error("no actor `{target}`: it never existed or has stopped")]
    UnknownActor {
        /// The actor asked.
        target: ActorId,
    },
    /// The actor accepts another message type than the reference claimed.
    #[error("actor `{target}` accepts `{expected}` but was asked with `{found}`")]
    WrongMessageType {
        /// The actor asked.
        target: ActorId,
        /// The type it accepts.
        expected: &'static str,
        /// The type of the request.
        found: &'static str,
    },
    /// The answer had another type than the one awaited; it went to dead letters.
    #[error("`{target}` answered with `{found}` where `{expected}` was awaited")]
    WrongReplyType {
        /// The actor asked.
        target: ActorId,
        /// The awaited type.
        expected: &'static str,
        /// The type of the answer.
        found: &'static str,
    },
    /// The actor is on another system that this one cannot send to, or the
    /// connection was lost before the answer came.
    #[error("`{target}` cannot be reached: {error}")]
    Unreachable {
        /// The actor asked.
        target: ActorId,
        /// Why.
        error: crate::remote::error::RemoteSendError,
    },
    /// The actor's system refused the request (unknown actor, wrong type,
    /// full mailbox, ...) with an error frame.
    #[error("the system of `{target}` refused the request ({code}): {detail}")]
    RefusedByPeer {
        /// The actor asked.
        target: ActorId,
        /// Why, for programs.
        code: crate::remote::wire::ErrorCode,
        /// Why, for people.
        detail: String,
    },
    /// An answer from another system did not decode as the awaited type; it
    /// went to dead letters.
    #[error("`{target}` answered with `{found}` where `{expected}` was awaited: {detail}")]
    UndecodableReply {
        /// The actor asked.
        target: ActorId,
        /// The awaited type.
        expected: &'static str,
        /// The answer's type name.
        found: String,
        /// The codec's explanation.
        detail: String,
    },
}

impl<M> From<TellError<M>> for AskError {
    fn from(error: TellError<M>) -> Self {
        match error {
            TellError::UnknownActor { target, .. } => AskError::UnknownActor { target },
            TellError::MailboxFull {
                target, capacity, ..
            } => AskError::MailboxFull { target, capacity },
            TellError::WrongMessageType {
                target,
                expected,
                found,
                ..
            } => AskError::WrongMessageType {
                target,
                expected,
                found,
            },
            TellError::Unreachable { target, error, .. } => AskError::Unreachable { target, error },
        }
    }
}

/// A spawn that did not start an actor (or a supervisor).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// The spec's name is not a valid actor path segment.
    #[error("`{name}` is not a valid actor name")]
    InvalidName {
        /// The name given.
        name: String,
        /// Why it is invalid.
        #[source]
        source: ActorIdError,
    },
    /// The actor's `init` or `PreStart` failed; the actor was not added.
    #[error("actor `{actor}` failed to start: {error}")]
    StartFailed {
        /// The id it would have had.
        actor: ActorId,
        /// The failure.
        error: ActorError,
    },
    /// The supervisor to spawn under has stopped.
    #[error("supervisor `{supervisor}` has stopped")]
    SupervisorGone {
        /// The supervisor.
        supervisor: ActorId,
    },
    /// The system has shut down.
    #[error("the actor system has shut down")]
    ShutDown,
}

/// A stop request that found nothing to stop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StopError {
    /// No running actor or supervisor has this id.
    #[error("no actor `{target}` to stop")]
    UnknownActor {
        /// The id asked for.
        target: ActorId,
    },
    /// The system has shut down.
    #[error("the actor system has shut down")]
    ShutDown,
}

/// Why building an [`ActorSystem`](crate::ActorSystem) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// `build` was called outside a tokio runtime and no runtime handle was given.
    #[error("no tokio runtime: call `build` inside one or pass a handle with `runtime`")]
    NoRuntime,
    /// The system name is not a valid actor path segment.
    #[error("`{name}` is not a valid system name")]
    InvalidName {
        /// The name given.
        name: String,
        /// Why it is invalid.
        #[source]
        source: ActorIdError,
    },
    /// The Prospero supervision thread could not be started.
    #[error("could not start the prospero supervision thread")]
    Prospero(#[source] std::io::Error),
    /// The remote transport could not listen on an endpoint.
    #[error("the remote transport could not listen on {endpoint}")]
    Listen {
        /// The endpoint asked for.
        endpoint: crate::remote::Endpoint,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The system listens for other systems but has no secret to check
    /// them with ([`ActorSystemBuilder::secret`](crate::ActorSystemBuilder::secret)).
    #[error("the remote transport listens but no secret is set")]
    NoSecret,
    /// The metrics endpoint could not listen on its address.
    #[error("the metrics endpoint could not listen on {addr}")]
    MetricsEndpoint {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
}

/// A name that could not be registered or looked up
/// ([`ActorSystem::register`](crate::ActorSystem::register),
/// [`ActorSystem::lookup`](crate::ActorSystem::lookup)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Not a valid id segment, or a runtime's own (`$…`).
    #[error("`{name}` cannot be a name")]
    InvalidName {
        /// The name.
        name: String,
        /// Why, when the id rules say.
        #[source]
        source: Option<ActorIdError>,
    },
    /// Another actor holds the name.
    #[error("the name `{name}` is held by `{by}`")]
    Taken {
        /// The name.
        name: String,
        /// Its holder.
        by: ActorId,
    },
    /// The actor is not a running actor of this system.
    #[error("`{actor}` is not a running actor of this system")]
    UnknownActor {
        /// The actor.
        actor: ActorId,
    },
    /// No running actor holds the name.
    #[error("no actor is registered as `{name}`")]
    NotRegistered {
        /// The name.
        name: String,
    },
    /// The named actor accepts another message type.
    #[error("`{name}` accepts `{expected}`, not `{found}`")]
    WrongMessageType {
        /// The name.
        name: String,
        /// What it accepts.
        expected: &'static str,
        /// What was asked for.
        found: &'static str,
    },
}

/// Why the system shut down on its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SystemFailure {
    /// The root supervisor exceeded its restart intensity (the end of an
    /// escalation chain); every actor was stopped.
    #[error("the root supervisor gave up: {reason}")]
    RootGaveUp {
        /// The supervisor's reason.
        reason: ActorError,
    },
}

/// A durable state operation that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The store (redb) failed; nothing was changed.
    #[error("state store `{}`: {operation} failed", file.display())]
    Store {
        /// The database file.
        file: std::path::PathBuf,
        /// What was being done (open, begin write, commit, ...).
        operation: &'static str,
        /// The store's error.
        #[source]
        source: Box<redb::Error>,
    },
    /// A state did not encode.
    #[error("the state of `{path}` did not encode: {detail}")]
    Encode {
        /// The actor path.
        path: String,
        /// The codec's message.
        detail: String,
    },
    /// The stored bytes do not hold a state of the actor's type.
    #[error("the stored state of `{path}` did not decode: {detail}")]
    Decode {
        /// The actor path.
        path: String,
        /// The codec's message.
        detail: String,
    },
    /// Another live actor already keeps its state under this path.
    #[error("another live actor keeps its durable state under `{path}`")]
    InUse {
        /// The actor path.
        path: String,
    },
    /// The encoded state did not fit the actor's arena budget.
    #[error("the encoded state of `{path}` does not fit the actor's arena budget")]
    OverBudget {
        /// The actor path.
        path: String,
        /// What the arena refused.
        #[source]
        source: crate::ArenaError,
    },
}
