//! Event streams (SSE) to the session managers, over HTTP/2 connections they share.
//!
//! An event reaches every subscriber of a channel at nearly the same moment. Over HTTP/1,
//! each stream is a connection of its own, so the session manager writes the event once
//! per subscriber and the gateway reads it once per subscriber: two system calls and a
//! task wake-up per delivery, before the write to the client. Over HTTP/2 the session
//! manager's writes for many streams leave together, and one read here brings them all;
//! only the write to each client remains per delivery.
//!
//! A connection carries at most `STREAMS_PER_CONNECTION` streams, so a crowd of
//! subscribers spreads over a few connections (and both sides' cores). Flow control keeps
//! a client that stops reading from holding up the others: its stream may run
//! `STREAM_WINDOW` ahead, after which the session manager waits for that stream alone.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, Response, Uri, header};
use bytes::Bytes;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::client::conn::http2;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::Service;

use crate::upstream::Unanswered;

/// Streams one connection carries before the next stream opens another connection.
const STREAMS_PER_CONNECTION: usize = 256;
/// How far one stream may run ahead of its client.
const STREAM_WINDOW: u32 = 64 * 1024;
/// Room for every stream of a connection to be a full window ahead, so that no stream's
/// backlog can stop the connection's others.
const CONNECTION_WINDOW: u32 = STREAM_WINDOW * STREAMS_PER_CONNECTION as u32;

/// Whether `req` opens an event stream: a `GET` that accepts `text/event-stream`.
pub fn is_event_stream(req: &Request) -> bool {
    req.method() == Method::GET
        && req
            .headers()
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("text/event-stream"))
}

/// The HTTP/2 connections to the session managers' instances, shared by the streams.
pub struct Streams {
    connector: HttpConnector,
    /// Per instance (`scheme://authority`), its open connections; the lock is held while
    /// one is opened, so that a crowd of streams arriving at once opens one, not many.
    instances: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Vec<Shared>>>>>,
}

/// One HTTP/2 connection and how many streams it carries.
#[derive(Clone)]
struct Shared {
    sender: http2::SendRequest<Body>,
    open: Arc<AtomicUsize>,
}

impl Streams {
    pub fn new(connector: HttpConnector) -> Self {
        Self {
            connector,
            instances: Mutex::new(HashMap::new()),
        }
    }

    /// Sends `req` (its URI the instance's, with the path; an event stream has no body)
    /// on a connection to that instance and answers with the response.
    pub async fn open(&self, req: Request) -> Result<Response<Relayed>, Unanswered> {
        let (parts, _) = req.into_parts();
        let connections = self
            .instances
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(instance_key(&parts.uri))
            .or_default()
            .clone();
        let (shared, fresh) = {
            let mut held = connections.lock().await;
            held.retain(|c| !c.sender.is_closed());
            match held
                .iter()
                .find(|c| c.open.load(Ordering::Relaxed) < STREAMS_PER_CONNECTION)
            {
                Some(shared) => (shared.clone(), false),
                None => {
                    let shared = self.connect(&parts.uri).await?;
                    held.push(shared.clone());
                    (shared, true)
                }
            }
        };
        match send(shared, Request::from_parts(parts.clone(), Body::empty())).await {
            // The connection ended since it was last used, so the request was never seen:
            // it goes on a new one.
            Err(err) if err.connect && !fresh => {
                tracing::debug!(error = %err.error, "stream connection found closed");
                let shared = self.connect(&parts.uri).await?;
                connections.lock().await.push(shared.clone());
                send(shared, Request::from_parts(parts, Body::empty())).await
            }
            answer => answer,
        }
    }

    async fn connect(&self, uri: &Uri) -> Result<Shared, Unanswered> {
        let io = self
            .connector
            .clone()
            .call(uri.clone())
            .await
            .map_err(|err| Unanswered {
                connect: true,
                error: err.into(),
            })?;
        let (sender, connection) = http2::Builder::new(TokioExecutor::new())
            .initial_stream_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .handshake(io)
            .await
            .map_err(|err| Unanswered {
                connect: true,
                error: err.into(),
            })?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "stream connection ended");
            }
        });
        Ok(Shared {
            sender,
            open: Arc::new(AtomicUsize::new(0)),
        })
    }
}

/// Sends `req` on `shared`; the stream counts against the connection until its body is
/// dropped.
async fn send(mut shared: Shared, req: Request) -> Result<Response<Relayed>, Unanswered> {
    // Nothing was sent if the connection is not ready: another may be tried.
    shared.sender.ready().await.map_err(|err| Unanswered {
        connect: true,
        error: err.into(),
    })?;
    shared.open.fetch_add(1, Ordering::Relaxed);
    let open = OpenStream(shared.open.clone());
    let response = shared
        .sender
        .send_request(req)
        .await
        .map_err(|err| Unanswered {
            // A stream the instance refused, or a connection that closed before
            // answering, was not processed; a GET may go elsewhere.
            connect: err.is_canceled() || err.is_closed(),
            error: err.into(),
        })?;
    Ok(response.map(|body| Relayed { body, _open: open }))
}

/// `scheme://authority` of `uri`.
fn instance_key(uri: &Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority().map_or("", |a| a.as_str())
    )
}

/// Counts a stream against its connection while it lasts.
struct OpenStream(Arc<AtomicUsize>);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The body of a relayed event stream; dropping it resets the stream at the session
/// manager, which then lets go of the subscription.
pub struct Relayed {
    body: Incoming,
    _open: OpenStream,
}

impl hyper::body::Body for Relayed {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
