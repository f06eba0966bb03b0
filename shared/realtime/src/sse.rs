//! Turning a [`Subscription`](crate::Subscription) into an SSE response.

use std::convert::Infallible;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

use crate::Subscription;

/// How often an idle stream sends a keep-alive comment, so that proxies keep it open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The position a reconnecting client resumes after: the `Last-Event-ID` header.
pub fn last_event_id(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// An SSE response of `subscription`: a comment first (so the client sees the stream open
/// at once), then one event per delivery with its `id:`, keep-alives while idle; it ends
/// when `stop` is cancelled (graceful shutdown) or the hub drops the connection.
pub fn respond(
    subscription: Subscription,
    stop: CancellationToken,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let opened = futures::stream::once(async { Ok(Event::default().comment("connected")) });
    let events = subscription.map(|delivery| {
        let event = Event::default().data(delivery.json.as_str());
        // Ephemeral events have no position: without an `id:` line, the client's last
        // event id stays that of the last stream event.
        Ok(if delivery.is_ephemeral() {
            event
        } else {
            event.id(delivery.seq.to_string())
        })
    });
    let stream = opened
        .chain(events)
        .take_until(async move { stop.cancelled_owned().await });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}
