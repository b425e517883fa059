//! The Worker's URL space, parsed without I/O.
//!
//! - `GET /health`: the Worker itself answers, as JSON.
//! - `GET /actors/<CLASS>/<name>` with a token (`?token=` or `Authorization: Bearer`):
//!   the actor's Durable Object answers its health, as JSON.
//! - `GET /actors/<CLASS>/<name>/ws` with `Upgrade: websocket` and a token:
//!   a hibernatable WebSocket to the actor, one BAREWire envelope per binary message.
//!
//! `CLASS` is the Durable Object binding name from `wrangler.toml` (for
//! example `COUNTER`); `name` picks the object, one per actor.

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    /// The Worker's own health.
    Health,
    /// One actor's Durable Object.
    Actor {
        /// The Durable Object binding, such as `COUNTER`.
        class: &'a str,
        /// The actor's name within its class.
        name: &'a str,
        /// Whether the request opens the actor's WebSocket.
        socket: bool,
    },
    /// Nothing lives here.
    NotFound,
}

/// The longest actor name accepted.
pub const MAX_NAME_LEN: usize = 200;

/// Parses a request path.
///
/// # Examples
///
/// ```
/// use conclave_runtime::route::{Route, parse};
///
/// assert_eq!(
///     parse("/actors/COUNTER/alice/ws"),
///     Route::Actor { class: "COUNTER", name: "alice", socket: true }
/// );
/// assert_eq!(parse("/actors/COUNTER/../x"), Route::NotFound);
/// ```
pub fn parse(path: &str) -> Route<'_> {
    if path == "/health" {
        return Route::Health;
    }
    let Some(rest) = path.strip_prefix("/actors/") else {
        return Route::NotFound;
    };
    let mut parts = rest.split('/');
    let (Some(class), Some(name)) = (parts.next(), parts.next()) else {
        return Route::NotFound;
    };
    let socket = match (parts.next(), parts.next()) {
        (None, _) => false,
        (Some("ws"), None) => true,
        _ => return Route::NotFound,
    };
    if !is_class(class) || !is_name(name) {
        return Route::NotFound;
    }
    Route::Actor {
        class,
        name,
        socket,
    }
}

/// Whether `class` can be a binding name: `A-Z`, `0-9` and `_`.
pub fn is_class(class: &str) -> bool {
    !class.is_empty()
        && class
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Whether `name` is an acceptable actor name: `A-Z a-z 0-9 - _ .`, not only dots.
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.bytes().any(|b| b != b'.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests;
