//! The Worker's fetch handler: health, token checks and forwarding to actors.
//!
//! Nothing reaches a Durable Object unless its route names a hosted class
//! and the request carries a valid token (the [`auth`] module), for a
//! socket and for an actor's health alike: a request that reaches an object
//! creates it, so no unauthenticated one may. Refusals are answered here,
//! in the Worker.

use worker::{Env, Headers, Method, Request, RequestInit, Response};

use crate::auth::{self, SECRET_BINDING, TokenError};
use crate::health::WorkerHealth;
use crate::route::{self, Route};

/// The header the gateway sets on requests it forwards to an actor: `<CLASS>/<name>`.
pub const ACTOR_HEADER: &str = "x-conclave-actor";

/// The header a parent sets when it starts a child object: the parent's address.
pub const PARENT_HEADER: &str = "x-conclave-parent";

/// The header a parent sets when it starts a child object: the binding
/// that hosts the child (a child cannot tell it from its path).
pub const CLASS_HEADER: &str = "x-conclave-class";

/// The header a parent sets when it starts a child object: the binding
/// that hosts the parent, where the child opens its link socket.
pub const PARENT_CLASS_HEADER: &str = "x-conclave-parent-class";

/// The header a parent sets when it starts a child object: the
/// capabilities the child's spec grants, by name (`spawn,schedule,remote`).
/// The gateway never forwards it, so no client grants an actor anything.
pub const CAPABILITIES_HEADER: &str = "x-conclave-capabilities";

/// The header on a child's link socket request to its parent's object: the
/// child's address (see `host::link`). The gateway never forwards it, so
/// only objects open links.
pub const LINK_HEADER: &str = "x-conclave-link";

/// The header that carries a socket's client address (`?client=client/<name>#<n>`):
/// the object tags the socket with it, and tells to that address go there.
pub const CLIENT_HEADER: &str = "x-conclave-client";

/// Answers one request to the Worker.
///
/// `classes` lists the Durable Object bindings this Worker hosts; other
/// classes are not found.
///
/// # Errors
///
/// When the Workers runtime fails (a binding missing from `wrangler.toml`, a
/// stub that cannot be reached); refusals are responses, not errors.
pub async fn serve(request: Request, env: Env, classes: &[&str]) -> worker::Result<Response> {
    let path = request.path();
    match route::parse(&path) {
        Route::Health => Response::from_json(&WorkerHealth::new(classes)),
        Route::NotFound => Response::error("not found", 404),
        Route::Actor { class, .. } if !classes.contains(&class) => {
            Response::error(format!("no actor class `{class}` here"), 404)
        }
        Route::Actor {
            class,
            name,
            socket,
        } => {
            let actor = format!("{class}/{name}");
            if socket {
                if !is_upgrade(&request)? {
                    return Response::error("expected `Upgrade: websocket`", 426);
                }
                let client = match client_address(&request) {
                    Ok(client) => client,
                    Err(detail) => return Response::error(detail, 400),
                };
                if let Err(error) = authorise(&request, &env, &actor, client.as_deref()) {
                    return Response::error(error.to_string(), 401);
                }
                return forward(&request, &env, class, &actor, Some(client)).await;
            } else if request.method() != Method::Get {
                return Response::error("only GET here", 405);
            } else if is_upgrade(&request)? {
                // Sockets open only on `/ws`, where the token is checked.
                return Response::error(
                    format!("sockets open on /actors/{actor}/ws, with a token"),
                    426,
                );
            }
            // Health needs the same token as a socket: reaching an object
            // creates it, so no unauthenticated request may.
            let client = match client_address(&request) {
                Ok(client) => client,
                Err(detail) => return Response::error(detail, 400),
            };
            if let Err(error) = authorise(&request, &env, &actor, client.as_deref()) {
                return Response::error(error.to_string(), 401);
            }
            forward(&request, &env, class, &actor, None).await
        }
    }
}

fn is_upgrade(request: &Request) -> worker::Result<bool> {
    Ok(request
        .headers()
        .get("upgrade")?
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket")))
}

fn authorise(
    request: &Request,
    env: &Env,
    actor: &str,
    client: Option<&str>,
) -> Result<(), TokenError> {
    let secret = env
        .secret(SECRET_BINDING)
        .map(|secret| secret.to_string())
        .or_else(|_| env.var(SECRET_BINDING).map(|var| var.to_string()))
        .ok()
        .filter(|secret| !secret.is_empty())
        .ok_or(TokenError::NoSecret {
            binding: SECRET_BINDING,
        })?;
    let token = token(request).ok_or(TokenError::Missing)?;
    let now = worker::Date::now().as_millis() / 1000;
    auth::verify(secret.as_bytes(), actor, client, &token, now)
}

fn token(request: &Request) -> Option<String> {
    if let Ok(Some(header)) = request.headers().get("authorization")
        && let Some(token) = header.strip_prefix("Bearer ")
    {
        return Some(token.trim().to_owned());
    }
    let url = request.url().ok()?;
    url.query_pairs()
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned())
}

/// The `client` query parameter: `None` when absent, its address when it
/// is a client address (`client/...#n`), refused otherwise (the token
/// signs it, so it is never ignored).
fn client_address(request: &Request) -> Result<Option<String>, String> {
    let url = request.url().map_err(|error| error.to_string())?;
    let Some((_, client)) = url.query_pairs().find(|(key, _)| key == "client") else {
        return Ok(None);
    };
    match client.parse::<alloy_actors::ActorId>() {
        Ok(id) if id.system() == "client" => Ok(Some(id.to_string())),
        _ => Err(format!(
            "`?client={client}` is not a client address (`client/<name>#<n>`)"
        )),
    }
}

/// Forwards to the actor's object; only an authorised socket request
/// (`socket` is its client address, if any) carries the upgrade and the
/// client address through.
async fn forward(
    request: &Request,
    env: &Env,
    class: &str,
    actor: &str,
    socket: Option<Option<String>>,
) -> worker::Result<Response> {
    // Objects are named by their actor's path, `<CLASS>/<name>`.
    let stub = env.durable_object(class)?.id_from_name(actor)?.get_stub()?;
    let headers = Headers::new();
    headers.set(ACTOR_HEADER, actor)?;
    if let Some(client) = socket
        && let Some(upgrade) = request.headers().get("upgrade")?
    {
        headers.set("upgrade", &upgrade)?;
        if let Some(client) = client {
            headers.set(CLIENT_HEADER, &client)?;
        }
    }
    let mut init = RequestInit::new();
    init.with_method(request.method()).with_headers(headers);
    let url = request.url()?;
    let inner = Request::new_with_init(url.as_str(), &init)?;
    stub.fetch_with_request(inner).await
}
