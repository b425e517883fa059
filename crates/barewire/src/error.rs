//! The errors of encoding, decoding and framing: each says what was wrong and
//! at which byte offset.
//!
//! Offsets of [`DecodeError`] count from the start of the input given to the
//! decoder; offsets of [`EncodeError`] count from where the value started in
//! the output buffer; offsets of [`FrameError`] count from the start of the
//! byte stream.

use std::fmt;

/// Why a BARE message or envelope could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended inside a value.
    #[error("unexpected end of input at byte {offset}: needed {needed} bytes, {available} left")]
    UnexpectedEnd {
        /// Where the value that did not fit starts.
        offset: usize,
        /// How many bytes the value needs.
        needed: usize,
        /// How many bytes were left.
        available: usize,
    },
    /// A `uint` (or `int`) used more bytes than its value needs, such as `80 00`.
    #[error("non-canonical varint at byte {offset}: encoded in more bytes than its value needs")]
    NonCanonicalVarint {
        /// Where the varint starts.
        offset: usize,
    },
    /// A `uint` (or `int`) does not fit 64 bits: more than 10 bytes, or a 10th
    /// byte above 1.
    #[error("varint at byte {offset} overflows 64 bits")]
    VarintOverflow {
        /// Where the varint starts.
        offset: usize,
    },
    /// A `bool` byte other than 0 or 1.
    #[error("invalid bool at byte {offset}: {byte:#04x} is neither 0 nor 1")]
    InvalidBool {
        /// Where the byte is.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// An `optional` tag byte other than 0 or 1.
    #[error("invalid optional tag at byte {offset}: {byte:#04x} is neither 0 nor 1")]
    InvalidOptionalTag {
        /// Where the byte is.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// A `str` whose bytes are not UTF-8.
    #[error("invalid UTF-8 in str at byte {offset}")]
    InvalidUtf8 {
        /// The first byte that is not part of valid UTF-8.
        offset: usize,
    },
    /// A `u32` used as a Rust `char` that is not a Unicode scalar value.
    #[error("invalid char at byte {offset}: {value:#x} is not a unicode scalar value")]
    InvalidChar {
        /// Where the `u32` starts.
        offset: usize,
        /// The value found.
        value: u32,
    },
    /// A length prefix (of `str`, `data`, `list` or `map`) larger than the
    /// bytes that remain: nothing is allocated for it.
    #[error("length {len} at byte {offset} exceeds the {remaining} bytes that remain")]
    LengthTooLarge {
        /// Where the length prefix starts.
        offset: usize,
        /// The length claimed.
        len: u64,
        /// How many bytes remain after the prefix.
        remaining: usize,
    },
    /// An enum value or union tag that the type does not declare.
    #[error("unknown {type_name} value {value} at byte {offset}")]
    UnknownVariant {
        /// The Rust type (or envelope field) being decoded.
        type_name: &'static str,
        /// The value or tag found.
        value: u64,
        /// Where the value starts.
        offset: usize,
    },
    /// A map key that appeared before in the same map.
    #[error("duplicate map key at byte {offset}")]
    DuplicateMapKey {
        /// Where the repeated key starts.
        offset: usize,
    },
    /// The value ended before the input did.
    #[error("{count} trailing bytes at byte {offset} after the value")]
    TrailingBytes {
        /// Where the unread bytes start.
        offset: usize,
        /// How many bytes were not read.
        count: usize,
    },
    /// The Rust type asks for something BARE cannot express (for example
    /// `deserialize_any`, as BARE is not self-describing, or `i128`).
    #[error("unsupported type at byte {offset}: {what}")]
    Unsupported {
        /// Where decoding stood.
        offset: usize,
        /// What was asked for.
        what: &'static str,
    },
    /// Values nested deeper than the decoder allows (a guard against stack
    /// exhaustion by recursive types).
    #[error("values nested deeper than {limit} levels at byte {offset}")]
    TooDeep {
        /// Where the value that went one level too deep starts.
        offset: usize,
        /// The nesting limit.
        limit: usize,
    },
    /// An envelope with a protocol version this crate does not speak.
    #[error("unsupported envelope version {version} at byte {offset}")]
    UnsupportedVersion {
        /// Where the version byte is.
        offset: usize,
        /// The version found.
        version: u8,
    },
    /// The Rust type rejected a well-formed value (for example a missing
    /// field or a failed validation in a `Deserialize` impl).
    #[error("invalid value at byte {offset}: {message}")]
    Invalid {
        /// Where decoding stood when the type rejected the value.
        offset: usize,
        /// The type's own explanation.
        message: String,
    },
}

/// Offset placeholder for errors raised through serde before the decoder
/// knows where it stands; the decoder fills it in.
pub(crate) const UNKNOWN_OFFSET: usize = usize::MAX;

impl DecodeError {
    /// The byte offset the error points at.
    pub fn offset(&self) -> usize {
        match self {
            Self::UnexpectedEnd { offset, .. }
            | Self::NonCanonicalVarint { offset }
            | Self::VarintOverflow { offset }
            | Self::InvalidBool { offset, .. }
            | Self::InvalidOptionalTag { offset, .. }
            | Self::InvalidUtf8 { offset }
            | Self::InvalidChar { offset, .. }
            | Self::LengthTooLarge { offset, .. }
            | Self::UnknownVariant { offset, .. }
            | Self::DuplicateMapKey { offset }
            | Self::TrailingBytes { offset, .. }
            | Self::Unsupported { offset, .. }
            | Self::TooDeep { offset, .. }
            | Self::UnsupportedVersion { offset, .. }
            | Self::Invalid { offset, .. } => *offset,
        }
    }

    /// Fills in the offset of an error raised through serde, and leaves a
    /// known offset alone.
    pub(crate) fn located(mut self, at: usize) -> Self {
        if let Self::Invalid { offset, .. } = &mut self
            && *offset == UNKNOWN_OFFSET
        {
            *offset = at;
        }
        self
    }
}

impl serde::de::Error for DecodeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::Invalid {
            offset: UNKNOWN_OFFSET,
            message: message.to_string(),
        }
    }
}

/// Why a value could not be encoded as BARE.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The Rust type has no BARE form (for example `i128`, or a map key of a
    /// type BARE does not allow as a key).
    #[error("unsupported type at byte {offset}: {what}")]
    Unsupported {
        /// Where the value would have started.
        offset: usize,
        /// What was asked for.
        what: &'static str,
    },
    /// A sequence or map declared one length and yielded another.
    #[error("length mismatch at byte {offset}: declared {declared} elements, got {actual}")]
    LengthMismatch {
        /// Where the sequence starts.
        offset: usize,
        /// The length the `Serialize` impl declared.
        declared: usize,
        /// The elements it produced.
        actual: usize,
    },
    /// The `Serialize` impl reported an error of its own.
    #[error("cannot encode value at byte {offset}: {message}")]
    Invalid {
        /// Where encoding stood.
        offset: usize,
        /// The impl's own explanation.
        message: String,
    },
    /// Writing the encoded bytes to a writer failed.
    #[error("cannot write encoded bytes: {0}")]
    Io(#[from] std::io::Error),
}

impl EncodeError {
    /// Fills in the offset of an error raised through serde.
    pub(crate) fn located(mut self, at: usize) -> Self {
        if let Self::Invalid { offset, .. } = &mut self
            && *offset == UNKNOWN_OFFSET
        {
            *offset = at;
        }
        self
    }
}

impl serde::ser::Error for EncodeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::Invalid {
            offset: UNKNOWN_OFFSET,
            message: message.to_string(),
        }
    }
}

/// Why a byte stream could not be split into frames, or a frame not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A frame header announces more bytes than the decoder accepts. The
    /// stream cannot be resynchronised after this: close the connection.
    #[error("frame of {len} bytes at stream offset {offset} exceeds the maximum of {max}")]
    TooLarge {
        /// Where the frame header starts in the stream.
        offset: u64,
        /// The length the header announces.
        len: u64,
        /// The configured maximum frame length.
        max: usize,
    },
    /// The stream ended inside a frame.
    #[error(
        "stream ended inside a frame at stream offset {offset}: {available} of {needed} bytes arrived"
    )]
    Truncated {
        /// Where the unfinished frame (header included) starts.
        offset: u64,
        /// How many bytes the frame needs, header included (4 while the
        /// header itself is incomplete).
        needed: u64,
        /// How many bytes of it arrived.
        available: usize,
    },
    /// A payload to send is larger than the maximum frame length (or than
    /// the 4-byte length prefix can express).
    #[error("payload of {len} bytes exceeds the maximum frame length of {max}")]
    PayloadTooLarge {
        /// The payload's length.
        len: usize,
        /// The limit it exceeds.
        max: usize,
    },
    /// The transport failed.
    #[error("transport error: {0}")]
    Io(#[from] std::io::Error),
}
