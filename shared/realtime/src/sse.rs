//! Turning a [`Subscription`] into an SSE response.
//!
//! Each event's SSE frame is rendered once, when the hub reads it (see
//! [`Delivery::frame`](crate::hub::Delivery::frame)); a connection's response passes that
//! frame on as shared bytes, so fanning an event out to a thousand subscribers copies
//! nothing and formats nothing a thousand times. The keep-alive is a fixed tick that
//! speaks only when the stream was silent since the last one, not a timer re-armed for
//! every event.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use crate::{Delivery, Subscription};

/// How often an idle stream sends a keep-alive comment, so that proxies keep it open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The first frame: a comment, so that the client sees the stream open at once.
const OPENED: &[u8] = b": connected\n\n";
/// The keep-alive: an empty comment.
const KEEP_ALIVE_FRAME: &[u8] = b":\n\n";

/// The position a reconnecting client resumes after: the `Last-Event-ID` header.
pub fn last_event_id(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// The SSE stream of one subscription: a comment first, then one frame per delivery
/// (with its `id:`, except for ephemeral events), keep-alives while idle; it ends when
/// `stop` is cancelled (graceful shutdown) or the hub drops the connection.
pub struct EventStream<S = Subscription> {
    opened: bool,
    events: S,
    stop: Pin<Box<WaitForCancellationFutureOwned>>,
    keep_alive: Interval,
    /// Nothing was sent since the last keep-alive tick.
    silent: bool,
}

impl<S> EventStream<S> {
    pub fn new(events: S, stop: CancellationToken) -> Self {
        let mut keep_alive = tokio::time::interval_at(Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
        keep_alive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            opened: false,
            events,
            stop: Box::pin(stop.cancelled_owned()),
            keep_alive,
            silent: true,
        }
    }
}

impl<S: Stream<Item = Arc<Delivery>> + Unpin> Stream for EventStream<S> {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if !this.opened {
            this.opened = true;
            return Poll::Ready(Some(Ok(Bytes::from_static(OPENED))));
        }
        if this.stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        match this.events.poll_next_unpin(cx) {
            Poll::Ready(Some(delivery)) => {
                this.silent = false;
                return Poll::Ready(Some(Ok(delivery.frame.clone())));
            }
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        while this.keep_alive.poll_tick(cx).is_ready() {
            if std::mem::replace(&mut this.silent, true) {
                return Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE_FRAME))));
            }
        }
        Poll::Pending
    }
}

impl<S: Stream<Item = Arc<Delivery>> + Unpin + Send + 'static> IntoResponse for EventStream<S> {
    fn into_response(self) -> Response {
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/event-stream"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            Body::from_stream(self),
        )
            .into_response()
    }
}

/// The SSE response of `subscription`, until `stop` is cancelled.
pub fn respond(subscription: Subscription, stop: CancellationToken) -> EventStream {
    EventStream::new(subscription, stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(seq: u64) -> Arc<Delivery> {
        Arc::new(Delivery {
            seq,
            channel_id: None,
            community_id: None,
            frame: Bytes::from(format!("id: {seq}\ndata: {{}}\n\n")),
            traceparent: None,
            recipient: None,
        })
    }

    async fn next(
        stream: &mut EventStream<tokio_stream::wrappers::ReceiverStream<Arc<Delivery>>>,
    ) -> Option<String> {
        stream
            .next()
            .await
            .map(|frame| String::from_utf8(frame.unwrap().to_vec()).unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn frames_pass_as_rendered_and_the_keep_alive_speaks_only_after_silence() {
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let stop = CancellationToken::new();
        let mut stream = EventStream::new(
            tokio_stream::wrappers::ReceiverStream::new(rx),
            stop.clone(),
        );
        let start = Instant::now();
        assert_eq!(next(&mut stream).await.as_deref(), Some(": connected\n\n"));

        tx.send(delivery(1)).await.unwrap();
        assert_eq!(
            next(&mut stream).await.as_deref(),
            Some("id: 1\ndata: {}\n\n")
        );
        tokio::time::sleep(Duration::from_secs(10)).await;
        tx.send(delivery(2)).await.unwrap();
        assert_eq!(
            next(&mut stream).await.as_deref(),
            Some("id: 2\ndata: {}\n\n")
        );

        // The tick at 15 s follows an event, so it stays quiet; the one at 30 s speaks.
        assert_eq!(next(&mut stream).await.as_deref(), Some(":\n\n"));
        assert_eq!(start.elapsed(), 2 * KEEP_ALIVE);
        assert_eq!(next(&mut stream).await.as_deref(), Some(":\n\n"));
        assert_eq!(start.elapsed(), 3 * KEEP_ALIVE);

        stop.cancel();
        assert_eq!(next(&mut stream).await, None);
    }
}
