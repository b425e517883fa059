//! Messages a handler produced, sent only after the state is stored, and
//! the routing of an address to a socket or an object.

use alloy_actors::{ActorId, AnyMessage, Capabilities};
use worker::{Env, Headers, Method, Request, RequestInit, State, WebSocket};

use super::send;
use crate::gateway::{
    ACTOR_HEADER, CAPABILITIES_HEADER, CLASS_HEADER, PARENT_CLASS_HEADER, PARENT_HEADER,
};
use crate::wire::{self, ErrorCode, Kind, OwnedEnvelope, Priority};

/// Outgoing envelopes, in the order the behavior produced them.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    envelopes: Vec<Outgoing>,
}

#[derive(Debug)]
enum Outgoing {
    /// Routed by its target.
    Routed(OwnedEnvelope),
    /// Sent to a child's object by its class, linked or not (a new child
    /// learns its name and parent from it).
    Child {
        class: String,
        envelope: OwnedEnvelope,
        /// What a child being started may do (its spec's grant).
        capabilities: Option<Capabilities>,
    },
    /// This actor's failure, for its parent: through the link when there
    /// is one (the host takes it out first), else routed as it is.
    Escalation {
        envelope: OwnedEnvelope,
        error: String,
    },
}

/// Where addresses lead from one object: its children and its parent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Routes {
    /// This actor's address.
    pub(crate) me: String,
    /// The binding that hosts this actor, told to its children.
    pub(crate) class: Option<String>,
    /// The parent's address, if this actor has one.
    pub(crate) parent: Option<String>,
    /// (child address, child class) for every child.
    pub(crate) children: Vec<(String, String)>,
}

impl Outbox {
    /// Queues a tell from `source` to `target`.
    pub(crate) fn tell(
        &mut self,
        source: &ActorId,
        target: &ActorId,
        message: &AnyMessage,
        priority: Priority,
        now_ms: u64,
    ) {
        match wire::to_vec("message", message) {
            Ok(payload) => self.envelopes.push(Outgoing::Routed(wire::tell(
                &source.to_string(),
                &target.to_string(),
                message.type_name(),
                priority,
                now_ms,
                payload,
            ))),
            Err(error) => worker::console_error!("{source}: tell to {target}: {error}"),
        }
    }

    /// Queues an envelope routed by its target.
    pub(crate) fn push(&mut self, envelope: OwnedEnvelope) {
        self.envelopes.push(Outgoing::Routed(envelope));
    }

    /// Queues an envelope for a child object of `class`: the start of a new
    /// child, or the stop of one no longer linked.
    pub(crate) fn child(&mut self, class: &str, envelope: OwnedEnvelope) {
        self.envelopes.push(Outgoing::Child {
            class: class.to_owned(),
            envelope,
            capabilities: None,
        });
    }

    /// Queues the start of a new child of `class`, granted `capabilities`.
    pub(crate) fn start_child(
        &mut self,
        class: &str,
        envelope: OwnedEnvelope,
        capabilities: Capabilities,
    ) {
        self.envelopes.push(Outgoing::Child {
            class: class.to_owned(),
            envelope,
            capabilities: Some(capabilities),
        });
    }

    /// Queues this actor's failure `error` for its parent, `envelope` being
    /// the `SYSTEM ChildFailed` that reports it where there is no link.
    pub(crate) fn escalate(&mut self, envelope: OwnedEnvelope, error: String) {
        self.envelopes
            .push(Outgoing::Escalation { envelope, error });
    }

    /// Takes the escalations out: (the `ChildFailed` envelope, the error).
    pub(crate) fn take_escalations(&mut self) -> Vec<(OwnedEnvelope, String)> {
        let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.envelopes)
            .into_iter()
            .partition(|outgoing| matches!(outgoing, Outgoing::Escalation { .. }));
        self.envelopes = kept;
        taken
            .into_iter()
            .filter_map(|outgoing| match outgoing {
                Outgoing::Escalation { envelope, error } => Some((envelope, error)),
                _ => None,
            })
            .collect()
    }

    /// Whether nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.envelopes.is_empty()
    }

    /// Whether anything is addressed to `target`.
    pub(crate) fn has_message_for(&self, target: &str) -> bool {
        self.envelopes.iter().any(|outgoing| match outgoing {
            Outgoing::Routed(envelope) => envelope.target == target,
            Outgoing::Child { .. } | Outgoing::Escalation { .. } => false,
        })
    }

    /// The routed envelopes, to turn tells into replies to pending asks.
    pub(crate) fn routed_mut(&mut self) -> impl Iterator<Item = &mut OwnedEnvelope> {
        self.envelopes
            .iter_mut()
            .filter_map(|outgoing| match outgoing {
                Outgoing::Routed(envelope) => Some(envelope),
                Outgoing::Child { .. } | Outgoing::Escalation { .. } => None,
            })
    }

    /// Queues an `ERROR` answering `envelope`.
    pub(crate) fn refuse(&mut self, envelope: &OwnedEnvelope, code: ErrorCode, detail: String) {
        self.push(wire::error_for(
            Some(envelope),
            &envelope.target,
            code,
            detail,
        ));
    }

    /// Sends everything in order; see [`route`].
    pub(crate) async fn flush(
        self,
        state: &State,
        env: &Env,
        routes: &Routes,
        current: Option<(&WebSocket, &OwnedEnvelope)>,
    ) -> worker::Result<()> {
        for outgoing in self.envelopes {
            match outgoing {
                Outgoing::Routed(mut out) => {
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
                    route(state, env, routes, &out).await?;
                }
                Outgoing::Escalation { envelope, .. } => {
                    route(state, env, routes, &envelope).await?;
                }
                Outgoing::Child {
                    class,
                    envelope,
                    capabilities,
                } => {
                    let name = path_of(&envelope.target).unwrap_or_default().to_owned();
                    let parent = Parent {
                        address: &routes.me,
                        class: routes.class.as_deref(),
                        child_class: &class,
                        capabilities,
                    };
                    post(env, &class, &name, Some(parent), &envelope).await?;
                }
            }
        }
        Ok(())
    }
}

/// Sends `envelope` where its target lives, seen from this object:
/// 1. sockets tagged with the target (a client connected here);
/// 2. a child of this actor, or the child's descendant, through the child's object;
/// 3. a client address not connected here goes up to the parent, which may hold its socket;
/// 4. any other actor through its root object (`<CLASS>/<name>`), which routes down;
/// 5. otherwise a dead letter, logged.
pub(crate) async fn route(
    state: &State,
    env: &Env,
    routes: &Routes,
    envelope: &OwnedEnvelope,
) -> worker::Result<()> {
    let target = envelope.target.as_str();
    let sockets = state.get_websockets_with_tag(target);
    if !sockets.is_empty() {
        for socket in sockets {
            // A socket closing meanwhile loses only its own copy.
            let _ = send(&socket, envelope);
        }
        return Ok(());
    }
    let Some(path) = path_of(target) else {
        worker::console_warn!("dead letter to {target}: not an address");
        return Ok(());
    };
    for (child, class) in &routes.children {
        let Some(child_path) = path_of(child) else {
            continue;
        };
        if path == child_path || path.starts_with(&format!("{child_path}/")) {
            return post(env, class, child_path, None, envelope).await;
        }
    }
    let mut segments = path.split('/');
    let root_class = segments.next().unwrap_or_default();
    if root_class == "client" {
        return match routes.parent.as_deref().and_then(root_of) {
            Some((class, root)) => post(env, class, root, None, envelope).await,
            None => {
                worker::console_warn!("dead letter to {target}: the client is not connected");
                Ok(())
            }
        };
    }
    let me = path_of(&routes.me).unwrap_or_default();
    match root_of(target) {
        // A descendant of this actor that is not among its children is gone.
        Some((_, root)) if root == me && path != root => {
            worker::console_warn!("dead letter to {target}: no such child");
            Ok(())
        }
        Some((class, root)) => post(env, class, root, None, envelope).await,
        None => {
            worker::console_warn!("dead letter to {target}: no such actor");
            Ok(())
        }
    }
}

/// What a parent tells its child's object about the two of them.
#[derive(Debug, Clone, Copy)]
struct Parent<'a> {
    /// The parent's address.
    address: &'a str,
    /// The binding that hosts the parent, if it knows it.
    class: Option<&'a str>,
    /// The binding that hosts the child.
    child_class: &'a str,
    /// What a child being started may do.
    capabilities: Option<Capabilities>,
}

/// POSTs one envelope to the object of the actor at `path` in `class`
/// (objects are named by their actor's path).
async fn post(
    env: &Env,
    class: &str,
    path: &str,
    parent: Option<Parent<'_>>,
    envelope: &OwnedEnvelope,
) -> worker::Result<()> {
    let Ok(namespace) = env.durable_object(class) else {
        worker::console_warn!("dead letter to {}: no class {class}", envelope.target);
        return Ok(());
    };
    let stub = namespace.id_from_name(path)?.get_stub()?;
    let headers = Headers::new();
    headers.set(ACTOR_HEADER, path)?;
    if let Some(parent) = parent {
        headers.set(PARENT_HEADER, parent.address)?;
        headers.set(CLASS_HEADER, parent.child_class)?;
        if let Some(class) = parent.class {
            headers.set(PARENT_CLASS_HEADER, class)?;
        }
        if let Some(granted) = parent.capabilities {
            headers.set(CAPABILITIES_HEADER, &super::capabilities::encode(granted))?;
        }
    }
    let frame = wire::encode_frame(envelope)
        .map_err(|error| worker::Error::RustError(error.to_string()))?;
    let body = worker::js_sys::Uint8Array::from(frame.as_slice());
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let request = Request::new_with_init("https://conclave.internal/envelope", &init)?;
    let response = stub.fetch_with_request(request).await?;
    if response.status_code() >= 400 {
        worker::console_warn!(
            "{} refused an envelope: {}",
            envelope.target,
            response.status_code()
        );
    }
    Ok(())
}

/// The path of an address `<path>#<instance>`.
pub(crate) fn path_of(address: &str) -> Option<&str> {
    address.rsplit_once('#').map(|(path, _)| path)
}

/// The root actor of an address: (`CLASS`, `CLASS/name`), for `CLASS/name[/...]#n`.
fn root_of(address: &str) -> Option<(&str, &str)> {
    let path = path_of(address)?;
    let (class, rest) = path.split_once('/')?;
    if !crate::route::is_class(class) {
        return None;
    }
    let name_len = rest.find('/').unwrap_or(rest.len());
    Some((class, &path[..class.len() + 1 + name_len]))
}
