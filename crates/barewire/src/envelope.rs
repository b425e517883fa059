//! The message envelope every BAREWire transport carries, as published in
//! `docs/barewire.bare`:
//!
//! ```text
//! type Envelope struct {
//!   version: u8            # protocol version, 1
//!   kind: Kind
//!   priority: Priority
//!   source: str            # actor address, e.g. "system/parent/child#3"
//!   target: str
//!   correlation: optional<data[16]>
//!   messageType: str       # the payload's stable type name
//!   timestamp: u64         # nanoseconds since the Unix epoch
//!   payload: data          # the BARE-encoded message
//! }
//! ```
//!
//! The codec is written by hand (no serde) because it is the hot path; its
//! bytes are checked against the serde path and against an independent BARE
//! implementation in the tests.

mod correlation;
mod kind;
mod owned;
mod priority;

pub use correlation::CorrelationId;
pub use kind::Kind;
pub use owned::OwnedEnvelope;
pub use priority::Priority;

use crate::de::Deserializer;
use crate::error::DecodeError;
use crate::varint;

/// The envelope protocol version this crate writes and accepts.
pub const PROTOCOL_VERSION: u8 = 1;

/// An envelope whose strings and payload borrow from a buffer: what
/// [`Envelope::decode`] returns without copying, and what a sender fills in
/// to encode.
///
/// ```
/// use barewire::{CorrelationId, Envelope, Kind, Priority};
///
/// let payload = barewire::to_vec(&barewire::Uint(42)).unwrap();
/// let envelope = Envelope::new(Kind::Ask, "system/client", "system/counter", "counter.Add", &payload)
///     .with_priority(Priority::Control)
///     .with_correlation(CorrelationId::from(7u128))
///     .with_timestamp(1_700_000_000_000_000_000);
///
/// let mut buffer = Vec::new();
/// envelope.encode_into(&mut buffer);
/// assert_eq!(buffer.len(), envelope.encoded_len());
///
/// let decoded = Envelope::decode(&buffer).unwrap();
/// assert_eq!(decoded, envelope);
/// assert_eq!(barewire::from_slice::<barewire::Uint>(decoded.payload).unwrap().0, 42);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Envelope<'a> {
    /// What the message is for.
    pub kind: Kind,
    /// How urgently it should be delivered.
    pub priority: Priority,
    /// The sender's actor address, e.g. `system/parent/child#3`.
    pub source: &'a str,
    /// The recipient's actor address.
    pub target: &'a str,
    /// Links an ask to its reply or error.
    pub correlation: Option<CorrelationId>,
    /// The payload's stable type name.
    pub message_type: &'a str,
    /// When the message was sent, in nanoseconds since the Unix epoch.
    pub timestamp: u64,
    /// The BARE-encoded message.
    pub payload: &'a [u8],
}

impl<'a> Envelope<'a> {
    /// An envelope of normal priority, without correlation, timestamp 0.
    pub fn new(
        kind: Kind,
        source: &'a str,
        target: &'a str,
        message_type: &'a str,
        payload: &'a [u8],
    ) -> Self {
        Self {
            kind,
            priority: Priority::Normal,
            source,
            target,
            correlation: None,
            message_type,
            timestamp: 0,
            payload,
        }
    }

    /// The same envelope with `priority`.
    #[must_use]
    pub fn with_priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// The same envelope with a correlation id.
    #[must_use]
    pub fn with_correlation(mut self, correlation: CorrelationId) -> Self {
        self.correlation = Some(correlation);
        self
    }

    /// The same envelope with `timestamp` (nanoseconds since the Unix epoch).
    #[must_use]
    pub fn with_timestamp(mut self, timestamp: u64) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// How many bytes [`encode_into`](Self::encode_into) appends.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        fn str_len(len: usize) -> usize {
            varint::uint_len(len as u64) + len
        }
        1 + varint::uint_len(self.kind as u64)
            + varint::uint_len(self.priority as u64)
            + str_len(self.source.len())
            + str_len(self.target.len())
            + 1
            + if self.correlation.is_some() { 16 } else { 0 }
            + str_len(self.message_type.len())
            + 8
            + str_len(self.payload.len())
    }

    /// Appends the envelope's BARE encoding to `out`, reserving the exact
    /// length first, so a runtime can reuse one buffer for many messages.
    #[inline]
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        self.write_to(out);
    }

    /// Writes the fields in schema order; the caller reserves room.
    #[inline]
    pub(crate) fn write_to<S: ByteSink>(&self, out: &mut S) {
        out.put_byte(PROTOCOL_VERSION);
        // Kind and priority values are below 128: their uint is one byte.
        out.put_byte(self.kind as u8);
        out.put_byte(self.priority as u8);
        write_data(out, self.source.as_bytes());
        write_data(out, self.target.as_bytes());
        match &self.correlation {
            Some(id) => {
                out.put_byte(1);
                out.put_slice(id.as_bytes());
            }
            None => out.put_byte(0),
        }
        write_data(out, self.message_type.as_bytes());
        out.put_slice(&self.timestamp.to_le_bytes());
        write_data(out, self.payload);
    }

    /// The envelope's BARE encoding in a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Decodes a whole envelope, borrowing its strings and payload from
    /// `input`. Rejects other protocol versions, undeclared kinds and
    /// priorities, non-canonical encodings and trailing bytes.
    ///
    /// ```
    /// use barewire::{DecodeError, Envelope};
    /// let error = Envelope::decode(&[2, 0, 0]).unwrap_err();
    /// assert_eq!(error, DecodeError::UnsupportedVersion { offset: 0, version: 2 });
    /// ```
    #[inline]
    pub fn decode(input: &'a [u8]) -> Result<Self, DecodeError> {
        let mut de = Deserializer::new(input);
        let version = de.read_u8()?;
        if version != PROTOCOL_VERSION {
            return Err(DecodeError::UnsupportedVersion { offset: 0, version });
        }
        let at = de.position();
        let value = de.read_uint()?;
        let kind = Kind::from_value(value).ok_or(DecodeError::UnknownVariant {
            type_name: "Kind",
            value,
            offset: at,
        })?;
        let at = de.position();
        let value = de.read_uint()?;
        let priority = Priority::from_value(value).ok_or(DecodeError::UnknownVariant {
            type_name: "Priority",
            value,
            offset: at,
        })?;
        let source = de.read_str()?;
        let target = de.read_str()?;
        let at = de.position();
        let correlation = match de.read_u8()? {
            0 => None,
            1 => Some(CorrelationId(de.take_array()?)),
            byte => return Err(DecodeError::InvalidOptionalTag { offset: at, byte }),
        };
        let message_type = de.read_str()?;
        let timestamp = u64::from_le_bytes(de.take_array()?);
        let payload = de.read_data()?;
        de.end()?;
        Ok(Self {
            kind,
            priority,
            source,
            target,
            correlation,
            message_type,
            timestamp,
            payload,
        })
    }

    /// Copies the envelope into one that owns its strings and payload.
    pub fn into_owned(self) -> OwnedEnvelope {
        OwnedEnvelope {
            kind: self.kind,
            priority: self.priority,
            source: self.source.to_owned(),
            target: self.target.to_owned(),
            correlation: self.correlation,
            message_type: self.message_type.to_owned(),
            timestamp: self.timestamp,
            payload: self.payload.to_vec(),
        }
    }
}

/// Where an envelope can be written: a `Vec<u8>`, or a `BytesMut` for the
/// tokio codec.
pub(crate) trait ByteSink {
    fn put_byte(&mut self, byte: u8);
    fn put_slice(&mut self, bytes: &[u8]);
}

impl ByteSink for Vec<u8> {
    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.push(byte);
    }

    #[inline]
    fn put_slice(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

#[cfg(feature = "tokio-codec")]
impl ByteSink for bytes::BytesMut {
    #[inline]
    fn put_byte(&mut self, byte: u8) {
        bytes::BufMut::put_u8(self, byte);
    }

    #[inline]
    fn put_slice(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

#[inline]
fn write_data<S: ByteSink>(out: &mut S, bytes: &[u8]) {
    let len = bytes.len() as u64;
    if len < 0x80 {
        out.put_byte(len as u8);
    } else {
        let (prefix, used) = varint::uint_bytes(len);
        out.put_slice(prefix.get(..used).unwrap_or_default());
    }
    out.put_slice(bytes);
}
