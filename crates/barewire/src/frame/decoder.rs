//! An incremental frame decoder over plain byte slices, for any transport.

use super::{DEFAULT_MAX_FRAME_LEN, FRAME_HEADER_LEN, header_len};
use crate::error::FrameError;

/// Splits a byte stream into frames, whatever pieces it arrives in: push
/// each read with [`push`](Self::push), then take frames with
/// [`next_frame`](Self::next_frame) until it returns `None`.
///
/// A header announcing more than the maximum frame length is an error as
/// soon as the header arrives; nothing is reserved for a frame before its
/// bytes arrive. After an error the stream cannot be resynchronised: every
/// later call returns an error, and the connection should be closed.
///
/// ```
/// use barewire::FrameError;
/// use barewire::frame::FrameDecoder;
///
/// let mut decoder = FrameDecoder::with_max_frame_len(1024);
/// decoder.push(&[0xff, 0xff, 0xff, 0xff, 0]); // claims 4 GiB
/// match decoder.next_frame() {
///     Err(FrameError::TooLarge { offset: 0, len: 4_294_967_295, max: 1024 }) => {}
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
    /// Where the next frame starts in `buffer`.
    start: usize,
    /// The stream offset of `buffer[0]`.
    stream_offset: u64,
    max_frame_len: usize,
    /// The header offset and announced length of a rejected frame.
    failed: Option<(u64, u64)>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder accepting frames up to [`DEFAULT_MAX_FRAME_LEN`].
    pub fn new() -> Self {
        Self::with_max_frame_len(DEFAULT_MAX_FRAME_LEN)
    }

    /// A decoder accepting frames of at most `max_frame_len` bytes (header
    /// not counted).
    pub fn with_max_frame_len(max_frame_len: usize) -> Self {
        Self {
            buffer: Vec::new(),
            start: 0,
            stream_offset: 0,
            max_frame_len,
            failed: None,
        }
    }

    /// The largest frame this decoder accepts.
    pub fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// Changes the largest frame accepted from the next frame header on
    /// (a protocol that starts with small frames, a handshake say, raises
    /// it once the peer is known).
    ///
    /// ```
    /// use barewire::frame::FrameDecoder;
    ///
    /// let mut decoder = FrameDecoder::with_max_frame_len(16);
    /// decoder.set_max_frame_len(1024);
    /// assert_eq!(decoder.max_frame_len(), 1024);
    /// ```
    pub fn set_max_frame_len(&mut self, max_frame_len: usize) {
        self.max_frame_len = max_frame_len;
    }

    /// How many received bytes are not yet returned as frames.
    pub fn buffered_len(&self) -> usize {
        self.buffer.len() - self.start
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.stream_offset += self.start as u64;
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete frame's body, or `None` until more bytes arrive.
    pub fn next_frame(&mut self) -> Result<Option<&[u8]>, FrameError> {
        if let Some((offset, len)) = self.failed {
            return Err(self.too_large(offset, len));
        }
        let pending = self.buffer.get(self.start..).unwrap_or_default();
        let Some(header) = pending.first_chunk::<FRAME_HEADER_LEN>() else {
            return Ok(None);
        };
        let len = header_len(*header);
        let offset = self.stream_offset + self.start as u64;
        if len > self.max_frame_len as u64 {
            self.failed = Some((offset, len));
            return Err(self.too_large(offset, len));
        }
        // `len` fits usize (it is at most the limit); the sum may not on 32-bit.
        let Some(end) = FRAME_HEADER_LEN.checked_add(len as usize) else {
            self.failed = Some((offset, len));
            return Err(self.too_large(offset, len));
        };
        if pending.len() < end {
            return Ok(None);
        }
        let body_start = self.start + FRAME_HEADER_LEN;
        self.start += end;
        Ok(self.buffer.get(body_start..self.start))
    }

    /// Checks that the stream ended between frames: call it at end of
    /// stream, after taking every frame.
    pub fn finish(&self) -> Result<(), FrameError> {
        if let Some((offset, len)) = self.failed {
            return Err(self.too_large(offset, len));
        }
        let available = self.buffered_len();
        if available == 0 {
            return Ok(());
        }
        let pending = self.buffer.get(self.start..).unwrap_or_default();
        let needed = match pending.first_chunk::<FRAME_HEADER_LEN>() {
            Some(header) => FRAME_HEADER_LEN as u64 + header_len(*header),
            None => FRAME_HEADER_LEN as u64,
        };
        Err(FrameError::Truncated {
            offset: self.stream_offset + self.start as u64,
            needed,
            available,
        })
    }

    fn too_large(&self, offset: u64, len: u64) -> FrameError {
        FrameError::TooLarge {
            offset,
            len,
            max: self.max_frame_len,
        }
    }
}
