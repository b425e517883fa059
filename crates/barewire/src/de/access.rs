//! How the decoder hands lists, maps, fixed-shape values and enums to serde
//! visitors.

use std::collections::BTreeSet;

use serde::de::{self, DeserializeSeed, IntoDeserializer};

use super::{Deserializer, element};
use crate::error::DecodeError;

/// A counted run of elements: a length-prefixed `list` (the count read from
/// the input), or a value whose shape the type fixes (a struct, a tuple, an
/// array as BARE's fixed-length list, or a variant's fields).
pub(super) struct SeqAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    left: usize,
}

impl<'a, 'de> SeqAccess<'a, 'de> {
    pub(super) fn new(de: &'a mut Deserializer<'de>, len: usize) -> Self {
        Self { de, left: len }
    }
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de> {
    type Error = DecodeError;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        element(self.de, seed).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// The entries of a `map`. A strict decoder's keys are canonical, so two
/// equal keys have equal bytes: a repeated key is found by its bytes.
pub(super) struct MapAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    left: usize,
    seen: BTreeSet<&'de [u8]>,
}

impl<'a, 'de> MapAccess<'a, 'de> {
    pub(super) fn new(de: &'a mut Deserializer<'de>, len: usize) -> Self {
        Self {
            de,
            left: len,
            seen: BTreeSet::new(),
        }
    }
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, 'de> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let start = self.de.pos;
        let key = element(self.de, seed)?;
        let bytes = self.de.input.get(start..self.de.pos).unwrap_or_default();
        if !self.seen.insert(bytes) {
            return Err(DecodeError::DuplicateMapKey { offset: start });
        }
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        element(self.de, seed)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// An enum value or union tag already read, with the value that follows.
pub(super) struct EnumAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    name: &'static str,
    tag: u64,
    offset: usize,
}

impl<'a, 'de> EnumAccess<'a, 'de> {
    pub(super) fn new(
        de: &'a mut Deserializer<'de>,
        name: &'static str,
        tag: u64,
        offset: usize,
    ) -> Self {
        Self {
            de,
            name,
            tag,
            offset,
        }
    }
}

impl<'a, 'de> de::EnumAccess<'de> for EnumAccess<'a, 'de> {
    type Error = DecodeError;
    type Variant = &'a mut Deserializer<'de>;

    #[inline]
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DecodeError> {
        let tag: de::value::U64Deserializer<DecodeError> = self.tag.into_deserializer();
        match seed.deserialize(tag) {
            Ok(variant) => Ok((variant, self.de)),
            Err(_) => Err(DecodeError::UnknownVariant {
                type_name: self.name,
                value: self.tag,
                offset: self.offset,
            }),
        }
    }
}

impl<'de> de::VariantAccess<'de> for &mut Deserializer<'de> {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        Ok(())
    }

    #[inline]
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DecodeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: de::Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_seq(SeqAccess::new(self, len))
    }

    fn struct_variant<V: de::Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_seq(SeqAccess::new(self, fields.len()))
    }
}
