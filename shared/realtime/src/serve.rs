//! Serving a session manager's router: HTTP/1.1 connections, most of them long-lived idle
//! streams, so what each connection holds is kept small.
//!
//! Clients and the gateway speak HTTP/1.1 to the session managers, so connections are
//! served by hyper's HTTP/1 server directly. Unlike `axum::serve`, nothing reads the first
//! bytes ahead to sniff an HTTP/2 preface (hyper, handed those few bytes first, grows every
//! connection's read buffer from 8 to 16 KiB), and every connection shares the one router
//! instead of holding a copy of every route of its own.

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

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
    let conn = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    let mut conn = std::pin::pin!(conn);
    let mut stop = std::pin::pin!(stopping.cancelled());
    let mut draining = false;
    let result = loop {
        tokio::select! {
            result = conn.as_mut() => break result,
            () = &mut stop, if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    };
    if let Err(err) = result {
        tracing::debug!(error = %err, "connection ended with an error");
    }
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
