//! The outbox relay: publishes committed events to the bus, and never loses one.
//!
//! Handlers hand each event over right after commit ([`RelayHandle::committed`]), and the
//! relay publishes it at once — the fast path. Anything the fast path missed (the bus was
//! down, the queue was full, another instance died between commit and publish) is still in
//! the outbox table, and a periodic sweep publishes it, oldest first. The bus de-duplicates
//! on the event id, so publishing an event twice delivers it once.

use std::sync::Arc;
use std::time::Duration;

use ajet_bus::{EventBus, TraceHeaders};
use ajet_core::EventId;
use ajet_db::PgPool;
use ajet_db::outbox::{self, OutboxEvent};
use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{FuturesOrdered, StreamExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

/// Events on the fast path waiting for the relay; beyond this, the sweep takes over.
const QUEUE: usize = 4096;
/// Events sent to the bus and not yet acknowledged. Sends go out one after another, in
/// order, without waiting for each acknowledgement, so the relay keeps up with the api.
const IN_FLIGHT: usize = 1024;
/// How old an unpublished event must be before the sweep takes it, so that the sweep does
/// not race the fast path of a live instance.
const SWEEP_GRACE: chrono::Duration = chrono::Duration::seconds(2);
/// Events the sweep publishes per round.
const SWEEP_BATCH: i64 = 500;
/// How long published events stay in the outbox table.
const KEEP_PUBLISHED: chrono::Duration = chrono::Duration::days(7);

/// A committed event, ready to publish: its payload already serialised.
#[derive(Clone, Debug)]
pub struct Committed {
    pub event_id: EventId,
    pub subject: String,
    pub payload: Bytes,
    pub traceparent: Option<String>,
}

impl Committed {
    /// `event` as read back from the outbox; `None` (logged) if its payload cannot be
    /// encoded, which a JSON value always can.
    fn from_outbox(event: &OutboxEvent) -> Option<Self> {
        match serde_json::to_vec(&event.payload.0) {
            Ok(payload) => Some(Self {
                event_id: event.event_id,
                subject: event.subject.clone(),
                payload: payload.into(),
                traceparent: event.traceparent.clone(),
            }),
            Err(err) => {
                tracing::error!(error = %err, event.id = %event.event_id, "unencodable event");
                None
            }
        }
    }
}

impl From<OutboxEvent> for Committed {
    fn from(event: OutboxEvent) -> Self {
        Self::from_outbox(&event).unwrap_or_else(|| Self {
            event_id: event.event_id,
            subject: event.subject,
            payload: Bytes::new(),
            traceparent: event.traceparent,
        })
    }
}

/// Hands committed events to the relay. Cheap to clone.
#[derive(Clone)]
pub struct RelayHandle {
    tx: mpsc::Sender<Committed>,
}

impl RelayHandle {
    /// Called after the transaction that wrote `event` committed. Never blocks: when the
    /// queue is full, the sweep publishes the event instead.
    pub fn committed(&self, event: Committed) {
        if self.tx.try_send(event).is_err() {
            tracing::debug!("relay queue full; the sweep will publish the event");
        }
    }
}

/// How often the relay does its periodic work.
#[derive(Clone, Copy, Debug)]
pub struct RelayTimings {
    pub sweep_every: Duration,
    pub flush_every: Duration,
}

impl Default for RelayTimings {
    fn default() -> Self {
        Self {
            sweep_every: Duration::from_millis(1000),
            flush_every: Duration::from_millis(100),
        }
    }
}

/// Starts the relay; it runs until `stop` is cancelled.
pub fn spawn(
    db: PgPool,
    bus: Arc<dyn EventBus>,
    timings: RelayTimings,
    stop: CancellationToken,
) -> (RelayHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(QUEUE);
    let relay = Relay {
        db,
        bus,
        rx,
        backlog: true,
        published: Vec::new(),
        in_flight: FuturesOrdered::new(),
    };
    let task = tokio::spawn(relay.run(timings, stop));
    (RelayHandle { tx }, task)
}

struct Relay {
    db: PgPool,
    bus: Arc<dyn EventBus>,
    rx: mpsc::Receiver<Committed>,
    /// Set when a publish failed (or at start): the fast path stands aside until a sweep
    /// has published everything pending, so that events go out oldest first.
    backlog: bool,
    /// Published but not yet marked in the table.
    published: Vec<(EventId, u64)>,
    /// Sent, waiting for the bus's acknowledgement, oldest first.
    in_flight: FuturesOrdered<BoxFuture<'static, (EventId, ajet_bus::Result<u64>)>>,
}

impl Relay {
    async fn run(mut self, timings: RelayTimings, stop: CancellationToken) {
        let mut sweep = tokio::time::interval(timings.sweep_every);
        sweep.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut flush = tokio::time::interval(timings.flush_every);
        flush.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut next_prune = Instant::now();
        loop {
            let awaiting_acks = !self.in_flight.is_empty();
            tokio::select! {
                () = stop.cancelled() => break,
                Some(event) = self.rx.recv() => {
                    if !self.backlog {
                        self.send(&event).await;
                    }
                }
                Some((event_id, acked)) = self.in_flight.next(), if awaiting_acks => {
                    self.acknowledged(event_id, acked).await;
                }
                _ = flush.tick() => self.flush().await,
                _ = sweep.tick() => {
                    self.flush().await;
                    self.sweep().await;
                    if Instant::now() >= next_prune {
                        Self::prune(self.db.clone()).await;
                        next_prune = Instant::now() + Duration::from_secs(3600);
                    }
                }
            }
        }
        // Publish what was handed over before stopping; the sweep of the next start would
        // otherwise pick it up seconds later.
        while let Ok(event) = self.rx.try_recv() {
            if self.backlog {
                break;
            }
            self.send(&event).await;
        }
        self.settle().await;
        self.flush().await;
    }

    /// Sends `event` to the bus and adds its acknowledgement to those in flight; false
    /// when the bus refused it (the relay then falls back to the outbox).
    async fn send(&mut self, event: &Committed) -> bool {
        if event.payload.is_empty() {
            return false;
        }
        let trace = TraceHeaders {
            traceparent: event.traceparent.clone(),
        };
        match self
            .bus
            .send_durable(
                event.subject.clone(),
                event.event_id,
                event.payload.clone(),
                trace,
            )
            .await
        {
            Ok(ack) => {
                let event_id = event.event_id;
                self.in_flight
                    .push_back(async move { (event_id, ack.await) }.boxed());
                if self.in_flight.len() >= IN_FLIGHT
                    && let Some((event_id, acked)) = self.in_flight.next().await
                {
                    self.acknowledged(event_id, acked).await;
                }
                true
            }
            Err(err) => {
                self.failed(&err);
                false
            }
        }
    }

    async fn acknowledged(&mut self, event_id: EventId, acked: ajet_bus::Result<u64>) {
        match acked {
            Ok(seq) => {
                self.published.push((event_id, seq));
                if self.published.len() >= 256 {
                    self.flush().await;
                }
            }
            Err(err) => self.failed(&err),
        }
    }

    fn failed(&mut self, err: &ajet_bus::BusError) {
        if !self.backlog {
            tracing::warn!(error = %err, "publishing failed; events wait in the outbox");
        }
        self.backlog = true;
    }

    /// Waits for every acknowledgement in flight.
    async fn settle(&mut self) {
        while let Some((event_id, acked)) = self.in_flight.next().await {
            self.acknowledged(event_id, acked).await;
        }
    }

    async fn flush(&mut self) {
        if self.published.is_empty() {
            return;
        }
        let result = async {
            let mut conn = self.db.acquire().await?;
            outbox::mark_published(&mut conn, &self.published).await
        }
        .await;
        match result {
            Ok(()) => self.published.clear(),
            // Kept for the next flush; meanwhile a sweep may publish them again, which the
            // bus de-duplicates.
            Err(err) => tracing::warn!(error = %err, "could not mark events published"),
        }
    }

    /// Publishes pending events oldest first. In backlog mode everything pending is taken;
    /// otherwise only events older than the grace period (another instance's orphans).
    async fn sweep(&mut self) {
        let before = if self.backlog {
            chrono::Utc::now() + chrono::Duration::seconds(1)
        } else {
            chrono::Utc::now() - SWEEP_GRACE
        };
        if self.backlog && self.bus.prepare().await.is_err() {
            return;
        }
        loop {
            let pending = match Self::pending(self.db.clone(), before).await {
                Ok(pending) => pending,
                Err(err) => {
                    tracing::warn!(error = %err, "could not read the outbox");
                    return;
                }
            };
            let count = pending.len();
            for event in &pending {
                let Some(event) = Committed::from_outbox(event) else {
                    return;
                };
                if !self.send(&event).await {
                    return;
                }
            }
            // Every event of the round acknowledged (or the bus failed: try again later).
            let was_backlog = self.backlog;
            self.backlog = false;
            self.settle().await;
            let failed = self.backlog;
            self.backlog = was_backlog || failed;
            if failed {
                return;
            }
            self.flush().await;
            if count > 0 {
                tracing::info!(count, "published events from the outbox");
            }
            if count < SWEEP_BATCH as usize {
                break;
            }
        }
        if self.backlog {
            tracing::info!("outbox caught up; publishing directly again");
        }
        self.backlog = false;
    }

    /// Takes the pool rather than `&self`, so the relay's future stays `Send` (its
    /// acknowledgements in flight are not `Sync`).
    async fn pending(
        db: PgPool,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<OutboxEvent>, sqlx::Error> {
        let mut conn = db.acquire().await?;
        outbox::pending(&mut conn, before, SWEEP_BATCH).await
    }

    async fn prune(db: PgPool) {
        let result = async {
            let mut conn = db.acquire().await?;
            outbox::prune(&mut conn, chrono::Utc::now() - KEEP_PUBLISHED).await
        }
        .await;
        match result {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "pruned published events from the outbox"),
            Err(err) => tracing::warn!(error = %err, "could not prune the outbox"),
        }
    }
}
