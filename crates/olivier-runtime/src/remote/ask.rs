//! An ask whose target lives on another system.
//!
//! The request travels as an `Ask` envelope whose source is the reply id
//! (`<system>/$ask#<n>`) and whose correlation is `n`. The remote actor's
//! answer is an ordinary tell to that id, which its system routes back
//! over the connection; it arrives here undecoded ([`WireMessage`]) and is
//! decoded as the awaited type. A refusal (an error frame for the reply
//! id) or the connection's loss ends the ask at once.

use std::sync::Arc;
use std::time::Duration;

use alloy_actors::{ActorId, ActorPriority, ActorRef, AnyMessage, Message};
use barewire::{CorrelationId, Kind};
use tokio::sync::oneshot;

use super::RemoteSendError;
use super::hub;
use super::peer::Peer;
use super::wire::{ErrorBody, WireMessage};
use crate::AskError;
use crate::dead_letters::{DeadLetter, DeadLetterReason};
use crate::kernel::{ReplyGuard, SystemInner, Undelivered};
use crate::registry::{Answer, Entry, ReplySlot};

/// Asks `target`, on another system, and awaits the answer.
pub(crate) async fn ask<M: Message, R: Message>(
    system: &Arc<SystemInner>,
    target: &ActorRef<M>,
    request: impl FnOnce(ActorRef<R>) -> M,
    timeout: Duration,
) -> Result<R, AskError> {
    let remote = hub::of(system);
    let peer = match remote.route(target.id().system()) {
        Ok(peer) => peer,
        Err(error) => {
            let reply_id = system.reply_id();
            let message = AnyMessage::new(request(ActorRef::new(reply_id)));
            system.dead_letters.record(DeadLetter {
                target: target.id().clone(),
                sender: None,
                message,
                reason: DeadLetterReason::Unreachable(error.clone()),
            });
            return Err(AskError::Unreachable {
                target: target.id().clone(),
                error,
            });
        }
    };
    let reply_id = system.reply_id();
    let (reply, answer) = oneshot::channel();
    // Only an answer over this very connection ends the ask.
    system.registry.insert(
        reply_id.clone(),
        Entry::Reply(Arc::new(ReplySlot::bound(reply, peer.link))),
    );
    let _slot = ReplyGuard {
        system,
        id: reply_id.clone(),
    };
    let message = AnyMessage::new(request(ActorRef::new(reply_id.clone())));
    let correlation = CorrelationId::from(u128::from(reply_id.instance()));
    let sent = remote.send_on(
        peer,
        Kind::Ask,
        target.id(),
        message,
        ActorPriority::Normal,
        Some(&reply_id),
        Some(correlation),
    );
    let peer = match sent {
        Ok(peer) => peer,
        Err(Undelivered { reason, message }) => {
            let error = match &reason {
                DeadLetterReason::Unreachable(error) => error.clone(),
                _ => RemoteSendError::NoRoute {
                    system: target.id().system().to_owned(),
                },
            };
            system.dead_letters.record(DeadLetter {
                target: target.id().clone(),
                sender: None,
                message,
                reason,
            });
            return Err(AskError::Unreachable {
                target: target.id().clone(),
                error,
            });
        }
    };
    // The ask fails when the connection its request went on ends, even if a
    // newer one replaced it: the request may never have left (it is then a
    // dead letter), and a failed ask is safe to retry.
    tokio::select! {
        biased;
        answer = answer => match answer {
            Ok(Answer::Reply(message)) => take_reply::<R>(system, target.id(), &reply_id, message),
            Ok(Answer::Failed(failure)) => Err(crate::kernel::failed_ask(target.id(), failure)),
            Err(_) => Err(lost(target.id(), &peer)),
        },
        _ = peer.closed() => Err(lost(target.id(), &peer)),
        () = tokio::time::sleep(timeout) => Err(AskError::Timeout { target: target.id().clone(), after: timeout }),
    }
}

fn lost(target: &ActorId, peer: &Peer) -> AskError {
    AskError::Unreachable {
        target: target.clone(),
        error: peer.disconnected(),
    }
}

/// The awaited answer out of what reached the reply slot: the reply
/// itself (undecoded, or typed if a local actor answered), or the peer's
/// refusal of the request.
fn take_reply<R: Message>(
    system: &SystemInner,
    target: &ActorId,
    reply_id: &ActorId,
    message: AnyMessage,
) -> Result<R, AskError> {
    let message = match message.downcast::<R>() {
        Ok(reply) => return Ok(reply),
        Err(other) => other,
    };
    let message = match message.downcast::<ErrorBody>() {
        Ok(body) => {
            return Err(AskError::RefusedByPeer {
                target: target.clone(),
                code: body.code,
                detail: body.detail,
            });
        }
        Err(other) => other,
    };
    let refuse = |message: AnyMessage, reason: DeadLetterReason| {
        system.dead_letters.record(DeadLetter {
            target: reply_id.clone(),
            sender: Some(target.clone()),
            message,
            reason,
        });
    };
    match message.downcast::<WireMessage>() {
        Ok(wire) => {
            let decoded = if wire.message_type == R::TYPE_NAME {
                barewire::from_slice::<R>(&wire.payload).map_err(|error| error.to_string())
            } else {
                Err(format!(
                    "`{}` where `{}` was awaited",
                    wire.message_type,
                    R::TYPE_NAME
                ))
            };
            decoded.map_err(|detail| {
                let found = wire.message_type.clone();
                let reason = if found == R::TYPE_NAME {
                    DeadLetterReason::MalformedPayload {
                        detail: detail.clone(),
                    }
                } else {
                    DeadLetterReason::WrongMessageType {
                        expected: R::TYPE_NAME,
                    }
                };
                refuse(AnyMessage::new(wire), reason);
                AskError::UndecodableReply {
                    target: target.clone(),
                    expected: R::TYPE_NAME,
                    found,
                    detail,
                }
            })
        }
        Err(other) => {
            let found = other.type_name();
            refuse(
                other,
                DeadLetterReason::WrongMessageType {
                    expected: R::TYPE_NAME,
                },
            );
            Err(AskError::WrongReplyType {
                target: target.clone(),
                expected: R::TYPE_NAME,
                found,
            })
        }
    }
}
