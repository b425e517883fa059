//! Token signing and checking, including every refusal.

use super::*;

const SECRET: &[u8] = b"test secret";

#[test]
fn a_signed_token_opens_its_actor_until_it_expires() {
    let token = sign(SECRET, "COUNTER/a", 100);
    assert_eq!(verify(SECRET, "COUNTER/a", &token, 99), Ok(()));
    assert_eq!(
        verify(SECRET, "COUNTER/a", &token, 100),
        Err(TokenError::Expired {
            expires: 100,
            now: 100
        })
    );
}

#[test]
fn a_token_opens_no_other_actor_and_needs_the_secret() {
    let token = sign(SECRET, "COUNTER/a", 100);
    assert!(matches!(
        verify(SECRET, "COUNTER/b", &token, 1),
        Err(TokenError::BadSignature { .. })
    ));
    assert!(matches!(
        verify(b"other", "COUNTER/a", &token, 1),
        Err(TokenError::BadSignature { .. })
    ));
}

#[test]
fn a_forged_expiry_breaks_the_signature() {
    let token = sign(SECRET, "COUNTER/a", 100);
    let (_, signature) = token.split_once('.').unwrap();
    let forged = format!("999999.{signature}");
    assert!(matches!(
        verify(SECRET, "COUNTER/a", &forged, 1),
        Err(TokenError::BadSignature { .. })
    ));
}

#[test]
fn malformed_tokens_say_what_is_wrong() {
    for token in ["", "abc", "x.00", "10.zz", "10.abc", "10.ABCD"] {
        assert!(
            matches!(
                verify(SECRET, "COUNTER/a", token, 1),
                Err(TokenError::Malformed { .. })
            ),
            "{token:?}"
        );
    }
}

#[test]
fn hex_round_trips() {
    let bytes: Vec<u8> = (0..=255).collect();
    assert_eq!(unhex(&hex(&bytes)), Some(bytes));
}
