//! The proofs: deterministic, bound to role, names, limits and nonces.

use super::*;
use crate::remote::REMOTE_PROTOCOL;

fn hello(system: &str, nonce: u8) -> Hello {
    Hello {
        protocol: REMOTE_PROTOCOL,
        system: system.to_owned(),
        max_frame_len: 1 << 20,
        nonce: [nonce; 32],
        link: 1,
    }
}

#[test]
fn a_proof_verifies_only_for_its_own_inputs() {
    let secret = Secret::new([7u8; 32]).expect("secret");
    let other = Secret::new([8u8; 32]).expect("secret");
    let (a, b) = (hello("a", 1), hello("b", 2));
    let mac = proof(&secret, Role::Connecting, &a, &b);
    assert!(verify(&secret, Role::Connecting, &a, &b, &mac));
    assert!(
        !verify(&other, Role::Connecting, &a, &b, &mac),
        "another secret"
    );
    assert!(!verify(&secret, Role::Accepting, &a, &b, &mac), "reflected");
    assert!(!verify(&secret, Role::Connecting, &b, &a, &mac), "swapped");
    assert!(
        !verify(&secret, Role::Connecting, &a, &hello("b", 3), &mac),
        "another nonce"
    );
    let mut bigger = b.clone();
    bigger.max_frame_len += 1;
    assert!(
        !verify(&secret, Role::Connecting, &a, &bigger, &mac),
        "another limit"
    );
    assert!(
        !verify(&secret, Role::Connecting, &a, &b, &mac[..31]),
        "truncated"
    );
}

#[test]
fn names_are_length_prefixed() {
    let secret = Secret::new([7u8; 32]).expect("secret");
    // "ab" + "c" and "a" + "bc" must not feed the same bytes.
    let one = proof(&secret, Role::Connecting, &hello("ab", 1), &hello("c", 1));
    let two = proof(&secret, Role::Connecting, &hello("a", 1), &hello("bc", 1));
    assert_ne!(one, two);
}

#[test]
fn nonces_differ() {
    assert_ne!(crate::random::nonce(), crate::random::nonce());
    assert_ne!(
        crate::random::unguessable_u64(),
        crate::random::unguessable_u64()
    );
}
