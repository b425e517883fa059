//! The framing as a `tokio_util` codec, for native transports
//! (feature `tokio-codec`).

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::{DEFAULT_MAX_FRAME_LEN, FRAME_HEADER_LEN, frame_len, header_len};
use crate::envelope::Envelope;
use crate::error::FrameError;

/// A `tokio_util` codec for BAREWire frames: decodes frame bodies as
/// `BytesMut` (decode them with [`Envelope::decode`]) and encodes byte
/// slices, `Bytes` or envelopes (in place, without an intermediate buffer).
///
/// ```
/// use barewire::frame::FrameCodec;
/// use barewire::{Envelope, Kind};
/// use bytes::BytesMut;
/// use tokio_util::codec::{Decoder, Encoder};
///
/// let mut codec = FrameCodec::new();
/// let mut wire = BytesMut::new();
/// let envelope = Envelope::new(Kind::Tell, "a", "b", "Ping", &[]);
/// codec.encode(&envelope, &mut wire).unwrap();
/// let frame = codec.decode(&mut wire).unwrap().unwrap();
/// assert_eq!(Envelope::decode(&frame).unwrap(), envelope);
/// ```
#[derive(Debug, Clone)]
pub struct FrameCodec {
    max_frame_len: usize,
    /// Stream offset of the first byte not yet decoded, for errors.
    stream_offset: u64,
}

impl Default for FrameCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameCodec {
    /// A codec accepting frames up to [`DEFAULT_MAX_FRAME_LEN`].
    pub fn new() -> Self {
        Self::with_max_frame_len(DEFAULT_MAX_FRAME_LEN)
    }

    /// A codec accepting and sending frames of at most `max_frame_len` bytes.
    pub fn with_max_frame_len(max_frame_len: usize) -> Self {
        Self {
            max_frame_len,
            stream_offset: 0,
        }
    }

    /// The largest frame this codec accepts or sends.
    pub fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    fn check_outgoing(&self, len: usize) -> Result<u32, FrameError> {
        if len > self.max_frame_len {
            return Err(FrameError::PayloadTooLarge {
                len,
                max: self.max_frame_len,
            });
        }
        frame_len(len)
    }
}

impl Decoder for FrameCodec {
    type Item = BytesMut;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
        let Some(header) = src.first_chunk::<FRAME_HEADER_LEN>() else {
            return Ok(None);
        };
        let len = header_len(*header);
        if len > self.max_frame_len as u64 {
            return Err(FrameError::TooLarge {
                offset: self.stream_offset,
                len,
                max: self.max_frame_len,
            });
        }
        // `len` fits usize (it is at most the limit); the sum may not on 32-bit.
        let Some(end) = FRAME_HEADER_LEN.checked_add(len as usize) else {
            return Err(FrameError::TooLarge {
                offset: self.stream_offset,
                len,
                max: self.max_frame_len,
            });
        };
        if src.len() < end {
            return Ok(None);
        }
        src.advance(FRAME_HEADER_LEN);
        self.stream_offset += end as u64;
        Ok(Some(src.split_to(len as usize)))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        if src.is_empty() {
            return Ok(None);
        }
        let needed = match src.first_chunk::<FRAME_HEADER_LEN>() {
            Some(header) => FRAME_HEADER_LEN as u64 + header_len(*header),
            None => FRAME_HEADER_LEN as u64,
        };
        Err(FrameError::Truncated {
            offset: self.stream_offset,
            needed,
            available: src.len(),
        })
    }
}

impl Encoder<&[u8]> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, payload: &[u8], dst: &mut BytesMut) -> Result<(), FrameError> {
        let len = self.check_outgoing(payload.len())?;
        dst.reserve(FRAME_HEADER_LEN + payload.len());
        dst.put_u32_le(len);
        dst.extend_from_slice(payload);
        Ok(())
    }
}

impl Encoder<Bytes> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, payload: Bytes, dst: &mut BytesMut) -> Result<(), FrameError> {
        Encoder::<&[u8]>::encode(self, &payload, dst)
    }
}

impl Encoder<&Envelope<'_>> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, envelope: &Envelope<'_>, dst: &mut BytesMut) -> Result<(), FrameError> {
        let body = envelope.encoded_len();
        let len = self.check_outgoing(body)?;
        dst.reserve(FRAME_HEADER_LEN + body);
        dst.put_u32_le(len);
        envelope.write_to(dst);
        Ok(())
    }
}
