//! Live streams over SSE: resume from the last event id, reconnect with backoff.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use ajet_core::Envelope;
use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use reqwest::Method;
use tokio::sync::mpsc;

use crate::client::{Client, api_error};
use crate::error::Error;

const MIN_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What a live stream yields.
#[derive(Debug)]
pub enum StreamItem {
    /// The stream is open (again): events follow.
    Connected,
    /// An event; its `id` is the position to resume after.
    Event(Box<Envelope>),
    /// The connection dropped; the stream reconnects after `retry_in`, resuming after the
    /// last event received.
    Disconnected { error: Error, retry_in: Duration },
    /// The server refused the stream (bad token, say); the stream ends after this.
    Failed(Error),
}

/// A live stream; dropping it closes the connection.
pub struct EventStream {
    rx: mpsc::Receiver<StreamItem>,
}

impl Stream for EventStream {
    type Item = StreamItem;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StreamItem>> {
        self.rx.poll_recv(cx)
    }
}

pub(crate) fn connect(client: Client, path: String, last_event_id: Option<u64>) -> EventStream {
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(run(client, path, last_event_id, tx));
    EventStream { rx }
}

async fn run(client: Client, path: String, mut last: Option<u64>, tx: mpsc::Sender<StreamItem>) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let error = match open(&client, &path, last).await {
            Ok(response) => {
                if tx.send(StreamItem::Connected).await.is_err() {
                    return;
                }
                let mut events = response.bytes_stream().eventsource();
                let mut error = Error::Decode("the server closed the stream".into());
                while let Some(item) = events.next().await {
                    match item {
                        Ok(event) => {
                            let Some(envelope) = parse(&event.id, &event.data) else {
                                continue;
                            };
                            backoff = MIN_BACKOFF;
                            if let Some(id) = envelope.id {
                                last = Some(id);
                            }
                            if tx
                                .send(StreamItem::Event(Box::new(envelope)))
                                .await
                                .is_err()
                            {
                                return;
                            }
                        }
                        Err(err) => {
                            error = Error::Decode(err.to_string());
                            break;
                        }
                    }
                }
                error
            }
            Err(err) if !err.is_transient() => {
                let _ = tx.send(StreamItem::Failed(err)).await;
                return;
            }
            Err(err) => err,
        };
        let retry_in = backoff;
        if tx
            .send(StreamItem::Disconnected { error, retry_in })
            .await
            .is_err()
        {
            return;
        }
        tokio::time::sleep(retry_in).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn open(client: &Client, path: &str, last: Option<u64>) -> Result<reqwest::Response, Error> {
    let mut request = client
        .request(Method::GET, path)
        .header(reqwest::header::ACCEPT, "text/event-stream");
    if let Some(id) = last {
        request = request.header("Last-Event-ID", id.to_string());
    }
    let response = request.send().await.map_err(Error::Transport)?;
    let status = response.status();
    if status.is_success() {
        Ok(response)
    } else {
        let bytes = response.bytes().await.map_err(Error::Transport)?;
        Err(api_error(status, &bytes))
    }
}

/// An SSE event's data as an envelope, its id taken from the SSE `id:` when the data has
/// none. Comments and keep-alives have no data and yield nothing.
fn parse(id: &str, data: &str) -> Option<Envelope> {
    if data.is_empty() {
        return None;
    }
    let mut envelope: Envelope = serde_json::from_str(data)
        .map_err(|err| tracing::warn!(error = %err, "ignoring an event that is not an envelope"))
        .ok()?;
    if envelope.id.is_none() {
        envelope.id = id.parse().ok();
    }
    Some(envelope)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use ajet_core::{Envelope, EventData};

    #[test]
    fn the_sse_id_fills_a_missing_envelope_id() {
        let env = Envelope::reload("too old");
        let data = serde_json::to_string(&env).unwrap();
        let parsed = parse("42", &data).unwrap();
        assert_eq!(parsed.id, Some(42));
        assert!(matches!(parsed.data, EventData::Reload { .. }));
        assert!(parse("", "").is_none());
        assert!(parse("1", "not json").is_none());
    }
}
