//! The session managers' server: keep-alive requests and streams over HTTP/1.1 and
//! HTTP/2 on the same port, and a graceful shutdown that waits for every connection to
//! close.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers fail the test loudly"
)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, BodyDataStream};
use axum::http::{Request, StatusCode, Version};
use axum::response::sse::{Event, Sse};
use axum::routing::get;
use futures::StreamExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A server with `/ping` and a `/stream` that lasts until `stop` is cancelled, as the
/// session managers' streams do; it shuts down when the returned sender fires.
async fn start(stop: CancellationToken) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    let stream_stop = stop.clone();
    let router = Router::new()
        .route("/ping", get(|| async { "pong" }))
        .route(
            "/stream",
            get(move || {
                let stop = stream_stop.clone();
                async move {
                    let events = futures::stream::once(async {
                        Ok::<_, Infallible>(Event::default().comment("connected"))
                    })
                    .chain(futures::stream::pending())
                    .take_until(stop.cancelled_owned());
                    Sse::new(events)
                }
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(ajet_realtime::serve::serve(listener, router, async move {
        let _ = shutdown_rx.await;
        stop.cancel();
    }));
    (addr, shutdown_tx, server)
}

/// Sends a GET on `conn` and reads until `until` appears in the answer.
async fn get_until(conn: &mut TcpStream, path: &str, until: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nhost: test\r\n\r\n");
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&answer).contains(until) {
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
            .await
            .expect("the server answers")
            .unwrap();
        assert!(n > 0, "the connection closed before {until:?}");
        answer.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Reads until the server closes the connection.
async fn closed(conn: &mut TcpStream) {
    let mut buf = [0u8; 1024];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
            .await
            .expect("the server closes the connection");
        if matches!(read, Ok(0) | Err(_)) {
            return;
        }
    }
}

#[tokio::test]
async fn one_connection_serves_request_after_request() {
    let (addr, _shutdown, _server) = start(CancellationToken::new()).await;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    for _ in 0..3 {
        let answer = get_until(&mut conn, "/ping", "pong").await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    }
}

#[tokio::test]
async fn shutdown_ends_streams_closes_idle_connections_and_waits_for_both() {
    let (addr, shutdown, server) = start(CancellationToken::new()).await;
    let mut idle = TcpStream::connect(addr).await.unwrap();
    get_until(&mut idle, "/ping", "pong").await;
    let mut streaming = TcpStream::connect(addr).await.unwrap();
    let answer = get_until(&mut streaming, "/stream", ": connected").await;
    assert!(answer.contains("text/event-stream"), "{answer}");

    shutdown.send(()).unwrap();
    closed(&mut idle).await;
    closed(&mut streaming).await;
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve returns once every connection closed")
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn http2_carries_requests_and_streams_on_one_connection_until_shutdown() {
    let (addr, shutdown, server) = start(CancellationToken::new()).await;
    let io = TokioIo::new(TcpStream::connect(addr).await.unwrap());
    let (sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
        .await
        .unwrap();
    let conn = tokio::spawn(conn);
    let get = |path: &str| {
        let mut sender = sender.clone();
        let request = Request::get(format!("http://{addr}{path}"))
            .body(Body::empty())
            .unwrap();
        async move {
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.version(), Version::HTTP_2);
            assert_eq!(response.status(), StatusCode::OK);
            Body::new(response.into_body()).into_data_stream()
        }
    };

    let mut ping = get("/ping").await;
    assert_eq!(next(&mut ping).await.as_deref(), Some("pong"));
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut stream = get("/stream").await;
        assert_eq!(next(&mut stream).await.as_deref(), Some(": connected\n\n"));
        streams.push(stream);
    }

    shutdown.send(()).unwrap();
    for mut stream in streams {
        // The end may come in an empty frame of its own.
        while let Some(chunk) = next(&mut stream).await {
            assert_eq!(chunk, "", "the stream ends");
        }
    }
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve returns once the connection closed")
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), conn)
        .await
        .expect("the connection closes")
        .unwrap()
        .unwrap();
}

/// The next chunk of `body` as text; `None` once it ended.
async fn next(body: &mut BodyDataStream) -> Option<String> {
    tokio::time::timeout(Duration::from_secs(5), body.next())
        .await
        .expect("the server answers")
        .map(|chunk| String::from_utf8(chunk.unwrap().to_vec()).unwrap())
}
