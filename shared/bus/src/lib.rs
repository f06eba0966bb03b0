//! The ajet-chat event bus.
//!
//! Durable events go to a JetStream stream, which gives each one its position in the
//! delivery order and de-duplicates on the event id; ephemeral signals (typing, presence)
//! use core NATS. [`EventBus`] is the seam: [`nats::NatsBus`] in every service,
//! [`memory::MemoryBus`] in unit tests of pure logic.

pub mod memory;
pub mod nats;

use ajet_core::EventId;
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::BoxStream;

/// The trace context carried in message headers, so that a request's trace id follows its
/// events across services.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceHeaders {
    pub traceparent: Option<String>,
}

/// A durable event read back from the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the stream: the event's resume id.
    pub seq: u64,
    pub subject: String,
    pub payload: Bytes,
    pub trace: TraceHeaders,
}

/// An ephemeral message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    pub subject: String,
    pub payload: Bytes,
}

/// The positions the stream currently holds: `first..=last` (empty when `first > last`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamBounds {
    pub first: u64,
    pub last: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("the event bus is unreachable: {0}")]
    Unavailable(String),
    #[error("the event bus refused the operation: {0}")]
    Refused(String),
}

pub type Result<T, E = BusError> = std::result::Result<T, E>;

/// The bus's acknowledgement of a durable event: its stream position.
pub type AckFuture = BoxFuture<'static, Result<u64>>;

/// Publishing and subscribing, durable and ephemeral.
pub trait EventBus: Send + Sync + 'static {
    /// Creates the durable storage when it is missing (after a bus lost its data, say).
    fn prepare(&self) -> BoxFuture<'_, Result<()>>;

    /// Sends a durable event and returns, without waiting for it, the bus's
    /// acknowledgement: its stream position. Events sent one after another are stored in
    /// that order, so a publisher may keep many acknowledgements outstanding. Sending the
    /// same `event_id` again within the de-duplication window stores nothing and is
    /// acknowledged with the first position.
    fn send_durable(
        &self,
        subject: String,
        event_id: EventId,
        payload: Bytes,
        trace: TraceHeaders,
    ) -> BoxFuture<'_, Result<AckFuture>>;

    /// Stores a durable event and waits for its stream position.
    fn publish_durable(
        &self,
        subject: String,
        event_id: EventId,
        payload: Bytes,
        trace: TraceHeaders,
    ) -> BoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            self.send_durable(subject, event_id, payload, trace)
                .await?
                .await
        })
    }

    /// Durable events from position `start` on, in order, then live ones as they arrive.
    fn durable_from(
        &self,
        start: u64,
    ) -> BoxFuture<'_, Result<BoxStream<'static, Result<StoredEvent>>>>;

    /// What the stream currently holds.
    fn bounds(&self) -> BoxFuture<'_, Result<StreamBounds>>;

    /// Publishes an ephemeral signal; nobody listening means it is gone.
    fn publish_signal(&self, subject: String, payload: Bytes) -> BoxFuture<'_, Result<()>>;

    /// Ephemeral signals on `subject` (wildcards allowed).
    fn signals(&self, subject: String) -> BoxFuture<'_, Result<BoxStream<'static, Signal>>>;

    /// Whether the bus is reachable now.
    fn is_connected(&self) -> bool;
}
