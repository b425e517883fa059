//! The 16-byte id that links an ask to its reply.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A correlation id: 16 opaque bytes (`data[16]` in the schema).
///
/// ```
/// use barewire::CorrelationId;
/// let id = CorrelationId::from(0x0102u128);
/// assert_eq!(id.as_bytes()[14..], [1, 2]);
/// assert_eq!(u128::from(id), 0x0102);
/// assert_eq!(id.to_string(), "00000000000000000000000000000102");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct CorrelationId(pub [u8; 16]);

impl CorrelationId {
    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl From<[u8; 16]> for CorrelationId {
    fn from(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

/// Big-endian, so the hexadecimal form reads as the number.
impl From<u128> for CorrelationId {
    fn from(value: u128) -> Self {
        Self(value.to_be_bytes())
    }
}

impl From<CorrelationId> for u128 {
    fn from(id: CorrelationId) -> Self {
        u128::from_be_bytes(id.0)
    }
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}
