//! An in-memory [`EventBus`] for unit tests of pure logic. Integration tests use NATS.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ajet_core::EventId;
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use tokio::sync::broadcast;
use tokio_stream_shim::broadcast_stream;

use crate::{
    AckFuture, BusError, EventBus, Result, Signal, StoredEvent, StreamBounds, TraceHeaders,
};

#[derive(Default)]
struct State {
    events: Vec<StoredEvent>,
    seen: HashMap<EventId, u64>,
}

/// A bus that lives in one process: a vector for the stream, broadcast channels for live.
#[derive(Clone)]
pub struct MemoryBus {
    state: Arc<Mutex<State>>,
    live: broadcast::Sender<StoredEvent>,
    signals: broadcast::Sender<Signal>,
}

impl Default for MemoryBus {
    fn default() -> Self {
        Self {
            state: Arc::default(),
            live: broadcast::channel(1024).0,
            signals: broadcast::channel(1024).0,
        }
    }
}

impl MemoryBus {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl EventBus for MemoryBus {
    fn prepare(&self) -> BoxFuture<'_, Result<()>> {
        futures::future::ready(Ok(())).boxed()
    }

    fn send_durable(
        &self,
        subject: String,
        event_id: EventId,
        payload: Bytes,
        trace: TraceHeaders,
    ) -> BoxFuture<'_, Result<AckFuture>> {
        let mut state = self.lock();
        if let Some(seq) = state.seen.get(&event_id) {
            let ack: AckFuture = futures::future::ready(Ok(*seq)).boxed();
            return futures::future::ready(Ok(ack)).boxed();
        }
        let seq = state.events.len() as u64 + 1;
        let event = StoredEvent {
            seq,
            subject,
            payload,
            trace,
        };
        state.events.push(event.clone());
        state.seen.insert(event_id, seq);
        // Nobody listening is fine: the event is stored.
        let _ = self.live.send(event);
        let ack: AckFuture = futures::future::ready(Ok(seq)).boxed();
        futures::future::ready(Ok(ack)).boxed()
    }

    fn durable_from(
        &self,
        start: u64,
    ) -> BoxFuture<'_, Result<BoxStream<'static, Result<StoredEvent>>>> {
        let state = self.lock();
        // Subscribe while holding the lock, so nothing falls between replay and live.
        let live = self.live.subscribe();
        let stored: Vec<_> = state
            .events
            .iter()
            .filter(|e| e.seq >= start)
            .cloned()
            .map(Ok)
            .collect();
        let last = state.events.len() as u64;
        drop(state);
        let live = broadcast_stream(live).filter_map(move |e| {
            futures::future::ready(match e {
                Some(e) if e.seq > last => Some(Ok(e)),
                Some(_) => None,
                None => Some(Err(BusError::Unavailable("lagged".into()))),
            })
        });
        futures::future::ready(Ok(futures::stream::iter(stored).chain(live).boxed())).boxed()
    }

    fn bounds(&self) -> BoxFuture<'_, Result<StreamBounds>> {
        let last = self.lock().events.len() as u64;
        futures::future::ready(Ok(StreamBounds { first: 1, last })).boxed()
    }

    fn publish_signal(&self, subject: String, payload: Bytes) -> BoxFuture<'_, Result<()>> {
        let _ = self.signals.send(Signal { subject, payload });
        futures::future::ready(Ok(())).boxed()
    }

    fn signals(&self, subject: String) -> BoxFuture<'_, Result<BoxStream<'static, Signal>>> {
        let prefix = subject.trim_end_matches('>').to_owned();
        let exact = !subject.ends_with('>');
        let stream = broadcast_stream(self.signals.subscribe()).filter_map(move |s| {
            futures::future::ready(s.filter(|s| {
                if exact {
                    s.subject == subject
                } else {
                    s.subject.starts_with(&prefix)
                }
            }))
        });
        futures::future::ready(Ok(stream.boxed())).boxed()
    }

    fn is_connected(&self) -> bool {
        true
    }
}

mod tokio_stream_shim {
    //! A broadcast receiver as a stream; `None` items mark lag.
    use futures::Stream;
    use tokio::sync::broadcast;

    pub fn broadcast_stream<T: Clone + Send + 'static>(
        rx: broadcast::Receiver<T>,
    ) -> impl Stream<Item = Option<T>> + Send + 'static {
        futures::stream::unfold(rx, |mut rx| async move {
            match rx.recv().await {
                Ok(v) => Some((Some(v), rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => Some((None, rx)),
                Err(broadcast::error::RecvError::Closed) => None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replays_then_goes_live_without_gaps_or_duplicates() {
        let bus = MemoryBus::default();
        let id = EventId::new();
        let s1 = bus
            .publish_durable(
                "chat.dm.x".into(),
                id,
                Bytes::from("1"),
                TraceHeaders::default(),
            )
            .await
            .unwrap();
        let again = bus
            .publish_durable(
                "chat.dm.x".into(),
                id,
                Bytes::from("1"),
                TraceHeaders::default(),
            )
            .await
            .unwrap();
        assert_eq!(s1, again, "the same event id is stored once");
        let mut stream = bus.durable_from(1).await.unwrap();
        bus.publish_durable(
            "chat.dm.x".into(),
            EventId::new(),
            Bytes::from("2"),
            TraceHeaders::default(),
        )
        .await
        .unwrap();
        let a = stream.next().await.unwrap().unwrap();
        let b = stream.next().await.unwrap().unwrap();
        assert_eq!((a.seq, b.seq), (1, 2));
        assert_eq!(
            bus.bounds().await.unwrap(),
            StreamBounds { first: 1, last: 2 }
        );
    }
}
