//! BARE's variable-length `uint` and `int` as Rust types.
//!
//! serde has no varint in its data model, so a plain `u64` is BARE's `u64`
//! (8 bytes). Wrap it in [`Uint`] (or [`Int`] for `i64`), or annotate a field
//! with `#[serde(with = "barewire::uint")]` / `#[serde(with = "barewire::int")]`,
//! to get the varint. Other serde formats see a plain integer.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// The newtype name by which the BARE encoder recognises a `uint`.
pub(crate) const UINT_TOKEN: &str = "$barewire::Uint";
/// The newtype name by which the BARE encoder recognises an `int`.
pub(crate) const INT_TOKEN: &str = "$barewire::Int";

/// BARE `uint`: an unsigned integer of at most 64 bits, encoded in 1 to 10 bytes.
///
/// ```
/// use barewire::Uint;
/// assert_eq!(barewire::to_vec(&Uint(128)).unwrap(), [0x80, 0x01]);
/// assert_eq!(barewire::from_slice::<Uint>(&[0xff, 0x01]).unwrap(), Uint(255));
/// // Overlong encodings are rejected.
/// assert!(barewire::from_slice::<Uint>(&[0x81, 0x00]).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uint(pub u64);

/// BARE `int`: a signed integer of at most 64 bits, zig-zag encoded as a `uint`.
///
/// ```
/// use barewire::Int;
/// assert_eq!(barewire::to_vec(&Int(-1)).unwrap(), [0x01]);
/// assert_eq!(barewire::to_vec(&Int(64)).unwrap(), [0x80, 0x01]);
/// assert_eq!(barewire::from_slice::<Int>(&[0x7f]).unwrap(), Int(-64));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Int(pub i64);

impl From<u64> for Uint {
    fn from(value: u64) -> Self {
        Self(value)
    }
}

impl From<Uint> for u64 {
    fn from(value: Uint) -> Self {
        value.0
    }
}

impl From<i64> for Int {
    fn from(value: i64) -> Self {
        Self(value)
    }
}

impl From<Int> for i64 {
    fn from(value: Int) -> Self {
        value.0
    }
}

impl Serialize for Uint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(UINT_TOKEN, &self.0)
    }
}

impl Serialize for Int {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(INT_TOKEN, &self.0)
    }
}

struct UintVisitor;

impl<'de> Visitor<'de> for UintVisitor {
    type Value = Uint;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a BARE uint")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Uint, E> {
        Ok(Uint(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Uint, E> {
        u64::try_from(v)
            .map(Uint)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Uint, D::Error> {
        u64::deserialize(d).map(Uint)
    }
}

struct IntVisitor;

impl<'de> Visitor<'de> for IntVisitor {
    type Value = Int;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a BARE int")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
        Ok(Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
        i64::try_from(v)
            .map(Int)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Int, D::Error> {
        i64::deserialize(d).map(Int)
    }
}

impl<'de> Deserialize<'de> for Uint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(UINT_TOKEN, UintVisitor)
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(INT_TOKEN, IntVisitor)
    }
}

/// `#[serde(with = "barewire::uint")]` on a `u64` field encodes it as BARE `uint`.
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Counter {
///     #[serde(with = "barewire::uint")]
///     count: u64,
/// }
/// let bytes = barewire::to_vec(&Counter { count: 300 }).unwrap();
/// assert_eq!(bytes, [0xac, 0x02]);
/// assert_eq!(barewire::from_slice::<Counter>(&bytes).unwrap(), Counter { count: 300 });
/// ```
pub mod uint {
    use super::Uint;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes `value` as a BARE `uint`.
    pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        Uint(*value).serialize(serializer)
    }

    /// Deserializes a BARE `uint`.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        Uint::deserialize(deserializer).map(|v| v.0)
    }
}

/// `#[serde(with = "barewire::int")]` on an `i64` field encodes it as BARE `int`.
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Delta {
///     #[serde(with = "barewire::int")]
///     by: i64,
/// }
/// assert_eq!(barewire::to_vec(&Delta { by: -2 }).unwrap(), [0x03]);
/// ```
pub mod int {
    use super::Int;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes `value` as a BARE `int`.
    pub fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        Int(*value).serialize(serializer)
    }

    /// Deserializes a BARE `int`.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        Int::deserialize(deserializer).map(|v| v.0)
    }
}
