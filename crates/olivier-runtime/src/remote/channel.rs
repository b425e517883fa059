//! BAREWire frames over a TCP stream: [`TcpChannel`], alloy-actors'
//! [`Channel`] for Olivier, and the frame reader the connection tasks share.

use std::future::Future;
use std::net::SocketAddr;

use alloy_actors::{Channel, MaybeSend};
use barewire::frame::{FrameDecoder, encode_frame};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ConnectionError;
use super::stream::{ReadHalf, Stream, WriteHalf};

/// How many bytes one socket read asks for.
const READ_CHUNK: usize = 64 * 1024;

/// Splits what a reader yields into frames.
#[derive(Debug)]
pub(crate) struct FrameReader<R> {
    read: R,
    decoder: FrameDecoder,
    chunk: Vec<u8>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub(crate) fn new(read: R, max_frame_len: usize) -> Self {
        Self::resume(read, FrameDecoder::with_max_frame_len(max_frame_len))
    }

    /// Continues with a decoder that may already hold bytes.
    fn resume(read: R, decoder: FrameDecoder) -> Self {
        Self {
            read,
            decoder,
            chunk: vec![0; READ_CHUNK],
        }
    }

    /// The next complete frame already received, if any.
    pub(crate) fn next_frame(&mut self) -> Result<Option<&[u8]>, ConnectionError> {
        self.decoder.next_frame().map_err(ConnectionError::from)
    }

    /// Reads more bytes; `false` once the stream ended between frames.
    ///
    /// # Errors
    ///
    /// A socket error, or [`ConnectionError::Truncated`] when the stream
    /// ended inside a frame.
    pub(crate) async fn fill(&mut self) -> Result<bool, ConnectionError> {
        let read = self
            .read
            .read(&mut self.chunk)
            .await
            .map_err(ConnectionError::io("read"))?;
        if read == 0 {
            self.decoder.finish()?;
            return Ok(false);
        }
        self.decoder
            .push(self.chunk.get(..read).unwrap_or_default());
        Ok(true)
    }
}

/// A byte stream carrying BAREWire frames (4-byte little-endian length
/// prefixes), with a maximum frame length for both directions: over TCP it
/// is a [`TcpChannel`].
///
/// This is what a remote connection is before its handshake; afterwards the
/// system splits it between a reader and a writer task. It is usable on its
/// own through [`Channel`], for example to talk to an Olivier system from a
/// program that is not one.
///
/// # Examples
///
/// ```
/// use alloy_actors::Channel;
/// use olivier_runtime::remote::TcpChannel;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> anyhow::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let server = tokio::spawn(async move {
///     let (stream, _) = listener.accept().await?;
///     let mut channel = TcpChannel::new(stream, 1024);
///     let frame = channel.receive().await?;
///     anyhow::Ok(frame)
/// });
/// let mut client = TcpChannel::connect(addr, 1024).await?;
/// client.send(b"hello".to_vec()).await?;
/// client.close().await?;
/// assert_eq!(server.await??, Some(b"hello".to_vec()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FrameChannel<S> {
    reader: FrameReader<S>,
    max_frame_len: usize,
    out: Vec<u8>,
    open: bool,
}

/// BAREWire frames over TCP.
pub type TcpChannel = FrameChannel<TcpStream>;

impl TcpChannel {
    /// Connects to `addr` (with `TCP_NODELAY`, since frames are small and
    /// latency matters).
    ///
    /// # Errors
    ///
    /// The socket error.
    pub async fn connect(addr: SocketAddr, max_frame_len: usize) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self::new(stream, max_frame_len))
    }

    /// The address of the other end.
    ///
    /// # Errors
    ///
    /// The socket error.
    pub fn peer_addr(&self) -> std::io::Result<SocketAddr> {
        self.reader.read.peer_addr()
    }
}

impl FrameChannel<Stream> {
    /// The reader (keeping bytes already received) and the writer.
    pub(crate) fn split(self) -> (FrameReader<ReadHalf>, WriteHalf) {
        let FrameReader { read, decoder, .. } = self.reader;
        let (read, write) = read.into_split();
        (FrameReader::resume(read, decoder), write)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> FrameChannel<S> {
    /// Wraps a connected stream.
    pub fn new(stream: S, max_frame_len: usize) -> Self {
        Self {
            reader: FrameReader::new(stream, max_frame_len),
            max_frame_len,
            out: Vec::new(),
            open: true,
        }
    }

    /// Changes the largest frame sent or accepted from now on (the
    /// connection raises it from [`HANDSHAKE_FRAME_LEN`](super::HANDSHAKE_FRAME_LEN)
    /// once the peer is authenticated).
    pub fn set_max_frame_len(&mut self, max_frame_len: usize) {
        self.max_frame_len = max_frame_len;
        self.reader.decoder.set_max_frame_len(max_frame_len);
    }

    async fn write_frame(&mut self, frame: &[u8]) -> Result<(), ConnectionError> {
        if !self.open {
            return Err(ConnectionError::Closed);
        }
        if frame.len() > self.max_frame_len {
            return Err(ConnectionError::OutgoingTooLarge {
                len: frame.len(),
                max: self.max_frame_len,
            });
        }
        self.out.clear();
        encode_frame(frame, &mut self.out)?;
        let written = self.reader.read.write_all(&self.out).await;
        written.map_err(ConnectionError::io("write"))?;
        let flushed = self.reader.read.flush().await;
        flushed.map_err(ConnectionError::io("write"))
    }

    /// Writes bytes that are already framed (a whole envelope frame).
    pub(crate) async fn write_framed(&mut self, framed: &[u8]) -> Result<(), ConnectionError> {
        let written = self.reader.read.write_all(framed).await;
        written.map_err(ConnectionError::io("write"))?;
        let flushed = self.reader.read.flush().await;
        flushed.map_err(ConnectionError::io("write"))
    }

    async fn read_frame(&mut self) -> Result<Option<Vec<u8>>, ConnectionError> {
        loop {
            match self.reader.next_frame() {
                Ok(Some(frame)) => return Ok(Some(frame.to_vec())),
                Ok(None) => {}
                Err(error) => {
                    self.open = false;
                    return Err(error);
                }
            }
            match self.reader.fill().await {
                Ok(true) => {}
                Ok(false) => {
                    self.open = false;
                    return Ok(None);
                }
                Err(error) => {
                    self.open = false;
                    return Err(error);
                }
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + MaybeSend> Channel for FrameChannel<S> {
    type Error = ConnectionError;

    async fn send(&mut self, frame: Vec<u8>) -> Result<(), ConnectionError> {
        self.write_frame(&frame).await
    }

    fn receive(
        &mut self,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, ConnectionError>> + MaybeSend {
        self.read_frame()
    }

    async fn close(&mut self) -> Result<(), ConnectionError> {
        self.open = false;
        let shut = self.reader.read.shutdown().await;
        shut.map_err(ConnectionError::io("shutdown"))
    }

    fn is_open(&self) -> bool {
        self.open
    }
}
