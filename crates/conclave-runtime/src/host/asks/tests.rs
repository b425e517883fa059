//! Claiming replies: oldest ask first, only uncorrelated tells and errors.

use super::*;
use crate::wire::Priority;

fn tell(to: &str) -> OwnedEnvelope {
    OwnedEnvelope {
        kind: Kind::Tell,
        priority: Priority::Normal,
        source: "COUNTER/c#0".into(),
        target: to.into(),
        correlation: None,
        message_type: "t".into(),
        timestamp: 0,
        payload: Vec::new(),
    }
}

fn ask(client: &str, n: u8) -> PendingAsk {
    PendingAsk {
        client: client.into(),
        correlation: CorrelationId([n; 16]),
    }
}

#[test]
fn a_tell_to_an_asking_client_becomes_the_reply_to_its_oldest_ask() {
    let mut asks = vec![
        ask("client/a#0", 1),
        ask("client/a#0", 2),
        ask("client/b#0", 3),
    ];
    let mut out = [tell("client/a#0"), tell("client/c#0")];
    let cancelled = claim(&mut asks, out.iter_mut());
    assert_eq!(out[0].kind, Kind::Reply);
    assert_eq!(out[0].correlation, Some(CorrelationId([1; 16])));
    assert_eq!(out[1].kind, Kind::Tell);
    assert_eq!(out[1].correlation, None);
    assert_eq!(cancelled, vec![timer_key(&CorrelationId([1; 16]))]);
    assert_eq!(asks, vec![ask("client/a#0", 2), ask("client/b#0", 3)]);
}

#[test]
fn correlated_envelopes_answer_their_own_ask() {
    let mut asks = vec![ask("client/a#0", 1)];
    let mut out = [tell("client/a#0")];
    out[0].correlation = Some(CorrelationId([9; 16]));
    assert!(claim(&mut asks, out.iter_mut()).is_empty());
    assert_eq!(asks.len(), 1);
}

#[test]
fn timer_keys_are_hex_of_the_correlation() {
    assert_eq!(
        timer_key(&CorrelationId([0xab; 16])),
        format!("conclave.ask.{}", "ab".repeat(16))
    );
}
