//! The encoders of compound values: length-prefixed lists and maps, and
//! fixed-shape tuples, arrays and structs.

use serde::ser::{self, Serialize};

use super::Serializer;
use crate::error::EncodeError;
use crate::varint;

/// Encodes a `list` or `map`: a `uint` count, then the elements. When the
/// count is not known up front it is inserted once the elements are written.
#[derive(Debug)]
pub struct SeqEncoder<'a, 'o> {
    ser: &'a mut Serializer<'o>,
    declared: Option<usize>,
    count: usize,
    start: usize,
}

impl<'a, 'o> SeqEncoder<'a, 'o> {
    pub(super) fn new(ser: &'a mut Serializer<'o>, declared: Option<usize>) -> Self {
        let start = ser.out.len();
        if let Some(len) = declared {
            varint::write_uint(ser.out, len as u64);
        }
        Self {
            ser,
            declared,
            count: 0,
            start,
        }
    }

    fn finish(self) -> Result<(), EncodeError> {
        match self.declared {
            Some(declared) if declared != self.count => Err(EncodeError::LengthMismatch {
                offset: self.start - self.ser.base,
                declared,
                actual: self.count,
            }),
            Some(_) => Ok(()),
            None => {
                let mut prefix = Vec::with_capacity(varint::MAX_VARINT_LEN);
                varint::write_uint(&mut prefix, self.count as u64);
                self.ser.out.splice(self.start..self.start, prefix);
                Ok(())
            }
        }
    }
}

impl ser::SerializeSeq for SeqEncoder<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.count += 1;
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<(), EncodeError> {
        self.finish()
    }
}

impl ser::SerializeMap for SeqEncoder<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), EncodeError> {
        self.count += 1;
        key.serialize(&mut *self.ser)
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), EncodeError> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<(), EncodeError> {
        self.finish()
    }
}

/// Encodes a value of fixed shape — a struct, a tuple, an array (`[T; N]`,
/// BARE's fixed-length list) or a variant's fields — as its elements in
/// order, with no prefix.
#[derive(Debug)]
pub struct FixedEncoder<'a, 'o> {
    ser: &'a mut Serializer<'o>,
}

impl<'a, 'o> FixedEncoder<'a, 'o> {
    pub(super) fn new(ser: &'a mut Serializer<'o>) -> Self {
        Self { ser }
    }
}

impl ser::SerializeTuple for FixedEncoder<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), EncodeError> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for FixedEncoder<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), EncodeError> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for FixedEncoder<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), EncodeError> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl ser::SerializeStruct for FixedEncoder<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(&mut *self.ser)
    }

    fn skip_field(&mut self, _key: &'static str) -> Result<(), EncodeError> {
        Err(self.ser.unsupported(
            "a skipped struct field (BARE structs have no optional fields; use Option)",
        ))
    }

    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for FixedEncoder<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(&mut *self.ser)
    }

    fn skip_field(&mut self, _key: &'static str) -> Result<(), EncodeError> {
        Err(self.ser.unsupported(
            "a skipped struct field (BARE structs have no optional fields; use Option)",
        ))
    }

    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}
