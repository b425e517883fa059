//! An envelope that owns its strings and payload, for queues and builders.

use super::{CorrelationId, Envelope, Kind, Priority};
use crate::error::DecodeError;

/// An [`Envelope`] that owns its data; [`as_envelope`](Self::as_envelope)
/// borrows it back for encoding.
///
/// ```
/// use barewire::{Envelope, Kind, OwnedEnvelope};
/// let owned = Envelope::new(Kind::Tell, "a", "b", "t", b"\x00").into_owned();
/// let bytes = owned.as_envelope().to_vec();
/// assert_eq!(OwnedEnvelope::decode(&bytes).unwrap(), owned);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct OwnedEnvelope {
    /// What the message is for.
    pub kind: Kind,
    /// How urgently it should be delivered.
    pub priority: Priority,
    /// The sender's actor address.
    pub source: String,
    /// The recipient's actor address.
    pub target: String,
    /// Links an ask to its reply or error.
    pub correlation: Option<CorrelationId>,
    /// The payload's stable type name.
    pub message_type: String,
    /// When the message was sent, in nanoseconds since the Unix epoch.
    pub timestamp: u64,
    /// The BARE-encoded message.
    pub payload: Vec<u8>,
}

impl OwnedEnvelope {
    /// Borrows the envelope, to encode it.
    pub fn as_envelope(&self) -> Envelope<'_> {
        Envelope {
            kind: self.kind,
            priority: self.priority,
            source: &self.source,
            target: &self.target,
            correlation: self.correlation,
            message_type: &self.message_type,
            timestamp: self.timestamp,
            payload: &self.payload,
        }
    }

    /// Decodes a whole envelope and copies it out of `input`.
    pub fn decode(input: &[u8]) -> Result<Self, DecodeError> {
        Envelope::decode(input).map(Envelope::into_owned)
    }
}

impl From<Envelope<'_>> for OwnedEnvelope {
    fn from(envelope: Envelope<'_>) -> Self {
        envelope.into_owned()
    }
}
