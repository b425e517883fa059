//! Messages a handler produced, sent only after the state is stored.

use alloy_actors::{ActorId, AnyMessage};
use worker::{Env, Headers, Method, Request, RequestInit, State, WebSocket};

use super::send;
use crate::gateway::ACTOR_HEADER;
use crate::wire::{self, Envelope, ErrorCode, Kind, VERSION};

/// Outgoing envelopes, in the order the behavior produced them.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    envelopes: Vec<Envelope>,
}

impl Outbox {
    /// Queues a tell from `source` to `target`.
    pub(crate) fn tell(
        &mut self,
        source: &ActorId,
        target: &ActorId,
        message: &AnyMessage,
        priority: u8,
        now_ms: u64,
    ) {
        match wire::to_vec("message", message) {
            Ok(payload) => self.envelopes.push(Envelope {
                version: VERSION,
                kind: Kind::Tell,
                priority,
                source: source.to_string(),
                target: target.to_string(),
                correlation: None,
                message_type: message.type_name().to_owned(),
                timestamp_ns: now_ms.saturating_mul(1_000_000),
                payload,
            }),
            Err(error) => worker::console_error!("{source}: tell to {target}: {error}"),
        }
    }

    /// Queues an `ERROR` answering `envelope`.
    pub(crate) fn refuse(&mut self, envelope: &Envelope, code: ErrorCode, detail: String) {
        self.envelopes.push(Envelope::error_for(
            Some(envelope),
            &envelope.target,
            code,
            detail,
        ));
    }

    /// Sends everything: answers to the current message's sender on its
    /// socket (as `REPLY` with the ask's correlation), messages for client
    /// addresses on their tagged sockets, and messages for other actors to
    /// their objects.
    pub(crate) async fn flush(
        self,
        state: &State,
        env: &Env,
        current: Option<(&WebSocket, &Envelope)>,
    ) -> worker::Result<()> {
        for mut out in self.envelopes {
            if let Some((socket, incoming)) = current
                && out.target == incoming.source
            {
                if incoming.kind == Kind::Ask {
                    if out.kind == Kind::Tell {
                        out.kind = Kind::Reply;
                    }
                    out.correlation = incoming.correlation;
                }
                send(socket, &out)?;
                continue;
            }
            let sockets = state.get_websockets_with_tag(&out.target);
            if !sockets.is_empty() {
                for socket in sockets {
                    // A socket closing meanwhile loses only its own copy.
                    let _ = send(&socket, &out);
                }
                continue;
            }
            if out.kind == Kind::Error {
                worker::console_warn!("undeliverable error for {}: {:?}", out.target, out.payload);
                continue;
            }
            to_object(env, &out).await?;
        }
        Ok(())
    }
}

/// Sends one envelope to another actor's object, or logs a dead letter.
async fn to_object(env: &Env, envelope: &Envelope) -> worker::Result<()> {
    let Some((class, name)) = object_of(&envelope.target) else {
        worker::console_warn!("dead letter to {}: no such actor", envelope.target);
        return Ok(());
    };
    let Ok(namespace) = env.durable_object(class) else {
        worker::console_warn!("dead letter to {}: no class {class}", envelope.target);
        return Ok(());
    };
    let stub = namespace.id_from_name(name)?.get_stub()?;
    let headers = Headers::new();
    headers.set(ACTOR_HEADER, &format!("{class}/{name}"))?;
    let frame = envelope
        .encode()
        .map_err(|error| worker::Error::RustError(error.to_string()))?;
    let body = worker::js_sys::Uint8Array::from(frame.as_slice());
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let request = Request::new_with_init(
        &format!("https://conclave.internal/actors/{class}/{name}"),
        &init,
    )?;
    let response = stub.fetch_with_request(request).await?;
    if response.status_code() >= 400 {
        worker::console_warn!(
            "{} refused a tell: {}",
            envelope.target,
            response.status_code()
        );
    }
    Ok(())
}

/// `<CLASS>/<name>#0` to (`CLASS`, `name`).
fn object_of(address: &str) -> Option<(&str, &str)> {
    let path = address.strip_suffix("#0")?;
    let (class, name) = path.split_once('/')?;
    (crate::route::is_class(class) && !name.is_empty()).then_some((class, name))
}
