//! Serving a session manager's router: connections that are mostly long-lived idle
//! streams, so what each one holds is kept small.
//!
//! Clients speak HTTP/1.1 to the session managers; the gateway speaks HTTP/2 (cleartext,
//! with prior knowledge), so that the streams it relays share a few connections and the
//! frames of many streams leave in one write (see the `coalesce` module). The first bytes
//! are peeked at, not read, to tell the two apart: unlike `axum::serve`, which reads them
//! ahead and hands them to hyper (which then grows every connection's read buffer from 8
//! to 16 KiB), nothing is buffered twice. Every connection shares the one router instead
//! of holding a copy of every route.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::coalesce::{self, Flusher};

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting, lets
/// every connection finish its request in flight (and stream, when `shutdown` ends them)
/// and returns once all are closed.
pub async fn serve(listener: TcpListener, router: Router, shutdown: impl Future<Output = ()>) {
    let stopping = CancellationToken::new();
    // Every connection holds a receiver: all of them are closed once none is left.
    let (open_tx, open_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Events are small writes that must leave at once, not wait for the
                    // acknowledgement of the previous one.
                    if let Err(err) = stream.set_nodelay(true) {
                        tracing::debug!(error = %err, "cannot set TCP_NODELAY");
                    }
                    stream
                }
                Err(err) => {
                    on_accept_error(err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        tokio::spawn(connection(
            stream,
            router.clone(),
            stopping.clone(),
            open_rx.clone(),
        ));
    }
    drop(listener);
    drop(open_rx);
    stopping.cancel();
    open_tx.closed().await;
}

/// What an HTTP/2 client sends first (RFC 9113, section 3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Streams one HTTP/2 connection may carry at once. The gateway opens another connection
/// well before this.
const H2_MAX_STREAMS: u32 = 4096;

/// Bytes a stream may have sent and not yet had acknowledged. Events are small: a stream
/// this far behind belongs to a client that stopped reading, and waits.
const H2_STREAM_WINDOW: u32 = 64 * 1024;

/// Serves one connection until it closes, finishing gracefully once `stopping`.
async fn connection(
    stream: TcpStream,
    router: Router,
    stopping: CancellationToken,
    _open: watch::Receiver<()>,
) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        router.clone().oneshot(request.map(Body::new))
    });
    let result = if speaks_h2(&stream).await {
        let (socket, flusher) = coalesce::split(stream);
        let conn = http2::Builder::new(TokioExecutor::new())
            .max_concurrent_streams(H2_MAX_STREAMS)
            .initial_stream_window_size(H2_STREAM_WINDOW)
            .serve_connection(TokioIo::new(socket), service);
        let conn = std::pin::pin!(Flushed {
            conn: Box::pin(conn),
            flusher,
        });
        until_stopped(conn, &stopping, |flushed| {
            flushed.get_mut().conn.as_mut().graceful_shutdown();
        })
        .await
    } else {
        let conn = http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let conn = std::pin::pin!(conn);
        until_stopped(conn, &stopping, |conn| conn.graceful_shutdown()).await
    };
    if let Err(err) = result {
        tracing::debug!(error = %err, "connection ended with an error");
    }
}

/// An HTTP/2 connection whose writes of each turn leave together, after it (see
/// [`coalesce`]).
struct Flushed<C> {
    conn: Pin<Box<C>>,
    flusher: Flusher,
}

impl<C: Future<Output = hyper::Result<()>>> Future for Flushed<C> {
    type Output = hyper::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let ended = self.conn.as_mut().poll(cx);
        // A full socket wakes the task once it has room; an error ends the connection at
        // its next read or write.
        if let Poll::Ready(Err(err)) = self.flusher.poll_drain(cx) {
            tracing::debug!(error = %err, "cannot write to the connection");
        }
        ended
    }
}

/// Drives `conn` to its end, asking it to finish gracefully once `stopping`.
async fn until_stopped<C: Future>(
    mut conn: Pin<&mut C>,
    stopping: &CancellationToken,
    graceful_shutdown: impl FnOnce(Pin<&mut C>),
) -> C::Output {
    let mut stop = std::pin::pin!(stopping.cancelled());
    let mut shutdown = Some(graceful_shutdown);
    loop {
        tokio::select! {
            result = conn.as_mut() => return result,
            () = &mut stop, if shutdown.is_some() => {
                if let Some(shutdown) = shutdown.take() {
                    shutdown(conn.as_mut());
                }
            }
        }
    }
}

/// Whether the client opens with the HTTP/2 preface, peeked at without being consumed.
/// An HTTP/1 request differs from it within its first bytes; a client that sends part of
/// the preface and pauses is given a moment to send the rest.
async fn speaks_h2(stream: &TcpStream) -> bool {
    let mut buf = [0u8; H2_PREFACE.len()];
    for _ in 0..100 {
        let n = match stream.peek(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        if buf[..n] != H2_PREFACE[..n] {
            return false;
        }
        if n == H2_PREFACE.len() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Connection-level errors concern one client only: accept the next. Anything else (out
/// of file descriptors, say) is worth a log line and a pause before trying again.
async fn on_accept_error(err: io::Error) {
    if matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
