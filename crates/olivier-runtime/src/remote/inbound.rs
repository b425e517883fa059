//! What a connection does with each frame it receives: deliver the message
//! to a local actor or ask, or refuse it (a dead letter here and an error
//! frame back), or take a refusal of ours.

use std::sync::Arc;

use alloy_actors::{ActorId, AnyMessage};
use barewire::{Envelope, Kind, Priority};

use super::hub;
use super::peer::Peer;
use super::stats::Counters;
use super::wire::{
    self, ACK_TYPE, Ack, DOWN_TYPE, Down, ERROR_TYPE, ErrorBody, ErrorCode, PING_TYPE, Route,
    SETTLE_TYPE, Settle, WATCH_TYPE, Watch, WireMessage,
};
use super::{ConnectionError, PeerEvent};
use crate::dead_letters::{DeadLetter, DeadLetterReason};
use crate::kernel::{SystemInner, Undelivered};
use crate::registry::Entry;

/// Handles one frame from `peer`.
pub(crate) fn handle(system: &Arc<SystemInner>, peer: &Peer, frame: &[u8]) {
    let envelope = match Envelope::decode(frame) {
        Ok(envelope) => envelope,
        Err(error) => {
            let error = ConnectionError::MalformedEnvelope(error);
            answer(
                system,
                peer,
                None,
                ErrorCode::MalformedEnvelope,
                &error.to_string(),
            );
            bad_frame(system, peer, error);
            return;
        }
    };
    match envelope.kind {
        Kind::Tell | Kind::Ask | Kind::Reply => {
            // Handled (delivered, or refused and counted) once this returns.
            deliver(system, peer, &envelope);
            peer.received_one();
        }
        Kind::Error => refused(system, peer, &envelope),
        // A heartbeat: it kept the link's idle timer from firing.
        Kind::System if envelope.message_type == PING_TYPE => {}
        Kind::System if envelope.message_type == ACK_TYPE => {
            match barewire::from_slice::<Ack>(envelope.payload) {
                Ok(ack) => peer.acknowledge(ack.received),
                Err(error) => bad_frame(system, peer, ConnectionError::MalformedEnvelope(error)),
            }
        }
        Kind::System if envelope.message_type == WATCH_TYPE => {
            match barewire::from_slice::<Watch>(envelope.payload) {
                Ok(watch) => watched(system, peer, watch),
                Err(error) => bad_frame(system, peer, ConnectionError::MalformedEnvelope(error)),
            }
        }
        Kind::System if envelope.message_type == DOWN_TYPE => {
            match barewire::from_slice::<Down>(envelope.payload) {
                Ok(down) => match down.target.parse::<ActorId>() {
                    // Only the system of the watched actor may say it ended.
                    Ok(actor) if actor.system() == peer.system => {
                        system.terminated(&actor, &down.reason);
                    }
                    _ => {
                        let error = ConnectionError::UnexpectedFrame {
                            kind: envelope.kind,
                            message_type: prefix(envelope.message_type).to_owned(),
                        };
                        bad_frame(system, peer, error);
                    }
                },
                Err(error) => bad_frame(system, peer, ConnectionError::MalformedEnvelope(error)),
            }
        }
        Kind::System if envelope.message_type == SETTLE_TYPE => {
            match barewire::from_slice::<Settle>(envelope.payload) {
                Ok(settle) => hub::of(system).accounts.settle(
                    &Arc::downgrade(system),
                    &peer.system,
                    settle.link,
                    settle.received,
                ),
                Err(error) => bad_frame(system, peer, ConnectionError::MalformedEnvelope(error)),
            }
        }
        Kind::System => {
            let error = ConnectionError::UnexpectedFrame {
                kind: envelope.kind,
                message_type: prefix(envelope.message_type).to_owned(),
            };
            let detail = format!(
                "unexpected {:?} envelope after the handshake",
                envelope.kind
            );
            answer(
                system,
                peer,
                Some(&envelope),
                ErrorCode::UnexpectedKind,
                &detail,
            );
            bad_frame(system, peer, error);
        }
    }
}

/// `peer` watches one of this system's actors: kept until it ends, or
/// answered at once when it is unknown.
fn watched(system: &Arc<SystemInner>, peer: &Peer, watch: Watch) {
    let remote = hub::of(system);
    if watch.target.len() > TEXT_PREFIX {
        return remote.send_down(&peer.system, prefix(&watch.target), "not an actor id");
    }
    let Ok(addressed) = watch.target.parse::<ActorId>() else {
        return remote.send_down(&peer.system, &watch.target, "not an actor id");
    };
    let actor = system.registry.resolve(&addressed).unwrap_or(addressed);
    if actor.system() != system.root.path() || system.registry.actor(&actor).is_none() {
        return remote.send_down(&peer.system, &watch.target, "no such actor");
    }
    if !remote.watched_by(actor.clone(), &peer.system, watch.target.clone()) {
        return remote.send_down(&peer.system, &watch.target, "too many watches");
    }
    // It may have ended between the look and the watch.
    if system.registry.actor(&actor).is_none() {
        remote.actor_gone_now(&actor);
    }
}

/// Answers a framing error (the connection closes after it).
pub(crate) fn refuse_stream(system: &SystemInner, peer: &Peer, error: &ConnectionError) {
    answer(
        system,
        peer,
        None,
        ErrorCode::FrameTooLarge,
        &error.to_string(),
    );
}

/// Delivers a message envelope to its local target.
fn deliver(system: &Arc<SystemInner>, peer: &Peer, envelope: &Envelope<'_>) {
    let Ok(addressed) = envelope.target.parse::<ActorId>() else {
        Counters::count(&hub::of(system).counters.messages_refused);
        let detail = format!("`{}` is not an actor id", prefix(envelope.target));
        answer(
            system,
            peer,
            Some(envelope),
            ErrorCode::UnknownActor,
            &detail,
        );
        return;
    };
    // A registered name stands for the actor holding it now.
    let target = system.registry.resolve(&addressed).unwrap_or(addressed);
    let sender = envelope.source.parse::<ActorId>().ok();
    let refuse = |code: ErrorCode, reason: DeadLetterReason, detail: &str| {
        Counters::count(&hub::of(system).counters.messages_refused);
        system.dead_letters.record(DeadLetter {
            target: target.clone(),
            sender: sender.clone(),
            message: AnyMessage::new(refused_message(envelope)),
            reason,
        });
        answer(system, peer, Some(envelope), code, detail);
    };
    if target.system() != system.root.path() {
        let detail = format!("`{target}` is not an actor of `{}`", system.root.path());
        return refuse(
            ErrorCode::WrongSystem,
            DeadLetterReason::UnknownActor,
            &detail,
        );
    }
    let cell = match system.registry.get(&target) {
        Some(Entry::Actor(cell)) => cell,
        Some(Entry::Reply(slot)) if !slot.accepts_link(peer.link) => {
            // Not the connection the request went out on (or a local ask):
            // refused as if there were no such ask, and counted.
            Counters::count(&hub::of(system).counters.forged_replies);
            let detail = format!("no actor `{target}`");
            return refuse(
                ErrorCode::UnknownActor,
                DeadLetterReason::UnknownActor,
                &detail,
            );
        }
        Some(Entry::Reply(slot)) => {
            // An ask's answer: the ask decodes it with the type it awaits.
            if slot
                .deliver(AnyMessage::new(wire_message(envelope)))
                .is_err()
            {
                let detail = format!("the ask `{target}` has already ended");
                refuse(
                    ErrorCode::UnknownActor,
                    DeadLetterReason::UnknownActor,
                    &detail,
                );
            }
            return;
        }
        None => {
            let detail = format!("no actor `{target}`");
            return refuse(
                ErrorCode::UnknownActor,
                DeadLetterReason::UnknownActor,
                &detail,
            );
        }
    };
    if envelope.message_type != cell.message_type_name() {
        let detail = format!(
            "`{target}` accepts `{}`, not `{}`",
            cell.message_type_name(),
            envelope.message_type
        );
        let reason = DeadLetterReason::WrongMessageType {
            expected: cell.message_type_name(),
        };
        return refuse(ErrorCode::WrongMessageType, reason, &detail);
    }
    let message = match hub::of(system).decode(cell.message_type, envelope.payload) {
        Ok(message) => message,
        Err(detail) => {
            let reason = DeadLetterReason::MalformedPayload {
                detail: detail.clone(),
            };
            return refuse(ErrorCode::MalformedPayload, reason, &detail);
        }
    };
    let priority = wire::from_wire(envelope.priority);
    if let Err(Undelivered { reason, message }) =
        system.deliver(&target, message, priority, sender.as_ref())
    {
        let code = match &reason {
            DeadLetterReason::Rejected { .. } => ErrorCode::MailboxFull,
            DeadLetterReason::WrongMessageType { .. } => ErrorCode::WrongMessageType,
            DeadLetterReason::UnknownActor => ErrorCode::UnknownActor,
            _ => ErrorCode::ActorStopped,
        };
        Counters::count(&hub::of(system).counters.messages_refused);
        answer(system, peer, Some(envelope), code, &reason.to_string());
        system.dead_letters.record(DeadLetter {
            target,
            sender,
            message,
            reason,
        });
    }
}

/// Takes the peer's refusal of something this system sent: fails the ask
/// it answers, if any, and records the message as a dead letter.
fn refused(system: &SystemInner, peer: &Peer, envelope: &Envelope<'_>) {
    // Never answer an error with an error: two peers could loop.
    if envelope.message_type != ERROR_TYPE {
        let error = ConnectionError::UnexpectedFrame {
            kind: envelope.kind,
            message_type: prefix(envelope.message_type).to_owned(),
        };
        return bad_frame(system, peer, error);
    }
    let body: ErrorBody = match barewire::from_slice(envelope.payload) {
        Ok(body) => body,
        Err(error) => return bad_frame(system, peer, ConnectionError::MalformedEnvelope(error)),
    };
    let body = ErrorBody {
        detail: prefix(&body.detail).to_owned(),
        message_type: prefix(&body.message_type).to_owned(),
        payload: body
            .payload
            .get(..DEAD_LETTER_PAYLOAD)
            .unwrap_or(&body.payload)
            .to_vec(),
        code: body.code,
    };
    tracing::debug!(target: "olivier::remote", peer = %peer.system, code = %body.code, detail = %body.detail, "refused by peer");
    let ours = envelope.target.parse::<ActorId>().ok();
    if let Some(Entry::Reply(slot)) = ours.as_ref().and_then(|id| system.registry.get(id)) {
        if slot.accepts_link(peer.link) {
            let _ = slot.deliver(AnyMessage::new(body.clone()));
        } else {
            // Another connection cannot end an ask either.
            Counters::count(&hub::of(system).counters.forged_replies);
            return;
        }
    }
    if body.message_type.is_empty() {
        tracing::warn!(target: "olivier::remote", peer = %peer.system, code = %body.code, detail = %body.detail, "the peer refused a frame");
        return;
    }
    let target = envelope
        .source
        .parse::<ActorId>()
        .or_else(|_| ActorId::root(&peer.system))
        .unwrap_or_else(|_| system.root.clone());
    system.dead_letters.record(DeadLetter {
        target,
        sender: ours.filter(|id| *id != system.root),
        message: AnyMessage::new(WireMessage {
            message_type: body.message_type,
            payload: body.payload,
        }),
        reason: DeadLetterReason::RefusedByPeer {
            system: peer.system.clone(),
            code: body.code,
            detail: body.detail,
        },
    });
}

/// The message of an envelope, undecoded.
fn wire_message(envelope: &Envelope<'_>) -> WireMessage {
    WireMessage {
        message_type: envelope.message_type.to_owned(),
        payload: envelope.payload.to_vec(),
    }
}

/// How many bytes of a refused message's payload its dead letter keeps.
const DEAD_LETTER_PAYLOAD: usize = 4096;

/// A refused message as its dead letter keeps it: the type and at most
/// [`DEAD_LETTER_PAYLOAD`] bytes of the payload, so the dead letters'
/// backlog cannot hold a peer's largest frames by the thousand.
fn refused_message(envelope: &Envelope<'_>) -> WireMessage {
    let payload = envelope.payload;
    WireMessage {
        message_type: prefix(envelope.message_type).to_owned(),
        payload: payload
            .get(..DEAD_LETTER_PAYLOAD)
            .unwrap_or(payload)
            .to_vec(),
    }
}

/// How many bytes of a refused payload an error frame echoes.
pub(crate) const ECHO_PREFIX: usize = 64;

/// How many bytes of a peer's text (a target, a type name) an error frame
/// or log line repeats.
const TEXT_PREFIX: usize = 256;

/// The first [`TEXT_PREFIX`] bytes of `text`, cut at a character boundary.
fn prefix(text: &str) -> &str {
    if text.len() <= TEXT_PREFIX {
        return text;
    }
    let mut end = TEXT_PREFIX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The length prefix of a frame, outside the body the limit counts.
const FRAME_HEADER: usize = 4;

/// Queues an error frame back to the source of `refused` (echoing its
/// message when it fits the peer's frame limit), or to the peer's root when
/// the frame did not decode.
fn answer(
    system: &SystemInner,
    peer: &Peer,
    refused: Option<&Envelope<'_>>,
    code: ErrorCode,
    detail: &str,
) {
    let root = system.root.to_string();
    let route = match refused {
        Some(envelope) => Route {
            kind: Kind::Error,
            priority: Priority::Control,
            source: if envelope.target.is_empty() {
                &root
            } else {
                envelope.target
            },
            target: envelope.source,
            correlation: envelope.correlation,
        },
        None => wire::error_route(&root, ""),
    };
    let message_type = refused
        .map(|e| prefix(e.message_type).to_owned())
        .unwrap_or_default();
    // Only a prefix of the refused payload goes back: a peer that sends
    // large refused frames and never reads must not make this side
    // buffer as much again.
    let echoed = refused.map_or(&[][..], |e| e.payload);
    let echoed = echoed.get(..ECHO_PREFIX).unwrap_or(echoed);
    let mut body = ErrorBody {
        code,
        detail: prefix(detail).to_owned(),
        message_type,
        payload: echoed.to_vec(),
    };
    let mut frame = wire::control_frame(route, ERROR_TYPE, &body);
    // The error frame must fit the peer's limit, or its reader would end
    // the connection: a refused message too large to echo is named only.
    if frame.len().saturating_sub(FRAME_HEADER) > peer.max_frame_len {
        body.payload = Vec::new();
        body.detail = format!(
            "{detail} (the refused message, {} bytes, is not echoed)",
            echoed.len()
        );
        frame = wire::control_frame(route, ERROR_TYPE, &body);
    }
    peer.push_control(frame);
}

fn bad_frame(system: &SystemInner, peer: &Peer, error: ConnectionError) {
    Counters::count(&hub::of(system).counters.bad_frames);
    tracing::warn!(target: "olivier::remote", peer = %peer.system, %error, "bad frame");
    hub::of(system).events.emit(PeerEvent::BadFrame {
        system: peer.system.clone(),
        error,
    });
}
