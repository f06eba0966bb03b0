//! Event streams (SSE) through an upstream connection of their own, driven by the task
//! that writes to the client.
//!
//! Through the pooled client, a response body crosses tasks: the pool's connection task
//! reads from the service and hands the body over one chunk at a time, waking the
//! client's task for each and being woken back once it is taken, so every chunk costs two
//! task switches and a write of its own, even when several came in one read. A stream's
//! body here polls its own HTTP/1 connection instead: what one read from the service
//! brings is decoded and written to the client in one poll of one task, in one write.
//! Nothing is held back: a slow client stops the reads from the service, and each event
//! is written and flushed in the poll that read it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, Response, Uri, header};
use bytes::Bytes;
use futures::future::{Either, select};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::client::conn::http1;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower::Service;

use crate::upstream::Unanswered;

type Connection = http1::Connection<TokioIo<TcpStream>, Body>;

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

/// Sends `req` (its URI the instance's, with the path) on a new connection and answers
/// with the response, whose body carries the connection along.
pub async fn open(
    mut connector: HttpConnector,
    mut req: Request,
) -> Result<Response<Relayed>, Unanswered> {
    let uri = req.uri().clone();
    let io = connector
        .call(uri.clone())
        .await
        .map_err(|err| Unanswered {
            connect: true,
            error: err.into(),
        })?;
    // On its own connection the request names the path only, and the instance in `Host`.
    if let Some(authority) = uri.authority()
        && let Ok(host) = HeaderValue::from_str(authority.as_str())
    {
        req.headers_mut().insert(header::HOST, host);
    }
    if let Some(path) = uri.path_and_query() {
        *req.uri_mut() = Uri::from(path.clone());
    }
    let (mut sender, connection) = http1::handshake(io).await?;
    let mut connection = Box::pin(connection);
    let sending = std::pin::pin!(sender.send_request(req));
    let response = match select(sending, connection.as_mut()).await {
        Either::Left((response, _)) => response?,
        // The connection ended first; the request says why.
        Either::Right((ended, sending)) => {
            ended?;
            sending.await?
        }
    };
    // Without its sender, the connection closes when the response ends.
    drop(sender);
    Ok(response.map(|body| Relayed {
        connection: Some(connection),
        body,
    }))
}

/// A response body that drives its own connection: each poll first lets the connection
/// read what the service sent, then takes the chunk it decoded.
pub struct Relayed {
    connection: Option<Pin<Box<Connection>>>,
    body: Incoming,
}

impl hyper::body::Body for Relayed {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        if let Some(connection) = &mut this.connection
            && let Poll::Ready(ended) = connection.as_mut().poll(cx)
        {
            // A failure reaches the body too, which reports it.
            if let Err(err) = ended {
                tracing::debug!(error = %err, "stream connection ended");
            }
            this.connection = None;
        }
        Pin::new(&mut this.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
