//! Socket tokens: who may open a WebSocket to which actor, as which client,
//! and until when.
//!
//! A token is `<expires>.<signature>`: `expires` is a Unix time in seconds
//! and `signature` the lowercase hex HMAC-SHA256, under the deployment's
//! secret, of `conclave/v2|<class>/<name>|<client>|<expires>`, where
//! `client` is the client address the socket announces with `?client=`
//! (`client/<name>#<n>`), or empty for a socket that announces none. It
//! grants one actor to one client address only: a leaked token opens no
//! other object, and its holder cannot take another client's address (and
//! with it the tells and replies sent to that client).
//!
//! Everything here is pure (the clock is a parameter), so it is tested
//! natively.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// No token came with the request.
    #[error("no token: send `Authorization: Bearer <token>` or `?token=<token>`")]
    Missing,
    /// The token is not `<expires>.<hex signature>`.
    #[error("malformed token: {reason}")]
    Malformed {
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The token expired.
    #[error("token expired at {expires} (now {now})")]
    Expired {
        /// When it expired, Unix seconds.
        expires: u64,
        /// The time it was checked, Unix seconds.
        now: u64,
    },
    /// The signature does not match this actor, client and expiry under the secret.
    #[error("bad token signature for actor `{actor}` and client `{client}`")]
    BadSignature {
        /// The actor the token was presented for.
        actor: String,
        /// The client address the socket announced (empty for none).
        client: String,
    },
    /// The deployment has no secret configured, so no token can be valid.
    #[error("no token secret is configured (set the `{binding}` secret or var)")]
    NoSecret {
        /// The secret's binding name.
        binding: &'static str,
    },
}

/// The binding (wrangler secret or var) that holds the token secret.
pub const SECRET_BINDING: &str = "CONCLAVE_TOKEN_SECRET";

/// Signs a token for `actor` (`<class>/<name>`), used by `client` (the
/// socket's `?client=` address, `None` for a socket without one), that
/// expires at `expires`.
///
/// # Examples
///
/// ```
/// use conclave_runtime::auth::{sign, verify};
///
/// let alice = Some("client/alice#0");
/// let token = sign(b"secret", "COUNTER/a", alice, 2_000);
/// assert_eq!(verify(b"secret", "COUNTER/a", alice, &token, 1_000), Ok(()));
/// assert!(verify(b"secret", "COUNTER/b", alice, &token, 1_000).is_err());
/// assert!(verify(b"secret", "COUNTER/a", Some("client/bob#0"), &token, 1_000).is_err());
/// assert!(verify(b"secret", "COUNTER/a", None, &token, 1_000).is_err());
/// ```
pub fn sign(secret: &[u8], actor: &str, client: Option<&str>, expires: u64) -> String {
    let mac = mac(secret, actor, client, expires);
    format!("{expires}.{}", hex(&mac.finalize().into_bytes()))
}

/// Checks `token` for `actor` and `client` at time `now` (Unix seconds).
///
/// # Errors
///
/// [`TokenError::Malformed`], [`TokenError::Expired`] or
/// [`TokenError::BadSignature`]; the comparison is constant-time.
pub fn verify(
    secret: &[u8],
    actor: &str,
    client: Option<&str>,
    token: &str,
    now: u64,
) -> Result<(), TokenError> {
    let (expires, signature) = token.split_once('.').ok_or(TokenError::Malformed {
        reason: "no `.` between expiry and signature",
    })?;
    let expires: u64 = expires.parse().map_err(|_| TokenError::Malformed {
        reason: "expiry is not a decimal number",
    })?;
    let signature = unhex(signature).ok_or(TokenError::Malformed {
        reason: "signature is not lowercase hex",
    })?;
    mac(secret, actor, client, expires)
        .verify_slice(&signature)
        .map_err(|_| TokenError::BadSignature {
            actor: actor.to_owned(),
            client: client.unwrap_or_default().to_owned(),
        })?;
    if now >= expires {
        return Err(TokenError::Expired { expires, now });
    }
    Ok(())
}

fn mac(secret: &[u8], actor: &str, client: Option<&str>, expires: u64) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("hmac takes keys of any length"));
    // Neither a routed actor path nor an expiry can hold `|`, so the client
    // address between them is unambiguous even if it holds one.
    let client = client.unwrap_or_default();
    mac.update(format!("conclave/v2|{actor}|{client}|{expires}").as_bytes());
    mac
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests;
