//! Encoding any `serde::Serialize` value as BARE.
//!
//! The mapping from serde's data model to BARE is the crate-level table; the
//! encoder writes straight into a caller-supplied `Vec<u8>`.

mod compound;

use serde::ser::{self, Serialize};

use crate::error::EncodeError;
use crate::integer::{INT_TOKEN, UINT_TOKEN};
use crate::varint;

pub use compound::{FixedEncoder, SeqEncoder};

/// Encodes `value` into a new vector.
///
/// ```
/// let bytes = barewire::to_vec(&("BARE", 7u16)).unwrap();
/// assert_eq!(bytes, [4, b'B', b'A', b'R', b'E', 7, 0]);
/// ```
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_into(value, &mut out)?;
    Ok(out)
}

/// Appends the encoding of `value` to `out`, so a runtime can reuse its
/// buffers. On error `out` is left as it was.
///
/// ```
/// let mut buffer = Vec::with_capacity(64);
/// barewire::encode_into(&true, &mut buffer).unwrap();
/// barewire::encode_into(&barewire::Uint(300), &mut buffer).unwrap();
/// assert_eq!(buffer, [1, 0xac, 0x02]);
/// ```
pub fn encode_into<T: ?Sized + Serialize>(value: &T, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let result = value.serialize(&mut Serializer::new(out));
    if let Err(error) = result {
        let at = out.len() - start;
        out.truncate(start);
        return Err(error.located(at));
    }
    Ok(())
}

/// Encodes `value` and writes the bytes to `writer` in one `write_all`.
///
/// ```
/// let mut sink = Vec::new();
/// barewire::to_writer(&mut sink, &Some(5u8)).unwrap();
/// assert_eq!(sink, [1, 5]);
/// ```
pub fn to_writer<W: std::io::Write, T: ?Sized + Serialize>(
    mut writer: W,
    value: &T,
) -> Result<(), EncodeError> {
    let bytes = to_vec(value)?;
    writer.write_all(&bytes)?;
    Ok(())
}

/// The BARE encoder: a `serde::Serializer` that appends to a `Vec<u8>`.
#[derive(Debug)]
pub struct Serializer<'o> {
    out: &'o mut Vec<u8>,
    base: usize,
}

impl<'o> Serializer<'o> {
    /// An encoder appending to `out`; offsets in errors count from the
    /// current end of `out`.
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        let base = out.len();
        Self { out, base }
    }

    fn offset(&self) -> usize {
        self.out.len() - self.base
    }

    fn unsupported(&self, what: &'static str) -> EncodeError {
        EncodeError::Unsupported {
            offset: self.offset(),
            what,
        }
    }

    /// Re-encodes the 8 bytes a `u64`/`i64` just wrote at `start` as a varint.
    fn rewrite_as_varint(&mut self, start: usize, signed: bool) -> Result<(), EncodeError> {
        let raw: [u8; 8] = self
            .out
            .get(start..)
            .and_then(|tail| tail.try_into().ok())
            .ok_or(EncodeError::Unsupported {
                offset: start - self.base,
                what: "Uint and Int wrap exactly one 64-bit integer",
            })?;
        self.out.truncate(start);
        if signed {
            varint::write_int(self.out, i64::from_le_bytes(raw));
        } else {
            varint::write_uint(self.out, u64::from_le_bytes(raw));
        }
        Ok(())
    }
}

impl<'a, 'o> ser::Serializer for &'a mut Serializer<'o> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = SeqEncoder<'a, 'o>;
    type SerializeTuple = FixedEncoder<'a, 'o>;
    type SerializeTupleStruct = FixedEncoder<'a, 'o>;
    type SerializeTupleVariant = FixedEncoder<'a, 'o>;
    type SerializeMap = SeqEncoder<'a, 'o>;
    type SerializeStruct = FixedEncoder<'a, 'o>;
    type SerializeStructVariant = FixedEncoder<'a, 'o>;

    fn is_human_readable(&self) -> bool {
        false
    }

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<(), EncodeError> {
        self.out.push(u8::from(v));
        Ok(())
    }

    #[inline]
    fn serialize_i8(self, v: i8) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_i16(self, v: i16) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_i32(self, v: i32) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_i64(self, v: i64) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn serialize_i128(self, _v: i128) -> Result<(), EncodeError> {
        Err(self.unsupported("i128 has no BARE type"))
    }

    #[inline]
    fn serialize_u8(self, v: u8) -> Result<(), EncodeError> {
        self.out.push(v);
        Ok(())
    }

    #[inline]
    fn serialize_u16(self, v: u16) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_u32(self, v: u32) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_u64(self, v: u64) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn serialize_u128(self, _v: u128) -> Result<(), EncodeError> {
        Err(self.unsupported("u128 has no BARE type"))
    }

    #[inline]
    fn serialize_f32(self, v: f32) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_f64(self, v: f64) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), EncodeError> {
        self.serialize_u32(u32::from(v))
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<(), EncodeError> {
        self.serialize_bytes(v.as_bytes())
    }

    #[inline]
    fn serialize_bytes(self, v: &[u8]) -> Result<(), EncodeError> {
        varint::write_uint(self.out, v.len() as u64);
        self.out.extend_from_slice(v);
        Ok(())
    }

    #[inline]
    fn serialize_none(self) -> Result<(), EncodeError> {
        self.out.push(0);
        Ok(())
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), EncodeError> {
        self.out.push(1);
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), EncodeError> {
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline]
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
    ) -> Result<(), EncodeError> {
        varint::write_uint(self.out, u64::from(variant_index));
        Ok(())
    }

    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        let signed = match name {
            UINT_TOKEN => false,
            INT_TOKEN => true,
            _ => return value.serialize(self),
        };
        let start = self.out.len();
        value.serialize(&mut *self)?;
        self.rewrite_as_varint(start, signed)
    }

    #[inline]
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        varint::write_uint(self.out, u64::from(variant_index));
        value.serialize(self)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqEncoder<'a, 'o>, EncodeError> {
        Ok(SeqEncoder::new(self, len))
    }

    fn serialize_tuple(self, _len: usize) -> Result<FixedEncoder<'a, 'o>, EncodeError> {
        Ok(FixedEncoder::new(self))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<FixedEncoder<'a, 'o>, EncodeError> {
        Ok(FixedEncoder::new(self))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<FixedEncoder<'a, 'o>, EncodeError> {
        varint::write_uint(self.out, u64::from(variant_index));
        Ok(FixedEncoder::new(self))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<SeqEncoder<'a, 'o>, EncodeError> {
        Ok(SeqEncoder::new(self, len))
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<FixedEncoder<'a, 'o>, EncodeError> {
        Ok(FixedEncoder::new(self))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<FixedEncoder<'a, 'o>, EncodeError> {
        varint::write_uint(self.out, u64::from(variant_index));
        Ok(FixedEncoder::new(self))
    }
}
