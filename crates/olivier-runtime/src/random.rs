//! Values nobody can predict, from the operating system's generator:
//! handshake nonces and ask reply ids.

/// 32 fresh bytes from the operating system's generator.
pub(crate) fn nonce() -> [u8; 32] {
    let mut nonce = [0; 32];
    fill(&mut nonce);
    nonce
}

/// A `u64` nobody can predict (for ask reply ids).
pub(crate) fn unguessable_u64() -> u64 {
    let mut bytes = [0; 8];
    fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

fn fill(bytes: &mut [u8]) {
    if let Err(error) = getrandom::fill(bytes) {
        // Without the OS generator nothing here can be kept secret.
        panic!("the operating system's random generator failed: {error}");
    }
}
