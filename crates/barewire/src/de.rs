//! Decoding BARE into any `serde::Deserialize` type, strictly and without
//! copying: `&str` and `&[u8]` fields borrow from the input.
//!
//! Every rule of the specification is enforced: canonical varints, `bool`
//! and `optional` bytes of 0 or 1, UTF-8 strings, declared enum values and
//! union tags, unique map keys, and a whole message consuming its whole
//! input. No length prefix is trusted beyond the bytes that remain.

mod access;

use serde::de::{self, Deserialize, DeserializeSeed, Visitor};

use crate::error::DecodeError;
use crate::integer::{INT_TOKEN, UINT_TOKEN};
use crate::varint;

use access::{EnumAccess, MapAccess, SeqAccess};

/// Decodes a whole message: the value must use every byte of `input`.
///
/// ```
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Greeting<'a> {
///     to: &'a str,
///     times: u8,
/// }
/// let bytes = [5, b'w', b'o', b'r', b'l', b'd', 3];
/// let greeting: Greeting<'_> = barewire::from_slice(&bytes).unwrap();
/// assert_eq!(greeting, Greeting { to: "world", times: 3 });
///
/// // A trailing byte is an error, not ignored.
/// let error = barewire::from_slice::<Greeting<'_>>(&[0, 1, 9]).unwrap_err();
/// assert_eq!(error, barewire::DecodeError::TrailingBytes { offset: 2, count: 1 });
/// ```
pub fn from_slice<'de, T: Deserialize<'de>>(input: &'de [u8]) -> Result<T, DecodeError> {
    let mut de = Deserializer::new(input);
    let value = T::deserialize(&mut de).map_err(|e| e.located(de.pos))?;
    de.end()?;
    Ok(value)
}

/// Decodes one value from the start of `input` and returns it with the
/// bytes after it, for BARE values laid end to end.
///
/// ```
/// let (first, rest) = barewire::from_prefix::<u8>(&[1, 2, 3]).unwrap();
/// assert_eq!((first, rest), (1, &[2, 3][..]));
/// ```
pub fn from_prefix<'de, T: Deserialize<'de>>(
    input: &'de [u8],
) -> Result<(T, &'de [u8]), DecodeError> {
    let mut de = Deserializer::new(input);
    let value = T::deserialize(&mut de).map_err(|e| e.located(de.pos))?;
    Ok((value, de.rest()))
}

/// How deeply values may nest (options, lists, maps, structs, tuples,
/// unions): deeper input is rejected with [`DecodeError::TooDeep`] rather than
/// exhausting the stack.
pub const MAX_DEPTH: usize = 128;

/// The BARE decoder: a `serde::Deserializer` over a byte slice.
#[derive(Debug)]
pub struct Deserializer<'de> {
    input: &'de [u8],
    pos: usize,
    depth: usize,
}

impl<'de> Deserializer<'de> {
    /// A decoder at the start of `input`.
    pub fn new(input: &'de [u8]) -> Self {
        Self {
            input,
            pos: 0,
            depth: 0,
        }
    }

    /// Runs `visit` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    #[inline]
    fn nested<T>(
        &mut self,
        visit: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<T, DecodeError> {
        if self.depth >= MAX_DEPTH {
            return Err(DecodeError::TooDeep {
                offset: self.pos,
                limit: MAX_DEPTH,
            });
        }
        self.depth += 1;
        let result = visit(self);
        self.depth -= 1;
        result
    }

    /// How many bytes have been decoded.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The bytes not decoded yet.
    pub fn rest(&self) -> &'de [u8] {
        self.input.get(self.pos..).unwrap_or_default()
    }

    /// Fails with [`DecodeError::TrailingBytes`] unless every byte was decoded.
    pub fn end(&self) -> Result<(), DecodeError> {
        let count = self.input.len() - self.pos;
        if count == 0 {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                offset: self.pos,
                count,
            })
        }
    }

    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    #[inline]
    fn take(&mut self, len: usize) -> Result<&'de [u8], DecodeError> {
        let end = self.pos.saturating_add(len);
        match self.input.get(self.pos..end) {
            Some(bytes) => {
                self.pos = end;
                Ok(bytes)
            }
            None => Err(DecodeError::UnexpectedEnd {
                offset: self.pos,
                needed: len,
                available: self.remaining(),
            }),
        }
    }

    #[inline]
    pub(crate) fn take_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut array = [0u8; N];
        array.copy_from_slice(bytes);
        Ok(array)
    }

    #[inline]
    pub(crate) fn read_u8(&mut self) -> Result<u8, DecodeError> {
        match self.input.get(self.pos) {
            Some(&byte) => {
                self.pos += 1;
                Ok(byte)
            }
            None => Err(DecodeError::UnexpectedEnd {
                offset: self.pos,
                needed: 1,
                available: 0,
            }),
        }
    }

    #[inline]
    pub(crate) fn read_uint(&mut self) -> Result<u64, DecodeError> {
        let (value, next) = varint::read_uint(self.input, self.pos)?;
        self.pos = next;
        Ok(value)
    }

    /// Reads a length prefix and checks it against the bytes that remain.
    #[inline]
    fn read_len(&mut self) -> Result<usize, DecodeError> {
        let offset = self.pos;
        let len = self.read_uint()?;
        let remaining = self.remaining();
        match usize::try_from(len) {
            Ok(len) if len <= remaining => Ok(len),
            _ => Err(DecodeError::LengthTooLarge {
                offset,
                len,
                remaining,
            }),
        }
    }

    #[inline]
    pub(crate) fn read_data(&mut self) -> Result<&'de [u8], DecodeError> {
        let len = self.read_len()?;
        self.take(len)
    }

    #[inline]
    pub(crate) fn read_str(&mut self) -> Result<&'de str, DecodeError> {
        let bytes = self.read_data()?;
        std::str::from_utf8(bytes).map_err(|e| DecodeError::InvalidUtf8 {
            offset: self.pos - bytes.len() + e.valid_up_to(),
        })
    }

    fn unsupported(&self, what: &'static str) -> DecodeError {
        DecodeError::Unsupported {
            offset: self.pos,
            what,
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = DecodeError;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DecodeError> {
        Err(self.unsupported(
            "self-describing decoding (deserialize_any): BARE carries no type information",
        ))
    }

    #[inline]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let offset = self.pos;
        match self.read_u8()? {
            0 => visitor.visit_bool(false),
            1 => visitor.visit_bool(true),
            byte => Err(DecodeError::InvalidBool { offset, byte }),
        }
    }

    #[inline]
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_i8(i8::from_le_bytes(self.take_array()?))
    }

    #[inline]
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_i16(i16::from_le_bytes(self.take_array()?))
    }

    #[inline]
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_i32(i32::from_le_bytes(self.take_array()?))
    }

    #[inline]
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_i64(i64::from_le_bytes(self.take_array()?))
    }

    fn deserialize_i128<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DecodeError> {
        Err(self.unsupported("i128 has no BARE type"))
    }

    #[inline]
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_u8(self.read_u8()?)
    }

    #[inline]
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_u16(u16::from_le_bytes(self.take_array()?))
    }

    #[inline]
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_u32(u32::from_le_bytes(self.take_array()?))
    }

    #[inline]
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_u64(u64::from_le_bytes(self.take_array()?))
    }

    fn deserialize_u128<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DecodeError> {
        Err(self.unsupported("u128 has no BARE type"))
    }

    #[inline]
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_f32(f32::from_le_bytes(self.take_array()?))
    }

    #[inline]
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_f64(f64::from_le_bytes(self.take_array()?))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let offset = self.pos;
        let value = u32::from_le_bytes(self.take_array()?);
        match char::from_u32(value) {
            Some(c) => visitor.visit_char(c),
            None => Err(DecodeError::InvalidChar { offset, value }),
        }
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_borrowed_str(self.read_str()?)
    }

    #[inline]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_borrowed_str(self.read_str()?)
    }

    #[inline]
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_borrowed_bytes(self.read_data()?)
    }

    #[inline]
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_borrowed_bytes(self.read_data()?)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let offset = self.pos;
        match self.read_u8()? {
            0 => visitor.visit_none(),
            1 => self.nested(|de| visitor.visit_some(de)),
            byte => Err(DecodeError::InvalidOptionalTag { offset, byte }),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_unit()
    }

    #[inline]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match name {
            UINT_TOKEN => visitor.visit_u64(self.read_uint()?),
            INT_TOKEN => {
                let (value, next) = varint::read_int(self.input, self.pos)?;
                self.pos = next;
                visitor.visit_i64(value)
            }
            _ => self.nested(|de| visitor.visit_newtype_struct(de)),
        }
    }

    #[inline]
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.nested(|de| {
            let len = de.read_len()?;
            visitor.visit_seq(SeqAccess::new(de, len))
        })
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.nested(|de| visitor.visit_seq(SeqAccess::new(de, len)))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.nested(|de| visitor.visit_seq(SeqAccess::new(de, len)))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.nested(|de| {
            let len = de.read_len()?;
            visitor.visit_map(MapAccess::new(de, len))
        })
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.nested(|de| visitor.visit_seq(SeqAccess::new(de, fields.len())))
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.nested(|de| {
            let offset = de.pos;
            let tag = de.read_uint()?;
            visitor.visit_enum(EnumAccess::new(de, name, tag, offset))
        })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DecodeError> {
        Err(self.unsupported("identifiers: BARE structs are decoded by field order"))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        _visitor: V,
    ) -> Result<V::Value, DecodeError> {
        Err(self.unsupported("skipping a value: BARE carries no type information"))
    }
}

/// Decodes one element with `seed`, for the access types.
fn element<'de, T: DeserializeSeed<'de>>(
    de: &mut Deserializer<'de>,
    seed: T,
) -> Result<T::Value, DecodeError> {
    seed.deserialize(de)
}
