//! [`EventBus`] over NATS: JetStream for durable events, core NATS for signals.

use std::time::Duration;

use ajet_core::{EventId, subjects};
use async_nats::jetstream::{self, consumer, stream};
use async_nats::{ConnectOptions, HeaderMap};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};

use crate::{
    AckFuture, BusError, EventBus, Result, Signal, StoredEvent, StreamBounds, TraceHeaders,
};

const TRACEPARENT: &str = "traceparent";

/// How long the stream keeps events, and how long it remembers event ids for
/// de-duplication.
#[derive(Clone, Copy, Debug)]
pub struct StreamSettings {
    /// Clients away longer than this are told to reload instead of being replayed.
    pub max_age: Duration,
    /// A relay that re-publishes an event within this window stores nothing twice.
    pub duplicate_window: Duration,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(3600),
        }
    }
}

/// A connection to NATS, shared by everything in a process.
#[derive(Clone, Debug)]
pub struct NatsBus {
    client: async_nats::Client,
    js: jetstream::Context,
    settings: StreamSettings,
}

impl NatsBus {
    /// Connects to `url`. The connection is made in the background and re-made whenever it
    /// drops, so a service starts (and reports itself not ready) while NATS is down.
    pub async fn connect(url: &str, name: &str, settings: StreamSettings) -> Result<Self> {
        let client = ConnectOptions::new()
            .name(name)
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(2))
            .max_reconnects(None)
            .connect(url)
            .await
            .map_err(|err| BusError::Unavailable(err.to_string()))?;
        let js = jetstream::new(client.clone());
        Ok(Self {
            client,
            js,
            settings,
        })
    }

    /// The underlying client, for what the trait does not cover.
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// Creates the durable stream, or updates its settings when it exists.
    pub async fn ensure_stream(&self) -> Result<()> {
        let settings = self.settings;
        let config = stream::Config {
            name: subjects::STREAM.to_owned(),
            subjects: subjects::STREAM_SUBJECTS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            storage: stream::StorageType::File,
            retention: stream::RetentionPolicy::Limits,
            max_age: settings.max_age,
            duplicate_window: settings.duplicate_window,
            ..Default::default()
        };
        self.js
            .create_or_update_stream(config)
            .await
            .map(|_| ())
            .map_err(|err| BusError::Unavailable(err.to_string()))
    }
}

impl EventBus for NatsBus {
    fn prepare(&self) -> BoxFuture<'_, Result<()>> {
        self.ensure_stream().boxed()
    }

    fn send_durable(
        &self,
        subject: String,
        event_id: EventId,
        payload: Bytes,
        trace: TraceHeaders,
    ) -> BoxFuture<'_, Result<AckFuture>> {
        async move {
            let mut headers = HeaderMap::new();
            headers.insert(
                async_nats::header::NATS_MESSAGE_ID,
                event_id.to_string().as_str(),
            );
            if let Some(tp) = &trace.traceparent {
                headers.insert(TRACEPARENT, tp.as_str());
            }
            let ack = self
                .js
                .publish_with_headers(subject, headers, payload)
                .await
                .map_err(|err| BusError::Unavailable(err.to_string()))?;
            let ack: AckFuture = async move {
                ack.await
                    .map(|ack| ack.sequence)
                    .map_err(|err| BusError::Unavailable(err.to_string()))
            }
            .boxed();
            Ok(ack)
        }
        .boxed()
    }

    fn durable_from(
        &self,
        start: u64,
    ) -> BoxFuture<'_, Result<BoxStream<'static, Result<StoredEvent>>>> {
        async move {
            let stream = self
                .js
                .get_stream(subjects::STREAM)
                .await
                .map_err(|err| BusError::Unavailable(err.to_string()))?;
            let deliver_policy = if start <= 1 {
                consumer::DeliverPolicy::All
            } else {
                consumer::DeliverPolicy::ByStartSequence {
                    start_sequence: start,
                }
            };
            let messages = stream
                .create_consumer(consumer::push::OrderedConfig {
                    deliver_subject: self.client.new_inbox(),
                    deliver_policy,
                    ..Default::default()
                })
                .await
                .map_err(|err| BusError::Unavailable(err.to_string()))?
                .messages()
                .await
                .map_err(|err| BusError::Unavailable(err.to_string()))?;
            let events = messages.map(|item| {
                let message = item.map_err(|err| BusError::Unavailable(err.to_string()))?;
                let info = message
                    .info()
                    .map_err(|err| BusError::Refused(err.to_string()))?;
                let traceparent = message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(TRACEPARENT))
                    .map(|v| v.as_str().to_owned());
                Ok(StoredEvent {
                    seq: info.stream_sequence,
                    subject: message.subject.to_string(),
                    payload: message.payload.clone(),
                    trace: TraceHeaders { traceparent },
                })
            });
            Ok(events.boxed())
        }
        .boxed()
    }

    fn bounds(&self) -> BoxFuture<'_, Result<StreamBounds>> {
        async move {
            let mut stream = self
                .js
                .get_stream(subjects::STREAM)
                .await
                .map_err(|err| BusError::Unavailable(err.to_string()))?;
            let info = stream
                .info()
                .await
                .map_err(|err| BusError::Unavailable(err.to_string()))?;
            Ok(StreamBounds {
                first: info.state.first_sequence,
                last: info.state.last_sequence,
            })
        }
        .boxed()
    }

    fn publish_signal(&self, subject: String, payload: Bytes) -> BoxFuture<'_, Result<()>> {
        async move {
            self.client
                .publish(subject, payload)
                .await
                .map_err(|err| BusError::Unavailable(err.to_string()))
        }
        .boxed()
    }

    fn signals(&self, subject: String) -> BoxFuture<'_, Result<BoxStream<'static, Signal>>> {
        async move {
            let sub = self
                .client
                .subscribe(subject)
                .await
                .map_err(|err| BusError::Unavailable(err.to_string()))?;
            Ok(sub
                .map(|m| Signal {
                    subject: m.subject.to_string(),
                    payload: m.payload,
                })
                .boxed())
        }
        .boxed()
    }

    fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }
}
