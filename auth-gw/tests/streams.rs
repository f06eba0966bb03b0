//! Event streams through the gateway, against a stand-in for the terminal session
//! manager: authenticated first, each event passed on as soon as it comes, the headers
//! of one hop left behind, the service's stream ended when the client leaves, and a
//! client that stops reading holding up no one else.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ajet_db::PgPool;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Version};
use axum::response::sse::{Event, Sse};
use futures::StreamExt;
use futures::stream::BoxStream;
use harness::{TestGateway, http};
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

/// The stand-in's side of its one controllable stream.
struct Streams {
    /// Events to send, taken by the first stream opened; the others send their first
    /// event only.
    next: Mutex<Option<mpsc::Receiver<String>>>,
    /// Notified when a stream ends on the stand-in's side.
    closed: Arc<Notify>,
}

impl Streams {
    /// The stand-in's streams, and where the test sends the first stream's events.
    fn new() -> (mpsc::Sender<String>, Arc<Self>) {
        let (send, next) = mpsc::channel(4);
        let streams = Arc::new(Self {
            next: Mutex::new(Some(next)),
            closed: Arc::new(Notify::new()),
        });
        (send, streams)
    }
}

/// Notifies when the stream holding it is dropped.
struct Closed(Arc<Notify>);

impl Drop for Closed {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

/// `GET /tui/stream`: first an event telling which request headers arrived, then what the
/// test sends.
async fn stream(
    State(streams): State<Arc<Streams>>,
    Query(flood): Query<Flood>,
    version: Version,
    headers: HeaderMap,
) -> Sse<BoxStream<'static, Result<Event, Infallible>>> {
    if let Some(kib) = flood.kib {
        // A kibibyte of data per event, all at once.
        let event = Event::default().data("x".repeat(1000));
        let events = futures::stream::iter(std::iter::repeat_n(event, kib))
            .map(Ok)
            .chain(futures::stream::pending());
        return Sse::new(events.boxed());
    }
    let seen = json!({
        "http2": version == Version::HTTP_2,
        "traceparent": headers.contains_key("traceparent"),
        "trace_id": headers.contains_key("x-trace-id"),
        "hop": headers.contains_key("x-hop") || headers.contains_key("connection"),
        "forwarded_for": headers.contains_key("x-forwarded-for"),
    });
    let next = streams.next.lock().unwrap().take();
    let closed = Closed(streams.closed.clone());
    let first = futures::stream::once(async move { Ok(Event::default().data(seen.to_string())) });
    let rest = futures::stream::unfold((next, closed), |(mut next, closed)| async move {
        let data = match next.as_mut() {
            Some(next) => next.recv().await?,
            None => std::future::pending().await,
        };
        Some((Ok(Event::default().data(data)), (next, closed)))
    });
    Sse::new(first.chain(rest).boxed())
}

/// `?kib=N`: the stream sends N KiB at once instead.
#[derive(Deserialize)]
struct Flood {
    #[serde(default)]
    kib: Option<usize>,
}

async fn stand_in(streams: Arc<Streams>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/tui/stream", axum::routing::get(stream))
        .with_state(streams);
    tokio::spawn(ajet_realtime::serve::serve(
        listener,
        app,
        std::future::pending(),
    ));
    format!("http://{addr}")
}

/// The data of the next event on `response`, within two seconds.
async fn next_event(response: &mut reqwest::Response, pending: &mut String) -> Value {
    loop {
        if let Some(end) = pending.find("\n\n") {
            let event: String = pending.drain(..end + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                return serde_json::from_str(data.trim()).unwrap();
            }
            continue;
        }
        let Ok(chunk) = tokio::time::timeout(Duration::from_secs(2), response.chunk()).await else {
            panic!("no event within two seconds");
        };
        let Some(chunk) = chunk.unwrap() else {
            panic!("the stream ended");
        };
        pending.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn event_streams_pass_each_event_at_once_and_end_with_the_client(pool: PgPool) {
    let (send, streams) = Streams::new();
    let service = stand_in(streams.clone()).await;
    // A stopped instance first: opening a stream tries the next.
    let instances = format!("http://127.0.0.1:9,{service}");
    let gw = TestGateway::start(pool, &["--tui-sm-url", &instances]).await;
    let (token, _) = gw.person("streamer", false).await;
    let open = |token: Option<&str>| {
        let mut request = http()
            .get(gw.url("/tui/stream"))
            .header(ACCEPT, "text/event-stream")
            .header("connection", "x-hop")
            .header("x-hop", "1");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let refused = open(None).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let mut response = open(Some(&token)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert!(response.headers().contains_key("x-trace-id"));
    let mut pending = String::new();
    let seen = next_event(&mut response, &mut pending).await;
    assert_eq!(
        seen,
        json!({
            "http2": true,
            "traceparent": true,
            "trace_id": true,
            "hop": false,
            "forwarded_for": true,
        })
    );
    // Each event arrives while the stream stays open, before the next is even sent.
    for n in 0..3 {
        send.send(json!({ "n": n }).to_string()).await.unwrap();
        assert_eq!(
            next_event(&mut response, &mut pending).await,
            json!({ "n": n })
        );
    }

    // The other instance order: the stopped one is tried first, or second.
    let mut second = open(Some(&token)).await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    let seen = next_event(&mut second, &mut String::new()).await;
    assert_eq!(seen["traceparent"], true);

    // The client leaves: the service's stream ends too.
    let closed = streams.closed.notified();
    drop(response);
    let ended = tokio::time::timeout(Duration::from_secs(2), closed).await;
    assert!(
        ended.is_ok(),
        "the service's stream ends when the client leaves"
    );
    drop(second);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_client_that_stops_reading_holds_up_no_other_stream(pool: PgPool) {
    let (send, streams) = Streams::new();
    let service = stand_in(streams).await;
    let gw = TestGateway::start(pool, &["--tui-sm-url", &service]).await;
    let (token, _) = gw.person("streamer", false).await;
    let open = |path: &'static str| {
        http()
            .get(gw.url(path))
            .header(ACCEPT, "text/event-stream")
            .bearer_auth(&token)
            .send()
    };

    // 32 MiB for a client that reads none of it: more than every buffer on the way holds,
    // so the stream stalls on its flow-control window at the service.
    let stalled = open("/tui/stream?kib=32768").await.unwrap();
    assert_eq!(stalled.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The next stream shares the stalled one's connection and still flows.
    let mut flowing = open("/tui/stream").await.unwrap();
    let mut pending = String::new();
    let seen = next_event(&mut flowing, &mut pending).await;
    assert_eq!(seen["http2"], true);
    for n in 0..3 {
        send.send(json!({ "n": n }).to_string()).await.unwrap();
        assert_eq!(
            next_event(&mut flowing, &mut pending).await,
            json!({ "n": n })
        );
    }
    drop(stalled);
}
