//! Socket tokens, written independently of conclave-runtime's checker so the
//! tests check the format, not the code against itself.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A token for `actor` (`<CLASS>/<name>`) under `secret`, expiring at `expires` (Unix seconds).
pub fn sign(secret: &str, actor: &str, expires: u64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("hmac takes keys of any length"));
    mac.update(format!("conclave/v1|{actor}|{expires}").as_bytes());
    let signature: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{expires}.{signature}")
}

/// A token for `actor` valid for the next hour.
pub fn fresh(secret: &str, actor: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    sign(secret, actor, now + 3600)
}
