//! Asks: a request sent with a temporary reply id, and its one answer.

use std::sync::Arc;
use std::time::Duration;

use alloy_actors::{ActorId, ActorPriority, ActorRef, AnyMessage, Message};
use tokio::sync::oneshot;

use crate::dead_letters::{DeadLetter, DeadLetterReason};
use crate::error::AskError;
use crate::kernel::{ReplyGuard, SystemInner, failed_ask};
use crate::registry::{self, Answer, Entry, ReplySlot};
use crate::system::ActorSystem;

impl ActorSystem {
    /// Asks: builds the request around a temporary reply reference (whose
    /// instance number is the request's correlation id), sends it, and
    /// awaits the one answer.
    ///
    /// # Errors
    ///
    /// [`AskError::Timeout`], [`AskError::ActorStopped`] when the actor
    /// stops first, [`AskError::MailboxFull`], [`AskError::UnknownActor`],
    /// [`AskError::WrongMessageType`], [`AskError::WrongReplyType`]; for an
    /// actor of another system ([`crate::remote`]) [`AskError::Unreachable`],
    /// [`AskError::RefusedByPeer`], [`AskError::UndecodableReply`].
    pub async fn ask<M: Message, R: Message>(
        &self,
        target: &ActorRef<M>,
        request: impl FnOnce(ActorRef<R>) -> M,
        timeout: Duration,
    ) -> Result<R, AskError> {
        if !self.inner().is_local(target.id()) {
            return crate::remote::ask(self.inner(), target, request, timeout).await;
        }
        let reply_id = self.inner().reply_id();
        let deadline = tokio::time::Instant::now() + timeout;
        let (reply, answer) = oneshot::channel();
        self.inner().registry.insert(
            reply_id.clone(),
            Entry::Reply(Arc::new(ReplySlot::new(reply))),
        );
        let _slot = ReplyGuard {
            system: self.inner(),
            id: reply_id.clone(),
        };
        // The reply id is the request's sender, so a drop of the request or
        // a failure of its handler ends the ask at once (`fail_ask`).
        self.inner()
            .deliver(
                target.id(),
                AnyMessage::new(request(ActorRef::new(reply_id.clone()))),
                ActorPriority::Normal,
                Some(&reply_id),
            )
            .map_err(|undelivered| self.inner().refuse::<M>(target.id(), undelivered))?;
        // The tell just remembered the cell on this thread.
        let cell =
            registry::remembered(target.id()).or_else(|| self.inner().registry.actor(target.id()));
        let stopped = async {
            match &cell {
                Some(cell) => cell.mailbox.closed().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            answer = answer => match answer {
                Ok(Answer::Reply(message)) => typed_reply(self.inner(), target.id(), &reply_id, message),
                Ok(Answer::Failed(failure)) => Err(failed_ask(target.id(), failure)),
                Err(_) => Err(AskError::ActorStopped { target: target.id().clone() }),
            },
            () = stopped => Err(AskError::ActorStopped { target: target.id().clone() }),
            () = tokio::time::sleep_until(deadline) => Err(AskError::Timeout { target: target.id().clone(), after: timeout }),
        }
    }
}

/// An ask's answer as the type the ask awaits; another type is a dead
/// letter and [`AskError::WrongReplyType`].
fn typed_reply<R: Message>(
    system: &SystemInner,
    target: &ActorId,
    reply_id: &ActorId,
    message: AnyMessage,
) -> Result<R, AskError> {
    crate::remote::wire::decoded_reply::<R>(message).map_err(|other| {
        let found = other.type_name();
        system.dead_letters.record(DeadLetter {
            target: reply_id.clone(),
            sender: Some(target.clone()),
            message: other,
            reason: DeadLetterReason::WrongMessageType {
                expected: R::TYPE_NAME,
            },
        });
        AskError::WrongReplyType {
            target: target.clone(),
            expected: R::TYPE_NAME,
            found,
        }
    })
}
