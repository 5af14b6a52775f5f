//! A connection that stops in the middle of a tarpc frame is closed: [`Stall`] wraps
//! a connection's bytes, follows the frames' 4-byte length prefixes as they pass, and
//! fails the read once a frame has been started and no byte of it came for
//! [`FRAME_STALL_TIMEOUT`]. A peer could otherwise hold a frame buffer of up to
//! `MAX_FRAME_BYTES` for as long as it liked; an idle connection between frames (a
//! pooled link between nodes) is left alone.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How long a started frame may wait for its next byte.
pub const FRAME_STALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Where the reader is in the stream of frames.
#[derive(Debug, Default, PartialEq)]
enum At {
    /// Between frames.
    #[default]
    Boundary,
    /// In a length prefix: the bytes of it read so far.
    Prefix(Vec<u8>),
    /// In a frame's body: the bytes of it still to come.
    Body(usize),
}

impl At {
    /// Moves over `bytes`.
    fn advance(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match self {
                At::Boundary => *self = At::Prefix(Vec::with_capacity(4)),
                At::Prefix(p) => {
                    let take = (4 - p.len()).min(bytes.len());
                    p.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if p.len() == 4 {
                        let len = u32::from_be_bytes([p[0], p[1], p[2], p[3]]) as usize;
                        *self = if len == 0 {
                            At::Boundary
                        } else {
                            At::Body(len)
                        };
                    }
                }
                At::Body(left) => {
                    let take = (*left).min(bytes.len());
                    *left -= take;
                    bytes = &bytes[take..];
                    if *left == 0 {
                        *self = At::Boundary;
                    }
                }
            }
        }
    }
}

/// A connection whose reads fail once a frame stalls (see the module).
pub struct Stall<T> {
    io: T,
    at: At,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> Stall<T> {
    /// Wraps `io`.
    pub fn new(io: T) -> Stall<T> {
        Stall {
            io,
            at: At::Boundary,
            timer: None,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Stall<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let this = &mut *self;
                this.at.advance(&buf.filled()[before..]);
                this.timer = None;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending if self.at == At::Boundary => {
                self.timer = None;
                Poll::Pending
            }
            Poll::Pending => {
                let timer = self
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(FRAME_STALL_TIMEOUT)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("a frame stalled for {FRAME_STALL_TIMEOUT:?}"),
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Stall<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::At;

    #[test]
    fn frames_are_followed_across_any_split() {
        let mut stream = Vec::new();
        for body in [&b"abc"[..], b"", b"defgh"] {
            stream.extend((body.len() as u32).to_be_bytes());
            stream.extend(body);
        }
        for cut in 0..stream.len() {
            let mut at = At::Boundary;
            at.advance(&stream[..cut]);
            at.advance(&stream[cut..]);
            assert_eq!(at, At::Boundary, "cut at {cut}");
        }
        let mut at = At::Boundary;
        at.advance(&stream[..9]);
        assert_eq!(at, At::Prefix(vec![0, 0]), "in the second prefix");
        let mut at = At::Boundary;
        at.advance(&stream[..16]);
        assert_eq!(at, At::Body(4), "one byte into the third body");
    }
}
