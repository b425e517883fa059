//! Length-prefixed framing: each frame is a 4-byte **little-endian** `u32`
//! length (little-endian like every fixed-width integer in BARE), then that
//! many bytes, usually one encoded [`Envelope`].
//!
//! [`encode_frame`] and [`encode_envelope_frame`] write frames into a
//! caller-supplied buffer; [`FrameDecoder`] splits a byte stream that arrives
//! in arbitrary pieces back into frames, with no runtime (it is what a wasm32
//! transport uses). With the `tokio-codec` feature, `FrameCodec` is the same
//! for `tokio_util::codec::Framed`.
//!
//! ```
//! use barewire::frame::{FrameDecoder, encode_frame};
//!
//! let mut stream = Vec::new();
//! encode_frame(b"hello", &mut stream).unwrap();
//! encode_frame(b"", &mut stream).unwrap();
//! assert_eq!(stream[..4], [5, 0, 0, 0]);
//!
//! let mut decoder = FrameDecoder::new();
//! decoder.push(&stream[..3]); // a partial read
//! assert_eq!(decoder.next_frame().unwrap(), None);
//! decoder.push(&stream[3..]);
//! assert_eq!(decoder.next_frame().unwrap(), Some(&b"hello"[..]));
//! assert_eq!(decoder.next_frame().unwrap(), Some(&b""[..]));
//! assert_eq!(decoder.next_frame().unwrap(), None);
//! decoder.finish().unwrap();
//! ```

mod decoder;
#[cfg(feature = "tokio-codec")]
mod tokio_codec;

pub use decoder::FrameDecoder;
#[cfg(feature = "tokio-codec")]
pub use tokio_codec::FrameCodec;

use crate::envelope::Envelope;
use crate::error::FrameError;

/// The length of a frame header.
pub const FRAME_HEADER_LEN: usize = 4;

/// The default largest frame a decoder accepts: 16 MiB.
pub const DEFAULT_MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// Appends one frame holding `payload` to `out`.
///
/// Fails if `payload` does not fit the 4-byte length prefix.
pub fn encode_frame(payload: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
    let len = frame_len(payload.len())?;
    out.reserve(FRAME_HEADER_LEN + payload.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// Appends one frame holding `envelope`'s encoding to `out`, encoding it in
/// place (no intermediate buffer).
///
/// ```
/// use barewire::{Envelope, Kind};
/// use barewire::frame::{FrameDecoder, encode_envelope_frame};
///
/// let envelope = Envelope::new(Kind::Tell, "a", "b", "Ping", &[]);
/// let mut stream = Vec::new();
/// encode_envelope_frame(&envelope, &mut stream).unwrap();
///
/// let mut decoder = FrameDecoder::new();
/// decoder.push(&stream);
/// let frame = decoder.next_frame().unwrap().unwrap();
/// assert_eq!(Envelope::decode(frame).unwrap(), envelope);
/// ```
pub fn encode_envelope_frame(envelope: &Envelope<'_>, out: &mut Vec<u8>) -> Result<(), FrameError> {
    let body = envelope.encoded_len();
    let len = frame_len(body)?;
    out.reserve(FRAME_HEADER_LEN + body);
    out.extend_from_slice(&len.to_le_bytes());
    envelope.encode_into(out);
    Ok(())
}

fn frame_len(len: usize) -> Result<u32, FrameError> {
    u32::try_from(len).map_err(|_| FrameError::PayloadTooLarge {
        len,
        max: u32::MAX as usize,
    })
}

/// Reads a frame header: the announced body length.
fn header_len(header: [u8; FRAME_HEADER_LEN]) -> u64 {
    u64::from(u32::from_le_bytes(header))
}
