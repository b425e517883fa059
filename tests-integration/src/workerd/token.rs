//! Socket tokens, written independently of conclave-runtime's checker so the
//! tests check the format, not the code against itself.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A token for `actor` (`<CLASS>/<name>`) used as `client` (the socket's
/// `?client=` address, `None` for none) under `secret`, expiring at
/// `expires` (Unix seconds).
pub fn sign(secret: &str, actor: &str, client: Option<&str>, expires: u64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("hmac takes keys of any length"));
    let client = client.unwrap_or("");
    mac.update(format!("conclave/v2|{actor}|{client}|{expires}").as_bytes());
    let signature: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{expires}.{signature}")
}

/// A token for `actor` used as `client`, valid for the next hour.
pub fn fresh(secret: &str, actor: &str, client: Option<&str>) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    sign(secret, actor, client, now + 3600)
}

/// The address of the client called `name`, as [`ActorClient`](super::ActorClient)
/// announces it: `client/<name>#0`.
pub fn client_address(name: &str) -> String {
    format!("client/{name}#0")
}

/// A token for `actor` used by the client called `name` (see
/// [`client_address`]), valid for the next hour.
pub fn fresh_as(secret: &str, actor: &str, name: &str) -> String {
    fresh(secret, actor, Some(&client_address(name)))
}
