//! One registered connection's events: `hello`, then what it missed, then the live flow.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use uuid::Uuid;

use super::Hub;
use super::decode::Delivery;
use super::routing::ConnectionId;

/// A registered connection's events; dropping it unregisters the connection.
pub struct Subscription {
    /// Names the connection in session signals (switching the viewed community).
    pub connection_id: Uuid,
    events: BoxStream<'static, Arc<Delivery>>,
    _registration: RegistrationGuard,
}

impl Subscription {
    /// `hello`, then the `replay` of what was missed after `resume`, then the `live`
    /// flow. Replay and live meet at the hub's position at registration: every stream
    /// position is passed on once, in order.
    pub(super) fn new(
        connection_id: Uuid,
        registration: RegistrationGuard,
        resume: Option<u64>,
        hello: Option<Delivery>,
        replay: BoxStream<'static, Arc<Delivery>>,
        live: impl Stream<Item = Arc<Delivery>> + Send + 'static,
    ) -> Self {
        let hello = futures::stream::iter(hello.map(Arc::new));
        let events = hello
            .chain(replay)
            .chain(live)
            .scan(resume.unwrap_or(0), |last, delivery: Arc<Delivery>| {
                if delivery.is_ephemeral() {
                    return futures::future::ready(Some(Some(delivery)));
                }
                let fresh = delivery.seq > *last;
                if fresh {
                    *last = delivery.seq;
                }
                futures::future::ready(Some(fresh.then_some(delivery)))
            })
            .filter_map(futures::future::ready)
            .boxed();
        Self {
            connection_id,
            events,
            _registration: registration,
        }
    }
}

impl Stream for Subscription {
    type Item = Arc<Delivery>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_next_unpin(cx)
    }
}

/// A connection's place in the hub's routing index, given up when dropped.
pub(super) struct RegistrationGuard {
    pub(super) hub: Hub,
    pub(super) id: ConnectionId,
}

impl Drop for RegistrationGuard {
    fn drop(&mut self) {
        self.hub.unregister(self.id);
    }
}
