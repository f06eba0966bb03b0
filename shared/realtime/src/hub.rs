//! The hub: one stream reader, many connections.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ajet_bus::{EventBus, StoredEvent};
use ajet_core::subjects::{self, Route};
use ajet_core::{ChannelId, CommunityId, Envelope, UserId};
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;

/// Events a connection may have queued before it counts as too slow and is dropped.
const CONNECTION_BUFFER: usize = 1024;

/// What an event is about, and what a connection is entitled to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// Events of one channel or DM.
    Channel(ChannelId),
    /// Community-wide events that concern no single channel.
    Community(CommunityId),
    /// Notifications addressed to one user.
    User(UserId),
}

/// One event as sent to connections: parsed once, serialised once, shared by all.
///
/// The JSON is the published envelope with `id` added, untouched otherwise, so that event
/// types and fields this build does not know still reach the clients that do.
#[derive(Debug)]
pub struct Delivery {
    /// Position in the stream: the SSE id.
    pub seq: u64,
    pub channel_id: Option<ChannelId>,
    pub community_id: Option<CommunityId>,
    /// The envelope as JSON, with `id` set.
    pub json: String,
    /// The trace context the event was published with.
    pub traceparent: Option<String>,
    /// For a notification: the user it is addressed to.
    pub recipient: Option<UserId>,
}

type ConnId = u64;

struct Connection {
    tx: mpsc::Sender<Arc<Delivery>>,
    keys: Vec<Key>,
}

#[derive(Default)]
struct Routing {
    /// The last stream position fanned out.
    head: u64,
    next_id: ConnId,
    connections: HashMap<ConnId, Connection>,
    by_key: HashMap<Key, HashSet<ConnId>>,
}

struct Inner {
    bus: Arc<dyn EventBus>,
    routing: Mutex<Routing>,
    /// Becomes true once the hub knows where the stream stands.
    started: watch::Sender<bool>,
}

/// The process's fan-out point. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl Hub {
    /// Starts following the stream from its current end.
    pub fn start(bus: Arc<dyn EventBus>) -> Self {
        let hub = Self {
            inner: Arc::new(Inner {
                bus,
                routing: Mutex::default(),
                started: watch::channel(false).0,
            }),
        };
        tokio::spawn(hub.clone().follow());
        hub
    }

    /// Whether the hub is following the stream.
    pub fn is_ready(&self) -> bool {
        *self.inner.started.borrow() && self.inner.bus.is_connected()
    }

    /// How many connections are registered.
    pub fn connections(&self) -> usize {
        self.routing().connections.len()
    }

    fn routing(&self) -> MutexGuard<'_, Routing> {
        self.inner
            .routing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the stream for ever: from its end at start, then on from the last position
    /// seen whenever the reader has to be re-made.
    async fn follow(self) {
        let bus = self.inner.bus.clone();
        let head = loop {
            match bus.bounds().await {
                Ok(bounds) => break bounds.last,
                Err(err) => {
                    tracing::warn!(error = %err, "event stream unavailable; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        self.routing().head = head;
        self.inner.started.send_replace(true);
        tracing::info!(head, "following the event stream");
        loop {
            let from = self.routing().head + 1;
            match bus.durable_from(from).await {
                Ok(mut events) => {
                    while let Some(item) = events.next().await {
                        match item {
                            Ok(event) => self.fan_out(event),
                            Err(err) => tracing::warn!(error = %err, "event stream error"),
                        }
                    }
                    tracing::warn!("event stream ended; following again");
                }
                Err(err) => tracing::warn!(error = %err, "cannot follow the event stream"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    fn fan_out(&self, event: StoredEvent) {
        let Some(delivery) = decode(event) else {
            return;
        };
        let keys = keys_of(&delivery);
        let mut routing = self.routing();
        if delivery.seq <= routing.head {
            return;
        }
        routing.head = delivery.seq;
        let targets: HashSet<ConnId> = keys
            .iter()
            .filter_map(|k| routing.by_key.get(k))
            .flatten()
            .copied()
            .collect();
        if targets.is_empty() {
            return;
        }
        let delivery = Arc::new(delivery);
        let mut slow = Vec::new();
        for id in targets {
            if let Some(conn) = routing.connections.get(&id)
                && conn.tx.try_send(delivery.clone()).is_err()
            {
                slow.push(id);
            }
        }
        for id in slow {
            tracing::info!(connection = id, "dropping a connection that cannot keep up");
            remove(&mut routing, id);
        }
    }

    /// Registers a connection entitled to `keys`. With `resume`, the events after that
    /// position are replayed first (or a reload event when the stream no longer has them).
    pub async fn subscribe(&self, keys: Vec<Key>, resume: Option<u64>) -> Subscription {
        let mut started = self.inner.started.subscribe();
        // Waiting only matters in the first moments of a process.
        let _ = started.wait_for(|s| *s).await;
        let (tx, rx) = mpsc::channel(CONNECTION_BUFFER);
        let (id, head) = {
            let mut routing = self.routing();
            let id = routing.next_id;
            routing.next_id += 1;
            for key in &keys {
                routing.by_key.entry(*key).or_default().insert(id);
            }
            routing.connections.insert(
                id,
                Connection {
                    tx,
                    keys: keys.clone(),
                },
            );
            (id, routing.head)
        };
        let replay = match resume {
            Some(last) if last < head => self.replay(keys, last, head).await,
            _ => futures::stream::empty().boxed(),
        };
        let after = resume.unwrap_or(0);
        let live = ReceiverStream::new(rx);
        let events = replay
            .chain(live)
            .scan(after, |last, delivery: Arc<Delivery>| {
                // Replay and live meet at `head`; this keeps every position once, in order.
                let fresh = delivery.seq > *last;
                if fresh {
                    *last = delivery.seq;
                }
                futures::future::ready(Some(fresh.then_some(delivery)))
            })
            .filter_map(futures::future::ready)
            .boxed();
        Subscription {
            events,
            _guard: Guard {
                hub: self.clone(),
                id,
            },
        }
    }

    /// The events in `(last, head]` that `keys` are entitled to, from the stream.
    async fn replay(
        &self,
        keys: Vec<Key>,
        last: u64,
        head: u64,
    ) -> BoxStream<'static, Arc<Delivery>> {
        let bus = self.inner.bus.clone();
        match bus.bounds().await {
            Ok(bounds) if last + 1 < bounds.first => {
                let mut envelope = Envelope::reload(
                    "the events since your last visit are no longer kept; reload to catch up",
                );
                // The reload takes the position it replaces, so the client resumes from here.
                envelope.id = Some(head);
                let json = serde_json::to_string(&envelope).unwrap_or_default();
                let delivery = Delivery {
                    seq: head,
                    channel_id: None,
                    community_id: None,
                    json,
                    traceparent: None,
                    recipient: None,
                };
                return futures::stream::once(async move { Arc::new(delivery) }).boxed();
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "cannot read the stream bounds for a replay"),
        }
        let wanted: HashSet<Key> = keys.into_iter().collect();
        match bus.durable_from(last + 1).await {
            Ok(events) => events
                .filter_map(|item| futures::future::ready(item.ok()))
                .take_while(move |event| futures::future::ready(event.seq <= head))
                .filter_map(move |event| {
                    let delivery = decode(event)
                        .filter(|d| keys_of(d).iter().any(|k| wanted.contains(k)))
                        .map(Arc::new);
                    futures::future::ready(delivery)
                })
                .boxed(),
            Err(err) => {
                tracing::warn!(error = %err, "cannot replay missed events");
                futures::stream::empty().boxed()
            }
        }
    }

    fn unsubscribe(&self, id: ConnId) {
        remove(&mut self.routing(), id);
    }
}

fn remove(routing: &mut Routing, id: ConnId) {
    if let Some(conn) = routing.connections.remove(&id) {
        for key in conn.keys {
            if let Some(set) = routing.by_key.get_mut(&key) {
                set.remove(&id);
                if set.is_empty() {
                    routing.by_key.remove(&key);
                }
            }
        }
    }
}

fn decode(event: StoredEvent) -> Option<Delivery> {
    let Ok(mut map) = serde_json::from_slice::<Map<String, Value>>(&event.payload) else {
        tracing::warn!(seq = event.seq, "skipping an event that is not an envelope");
        return None;
    };
    let id = |field: &str| {
        map.get(field)
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
    };
    let (channel_id, community_id) = (
        id("channel_id").map(ChannelId),
        id("community_id").map(CommunityId),
    );
    map.insert("id".into(), event.seq.into());
    let json = serde_json::to_string(&map).ok()?;
    // Notifications are routed by their subject, which names the user they are for.
    let recipient = match subjects::parse(&event.subject) {
        Some(Route::Notifications(user)) => Some(user),
        _ => None,
    };
    Some(Delivery {
        seq: event.seq,
        channel_id,
        community_id,
        json,
        traceparent: event.trace.traceparent,
        recipient,
    })
}

/// The keys an event is routed by.
fn keys_of(delivery: &Delivery) -> Vec<Key> {
    match (
        delivery.recipient,
        delivery.channel_id,
        delivery.community_id,
    ) {
        (Some(user), _, _) => vec![Key::User(user)],
        (None, Some(channel), _) => vec![Key::Channel(channel)],
        (None, None, Some(community)) => vec![Key::Community(community)],
        (None, None, None) => Vec::new(),
    }
}

/// A registered connection's events; dropping it unregisters the connection.
pub struct Subscription {
    events: BoxStream<'static, Arc<Delivery>>,
    _guard: Guard,
}

struct Guard {
    hub: Hub,
    id: ConnId,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.hub.unsubscribe(self.id);
    }
}

impl Stream for Subscription {
    type Item = Arc<Delivery>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.events.poll_next_unpin(cx)
    }
}
