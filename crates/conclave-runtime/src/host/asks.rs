//! Asks waiting for a reply: a later tell to the asking client becomes its
//! `REPLY`, or the ask's deadline answers `ERROR Timeout`.

use serde::{Deserialize, Serialize};

use crate::wire::{CorrelationId, Kind, OwnedEnvelope};

/// An ask that got no reply while it was handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingAsk {
    /// The asking client's address.
    pub(crate) client: String,
    /// The ask's correlation id.
    pub(crate) correlation: CorrelationId,
}

/// The key of the deadline timer of the ask with `correlation`.
pub(crate) fn timer_key(correlation: &CorrelationId) -> String {
    // The id's `Display` is its bytes in hexadecimal.
    format!("conclave.ask.{correlation}")
}

/// Turns tells (and errors) to clients with pending asks into their
/// answers, oldest ask first; returns the deadline timers to cancel.
pub(crate) fn claim<'a>(
    asks: &mut Vec<PendingAsk>,
    envelopes: impl Iterator<Item = &'a mut OwnedEnvelope>,
) -> Vec<String> {
    let mut answered = Vec::new();
    for envelope in envelopes {
        // One that already carries a correlation answers its own ask.
        if envelope.kind != Kind::Tell && envelope.kind != Kind::Error
            || envelope.correlation.is_some()
        {
            continue;
        }
        let Some(at) = asks.iter().position(|ask| ask.client == envelope.target) else {
            continue;
        };
        let ask = asks.remove(at);
        if envelope.kind == Kind::Tell {
            envelope.kind = Kind::Reply;
        }
        envelope.correlation = Some(ask.correlation);
        answered.push(timer_key(&ask.correlation));
    }
    answered
}

#[cfg(test)]
mod tests;
