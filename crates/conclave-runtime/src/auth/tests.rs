//! Token signing and checking, including every refusal.

use super::*;

const SECRET: &[u8] = b"test secret";
const ALICE: Option<&str> = Some("client/alice#0");

#[test]
fn a_signed_token_opens_its_actor_until_it_expires() {
    let token = sign(SECRET, "COUNTER/a", ALICE, 100);
    assert_eq!(verify(SECRET, "COUNTER/a", ALICE, &token, 99), Ok(()));
    assert_eq!(
        verify(SECRET, "COUNTER/a", ALICE, &token, 100),
        Err(TokenError::Expired {
            expires: 100,
            now: 100
        })
    );
}

#[test]
fn a_token_opens_no_other_actor_and_needs_the_secret() {
    let token = sign(SECRET, "COUNTER/a", ALICE, 100);
    assert!(matches!(
        verify(SECRET, "COUNTER/b", ALICE, &token, 1),
        Err(TokenError::BadSignature { .. })
    ));
    assert!(matches!(
        verify(b"other", "COUNTER/a", ALICE, &token, 1),
        Err(TokenError::BadSignature { .. })
    ));
}

#[test]
fn a_token_is_for_one_client_address_or_for_none() {
    let token = sign(SECRET, "COUNTER/a", ALICE, 100);
    assert_eq!(
        verify(SECRET, "COUNTER/a", Some("client/bob#0"), &token, 1),
        Err(TokenError::BadSignature {
            actor: "COUNTER/a".into(),
            client: "client/bob#0".into()
        })
    );
    assert!(matches!(
        verify(SECRET, "COUNTER/a", Some("client/alice#1"), &token, 1),
        Err(TokenError::BadSignature { .. })
    ));
    // Nor may it open a socket that announces no client, or the reverse.
    assert!(matches!(
        verify(SECRET, "COUNTER/a", None, &token, 1),
        Err(TokenError::BadSignature { .. })
    ));
    let anonymous = sign(SECRET, "COUNTER/a", None, 100);
    assert_eq!(verify(SECRET, "COUNTER/a", None, &anonymous, 1), Ok(()));
    assert!(matches!(
        verify(SECRET, "COUNTER/a", ALICE, &anonymous, 1),
        Err(TokenError::BadSignature { .. })
    ));
}

#[test]
fn fields_cannot_be_shifted_into_one_another() {
    // The client holds `|`: the signed text differs from a different split.
    let token = sign(SECRET, "COUNTER/a", Some("client/x|1#0"), 100);
    assert!(verify(SECRET, "COUNTER/a", Some("client/x|1#0"), &token, 1).is_ok());
    assert!(verify(SECRET, "COUNTER/a", Some("client/x"), &token, 1).is_err());
}

#[test]
fn a_forged_expiry_breaks_the_signature() {
    let token = sign(SECRET, "COUNTER/a", ALICE, 100);
    let (_, signature) = token.split_once('.').unwrap();
    let forged = format!("999999.{signature}");
    assert!(matches!(
        verify(SECRET, "COUNTER/a", ALICE, &forged, 1),
        Err(TokenError::BadSignature { .. })
    ));
}

#[test]
fn malformed_tokens_say_what_is_wrong() {
    for token in ["", "abc", "x.00", "10.zz", "10.abc", "10.ABCD"] {
        assert!(
            matches!(
                verify(SECRET, "COUNTER/a", ALICE, token, 1),
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
