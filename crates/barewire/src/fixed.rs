//! BARE `data[N]` of any length.
//!
//! `[u8; N]` already encodes as `data[N]`, but serde implements arrays only
//! up to 32 elements; [`FixedData`] has no such limit.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeTuple, Serializer};

/// BARE `data[N]`: exactly `N` bytes, no length prefix.
///
/// ```
/// use barewire::FixedData;
/// let key = FixedData([7u8; 128]);
/// let bytes = barewire::to_vec(&key).unwrap();
/// assert_eq!(bytes.len(), 128);
/// assert_eq!(barewire::from_slice::<FixedData<128>>(&bytes).unwrap(), key);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FixedData<const N: usize>(pub [u8; N]);

impl<const N: usize> Default for FixedData<N> {
    fn default() -> Self {
        Self([0; N])
    }
}

impl<const N: usize> From<[u8; N]> for FixedData<N> {
    fn from(bytes: [u8; N]) -> Self {
        Self(bytes)
    }
}

impl<const N: usize> Serialize for FixedData<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(N)?;
        for byte in &self.0 {
            tuple.serialize_element(byte)?;
        }
        tuple.end()
    }
}

struct FixedDataVisitor<const N: usize>;

impl<'de, const N: usize> Visitor<'de> for FixedDataVisitor<N> {
    type Value = FixedData<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{N} bytes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FixedData<N>, A::Error> {
        let mut bytes = [0u8; N];
        for (index, slot) in bytes.iter_mut().enumerate() {
            *slot = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(index, &self))?;
        }
        Ok(FixedData(bytes))
    }
}

impl<'de, const N: usize> Deserialize<'de> for FixedData<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_tuple(N, FixedDataVisitor::<N>)
    }
}
