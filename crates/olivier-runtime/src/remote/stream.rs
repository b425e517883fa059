//! The byte streams a connection runs on: TCP, a Unix domain socket, or a
//! WebSocket seen as a stream of length-prefixed frames (each binary
//! message one frame), so the handshake, reader and writer are the same
//! on all three.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::{Sink, Stream as _};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream, tcp, unix};
use tokio_rustls::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// A connected stream of any transport.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    WebSocket(Box<WsStream<TcpStream>>),
    Tls(Box<TlsStream<TcpStream>>),
    WebSocketTls(Box<WsStream<TlsStream<TcpStream>>>),
}

/// The reading half of a [`Stream`].
#[derive(Debug)]
pub(crate) enum ReadHalf {
    Tcp(tcp::OwnedReadHalf),
    Unix(unix::OwnedReadHalf),
    WebSocket(tokio::io::ReadHalf<Box<WsStream<TcpStream>>>),
    Tls(tokio::io::ReadHalf<Box<TlsStream<TcpStream>>>),
    WebSocketTls(tokio::io::ReadHalf<Box<WsStream<TlsStream<TcpStream>>>>),
}

/// The writing half of a [`Stream`].
#[derive(Debug)]
pub(crate) enum WriteHalf {
    Tcp(tcp::OwnedWriteHalf),
    Unix(unix::OwnedWriteHalf),
    WebSocket(tokio::io::WriteHalf<Box<WsStream<TcpStream>>>),
    Tls(tokio::io::WriteHalf<Box<TlsStream<TcpStream>>>),
    WebSocketTls(tokio::io::WriteHalf<Box<WsStream<TlsStream<TcpStream>>>>),
}

impl Stream {
    /// Its reader and writer.
    pub(crate) fn into_split(self) -> (ReadHalf, WriteHalf) {
        match self {
            Stream::Tcp(stream) => {
                let (read, write) = stream.into_split();
                (ReadHalf::Tcp(read), WriteHalf::Tcp(write))
            }
            Stream::Unix(stream) => {
                let (read, write) = stream.into_split();
                (ReadHalf::Unix(read), WriteHalf::Unix(write))
            }
            Stream::WebSocket(stream) => {
                let (read, write) = tokio::io::split(stream);
                (ReadHalf::WebSocket(read), WriteHalf::WebSocket(write))
            }
            Stream::Tls(stream) => {
                let (read, write) = tokio::io::split(stream);
                (ReadHalf::Tls(read), WriteHalf::Tls(write))
            }
            Stream::WebSocketTls(stream) => {
                let (read, write) = tokio::io::split(stream);
                (ReadHalf::WebSocketTls(read), WriteHalf::WebSocketTls(write))
            }
        }
    }
}

macro_rules! delegate_read {
    ($type:ident) => {
        impl AsyncRead for $type {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    $type::Tcp(inner) => Pin::new(inner).poll_read(cx, buf),
                    $type::Unix(inner) => Pin::new(inner).poll_read(cx, buf),
                    $type::WebSocket(inner) => Pin::new(inner).poll_read(cx, buf),
                    $type::Tls(inner) => Pin::new(inner).poll_read(cx, buf),
                    $type::WebSocketTls(inner) => Pin::new(inner).poll_read(cx, buf),
                }
            }
        }
    };
}

macro_rules! delegate_write {
    ($type:ident) => {
        impl AsyncWrite for $type {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                match self.get_mut() {
                    $type::Tcp(inner) => Pin::new(inner).poll_write(cx, buf),
                    $type::Unix(inner) => Pin::new(inner).poll_write(cx, buf),
                    $type::WebSocket(inner) => Pin::new(inner).poll_write(cx, buf),
                    $type::Tls(inner) => Pin::new(inner).poll_write(cx, buf),
                    $type::WebSocketTls(inner) => Pin::new(inner).poll_write(cx, buf),
                }
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    $type::Tcp(inner) => Pin::new(inner).poll_flush(cx),
                    $type::Unix(inner) => Pin::new(inner).poll_flush(cx),
                    $type::WebSocket(inner) => Pin::new(inner).poll_flush(cx),
                    $type::Tls(inner) => Pin::new(inner).poll_flush(cx),
                    $type::WebSocketTls(inner) => Pin::new(inner).poll_flush(cx),
                }
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    $type::Tcp(inner) => Pin::new(inner).poll_shutdown(cx),
                    $type::Unix(inner) => Pin::new(inner).poll_shutdown(cx),
                    $type::WebSocket(inner) => Pin::new(inner).poll_shutdown(cx),
                    $type::Tls(inner) => Pin::new(inner).poll_shutdown(cx),
                    $type::WebSocketTls(inner) => Pin::new(inner).poll_shutdown(cx),
                }
            }
        }
    };
}

delegate_read!(Stream);
delegate_read!(ReadHalf);
delegate_write!(Stream);
delegate_write!(WriteHalf);

/// A WebSocket as a byte stream of length-prefixed frames: each binary
/// message read is handed out as it came (one whole frame, its prefix
/// included); bytes written are cut at frame boundaries, one message per
/// frame. Text messages are refused; pings are answered by the library.
#[derive(Debug)]
pub(crate) struct WsStream<S> {
    ws: WebSocketStream<S>,
    /// A received message not yet handed out, and how far it was.
    incoming: Vec<u8>,
    read: usize,
    /// Bytes written that do not make a whole frame yet.
    outgoing: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsStream<S> {
    pub(crate) fn new(ws: WebSocketStream<S>) -> Self {
        Self {
            ws,
            incoming: Vec::new(),
            read: 0,
            outgoing: Vec::new(),
        }
    }

    /// The length of the first whole frame in `outgoing`, prefix included.
    fn whole_frame(&self) -> Option<usize> {
        let header: [u8; 4] = self.outgoing.get(..4)?.try_into().ok()?;
        let len = 4 + u32::from_le_bytes(header) as usize;
        (self.outgoing.len() >= len).then_some(len)
    }

    /// Sends every whole frame written so far, as far as the socket takes.
    fn poll_send_frames(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(len) = self.whole_frame() {
            ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(io::Error::other)?;
            let frame: Vec<u8> = self.outgoing.drain(..len).collect();
            Pin::new(&mut self.ws)
                .start_send(Message::binary(frame))
                .map_err(io::Error::other)?;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.read < this.incoming.len() {
                let rest = &this.incoming[this.read..];
                let n = rest.len().min(buf.remaining());
                buf.put_slice(&rest[..n]);
                this.read += n;
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut this.ws).poll_next(cx)) {
                None | Some(Ok(Message::Close(_))) => return Poll::Ready(Ok(())),
                Some(Ok(Message::Binary(bytes))) => {
                    this.incoming.clear();
                    this.incoming.extend_from_slice(&bytes);
                    this.read = 0;
                }
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a text message where binary frames are expected",
                    )));
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Poll::Ready(Err(io::Error::other(error))),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // What was written before goes first, so what waits here stays
        // within one write.
        ready!(this.poll_send_frames(cx))?;
        this.outgoing.extend_from_slice(buf);
        match this.poll_send_frames(cx) {
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            _ => Poll::Ready(Ok(buf.len())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_frames(cx))?;
        Pin::new(&mut this.ws)
            .poll_flush(cx)
            .map_err(io::Error::other)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_frames(cx))?;
        Pin::new(&mut this.ws)
            .poll_close(cx)
            .map_err(io::Error::other)
    }
}
