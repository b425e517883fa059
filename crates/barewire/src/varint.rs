//! BARE's variable-length integers: `uint` (LEB128, at most 10 bytes) and
//! `int` (zig-zag mapped onto `uint`), decoded strictly: only the shortest
//! encoding of a value that fits 64 bits is accepted.

use crate::error::DecodeError;

/// The most bytes a `uint` may take.
pub(crate) const MAX_VARINT_LEN: usize = 10;

/// Appends the canonical encoding of `value`.
#[inline]
pub(crate) fn write_uint(out: &mut Vec<u8>, value: u64) {
    if value < 0x80 {
        out.push(value as u8);
        return;
    }
    let (buf, len) = uint_bytes(value);
    out.extend_from_slice(buf.get(..len).unwrap_or_default());
}

/// The canonical encoding of `value` and its length.
#[inline]
pub(crate) fn uint_bytes(mut value: u64) -> ([u8; MAX_VARINT_LEN], usize) {
    let mut buf = [0u8; MAX_VARINT_LEN];
    let mut len = 0;
    while value >= 0x80 {
        buf[len] = (value as u8) | 0x80;
        value >>= 7;
        len += 1;
    }
    buf[len] = value as u8;
    (buf, len + 1)
}

/// Appends the canonical encoding of `value` as a BARE `int`.
#[inline]
pub(crate) fn write_int(out: &mut Vec<u8>, value: i64) {
    write_uint(out, zigzag(value));
}

/// How many bytes [`write_uint`] writes for `value`.
#[inline]
pub(crate) const fn uint_len(value: u64) -> usize {
    let bits = 64 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Maps a signed value onto an unsigned one so that small magnitudes stay small.
#[inline]
pub(crate) const fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// The inverse of [`zigzag`].
#[inline]
pub(crate) const fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// Reads a `uint` starting at `input[pos]`; returns it and the position after it.
#[inline]
pub(crate) fn read_uint(input: &[u8], pos: usize) -> Result<(u64, usize), DecodeError> {
    match input.get(pos) {
        Some(&byte) if byte < 0x80 => Ok((u64::from(byte), pos + 1)),
        _ => read_uint_slow(input, pos),
    }
}

#[cold]
fn read_uint_slow(input: &[u8], pos: usize) -> Result<(u64, usize), DecodeError> {
    let mut value = 0u64;
    for index in 0..MAX_VARINT_LEN {
        let Some(&byte) = input.get(pos + index) else {
            return Err(DecodeError::UnexpectedEnd {
                offset: pos,
                needed: index + 1,
                available: input.len().saturating_sub(pos),
            });
        };
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte < 0x80 {
            if index == MAX_VARINT_LEN - 1 && byte > 1 {
                return Err(DecodeError::VarintOverflow { offset: pos });
            }
            if index > 0 && byte == 0 {
                return Err(DecodeError::NonCanonicalVarint { offset: pos });
            }
            return Ok((value, pos + index + 1));
        }
    }
    Err(DecodeError::VarintOverflow { offset: pos })
}

/// Reads an `int` starting at `input[pos]`; returns it and the position after it.
#[inline]
pub(crate) fn read_int(input: &[u8], pos: usize) -> Result<(i64, usize), DecodeError> {
    let (raw, next) = read_uint(input, pos)?;
    Ok((unzigzag(raw), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_uint(&mut out, value);
        out
    }

    #[test]
    fn lengths_match_what_is_written() {
        for shift in 0..64 {
            for value in [1u64 << shift, (1u64 << shift) - 1, (1u64 << shift) + 1] {
                assert_eq!(encoded(value).len(), uint_len(value), "value {value}");
                assert_eq!(read_uint(&encoded(value), 0), Ok((value, uint_len(value))));
            }
        }
        assert_eq!(encoded(u64::MAX).len(), 10);
    }

    #[test]
    fn zigzag_round_trips_extremes() {
        for value in [0, 1, -1, 63, -64, 64, -65, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(value)), value);
        }
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
    }

    #[test]
    fn rejects_overlong_and_overflowing() {
        assert_eq!(
            read_uint(&[0x80, 0x00], 0),
            Err(DecodeError::NonCanonicalVarint { offset: 0 })
        );
        assert_eq!(
            read_uint(&[7, 0xff, 0x80, 0x00], 1),
            Err(DecodeError::NonCanonicalVarint { offset: 1 })
        );
        let mut eleven = vec![0xff; 10];
        eleven.push(0x01);
        assert_eq!(
            read_uint(&eleven, 0),
            Err(DecodeError::VarintOverflow { offset: 0 })
        );
        let mut tenth_too_big = vec![0xff; 9];
        tenth_too_big.push(0x02);
        assert_eq!(
            read_uint(&tenth_too_big, 0),
            Err(DecodeError::VarintOverflow { offset: 0 })
        );
        assert_eq!(
            read_uint(&[0xff, 0xff], 0),
            Err(DecodeError::UnexpectedEnd {
                offset: 0,
                needed: 3,
                available: 2
            })
        );
    }
}
