//! An HTTP/2 connection's writes gathered into one system call per turn of its task.
//!
//! An event for many streams of one connection is handed to h2 stream by stream, and h2
//! flushes its 16 KiB buffer whenever a data frame is too large to copy into it (over
//! 256 bytes, most events). Each event for each stream would then be a write of its own.
//! Here the socket's write side only collects bytes; the task that drives the connection
//! writes them out after each turn ([`Flusher::poll_drain`]), so everything the turn
//! produced leaves together. The collected bytes are bounded: past [`HIGH_WATER`], a
//! write first drains, and waits while the peer is not reading.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// Bytes collected before a write must wait for them to be drained.
const HIGH_WATER: usize = 64 * 1024;

/// The connection's side of the socket: reads pass through, writes are collected.
pub(crate) struct Coalesced {
    read: OwnedReadHalf,
    out: Arc<Mutex<Out>>,
}

/// The driving task's side: writes out what was collected.
pub(crate) struct Flusher {
    out: Arc<Mutex<Out>>,
}

struct Out {
    socket: OwnedWriteHalf,
    collected: Vec<u8>,
}

/// Splits `stream` into the socket an HTTP/2 connection is served on and its flusher.
pub(crate) fn split(stream: TcpStream) -> (Coalesced, Flusher) {
    let (read, socket) = stream.into_split();
    let out = Arc::new(Mutex::new(Out {
        socket,
        collected: Vec::new(),
    }));
    (
        Coalesced {
            read,
            out: out.clone(),
        },
        Flusher { out },
    )
}

fn lock(out: &Mutex<Out>) -> MutexGuard<'_, Out> {
    out.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Out {
    /// Writes everything collected; `Pending` (with the task to be woken) while the
    /// socket is full.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut written = 0;
        let result = loop {
            if written == self.collected.len() {
                break Poll::Ready(Ok(()));
            }
            match Pin::new(&mut self.socket).poll_write(cx, &self.collected[written..]) {
                Poll::Ready(Ok(0)) => break Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => written += n,
                Poll::Ready(Err(err)) => break Poll::Ready(Err(err)),
                Poll::Pending => break Poll::Pending,
            }
        };
        self.collected.drain(..written);
        result
    }
}

impl Flusher {
    /// Writes out what the connection collected.
    pub(crate) fn poll_drain(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        lock(&self.out).poll_drain(cx)
    }
}

impl AsyncRead for Coalesced {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl AsyncWrite for Coalesced {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut out = lock(&self.out);
        if out.collected.len() >= HIGH_WATER {
            ready!(out.poll_drain(cx))?;
        }
        out.collected.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    /// Leaves the bytes to the flusher, which writes them at the end of the turn.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut out = lock(&self.out);
        ready!(out.poll_drain(cx))?;
        Pin::new(&mut out.socket).poll_shutdown(cx)
    }
}
