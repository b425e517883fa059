//! The shared secret and the handshake's proofs: each side proves it knows
//! the secret with an HMAC-SHA256 over both hellos (their names, frame
//! limits and fresh nonces), so the secret never crosses the wire and a
//! proof cannot be replayed on another connection or reflected back.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::wire::Hello;

/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 16;

/// What the proof's MAC starts with: the protocol it belongs to.
const DOMAIN: &[u8] = b"olivier-remote/2";

/// The secret every system of a cluster shares (as Erlang's cookie): a
/// peer that cannot prove it knows it delivers nothing.
///
/// ```
/// use olivier_runtime::remote::Secret;
///
/// let secret = Secret::new("a cluster secret of 32 bytes....")?;
/// assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
/// assert!(Secret::new("short").is_err());
/// # Ok::<(), olivier_runtime::remote::SecretError>(())
/// ```
#[derive(Clone)]
pub struct Secret(Arc<[u8]>);

/// A secret that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// It is shorter than [`MIN_SECRET_LEN`].
    #[error("a secret must have at least {MIN_SECRET_LEN} bytes, this one has {len}")]
    TooShort {
        /// Its length.
        len: usize,
    },
}

impl Secret {
    /// A secret from its bytes.
    ///
    /// # Errors
    ///
    /// [`SecretError::TooShort`] below [`MIN_SECRET_LEN`] bytes.
    pub fn new(bytes: impl AsRef<[u8]>) -> Result<Self, SecretError> {
        let bytes = bytes.as_ref();
        if bytes.len() < MIN_SECRET_LEN {
            return Err(SecretError::TooShort { len: bytes.len() });
        }
        Ok(Self(Arc::from(bytes)))
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Which side of a connection a proof comes from: the two sides' proofs
/// differ even over the same hellos, so one cannot be reflected as the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// The side that connected (and spoke first).
    Connecting,
    /// The side that accepted.
    Accepting,
}

impl Role {
    fn tag(self) -> u8 {
        match self {
            Role::Connecting => b'c',
            Role::Accepting => b'a',
        }
    }
}

/// The proof the `role` side of a connection sends: HMAC-SHA256 keyed with
/// the secret over a domain tag, the role, then the sender's hello and the
/// receiver's hello (each name length-prefixed, then its frame limit, nonce
/// and link number as sent).
///
/// ```
/// use olivier_runtime::remote::{Hello, REMOTE_PROTOCOL, Role, Secret, proof};
///
/// let secret = Secret::new("a cluster secret of 32 bytes....")?;
/// let hello = |system: &str, nonce| Hello {
///     protocol: REMOTE_PROTOCOL,
///     system: system.to_owned(),
///     max_frame_len: 1 << 20,
///     nonce,
///     link: 1,
/// };
/// let (till, shop) = (hello("till", [1; 32]), hello("shop", [2; 32]));
/// let mac = proof(&secret, Role::Connecting, &till, &shop);
/// assert_ne!(mac, proof(&secret, Role::Accepting, &till, &shop));
/// assert_ne!(mac, proof(&secret, Role::Connecting, &shop, &till));
/// # Ok::<(), olivier_runtime::remote::SecretError>(())
/// ```
pub fn proof(secret: &Secret, role: Role, sender: &Hello, receiver: &Hello) -> [u8; 32] {
    let mut mac = secret.mac();
    feed(&mut mac, role, sender, receiver);
    mac.finalize().into_bytes().into()
}

/// Whether `mac` is the proof the `role` side must send (compared in
/// constant time).
pub(crate) fn verify(
    secret: &Secret,
    role: Role,
    sender: &Hello,
    receiver: &Hello,
    mac: &[u8],
) -> bool {
    let mut expected = secret.mac();
    feed(&mut expected, role, sender, receiver);
    expected.verify_slice(mac).is_ok()
}

fn feed(mac: &mut Hmac<Sha256>, role: Role, sender: &Hello, receiver: &Hello) {
    mac.update(DOMAIN);
    mac.update(&[role.tag()]);
    for hello in [sender, receiver] {
        let name = hello.system.as_bytes();
        mac.update(&(name.len() as u64).to_le_bytes());
        mac.update(name);
        mac.update(&hello.max_frame_len.to_le_bytes());
        mac.update(&hello.nonce);
        mac.update(&hello.link.to_le_bytes());
    }
}

#[cfg(test)]
mod tests;
