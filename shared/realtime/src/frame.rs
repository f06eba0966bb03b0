//! How a session manager's clients are sent an event: the SSE frame it becomes.
//!
//! The hub renders each event's frame once, as it reads the event, through the session
//! manager's [`Framer`], and every connection entitled to the event is sent those same
//! bytes. So whatever a framer does — serialise JSON, render HTML — it does once per
//! event, however many clients receive it; what differs between viewers (my own messages,
//! mentions of me) is for the client to draw from what the frame carries, or for a
//! per-connection step that this crate does not have.
//!
//! tui-sm sends the envelope as JSON ([`JsonFrames`]). web-sm can give the hub a framer of
//! its own that sends Datastar events instead, for example a `datastar-merge-fragments`
//! event holding the HTML of a new message:
//!
//! ```
//! use ajet_realtime::frame::{EventToFrame, Framer};
//! use bytes::Bytes;
//!
//! struct Fragments;
//!
//! impl Framer for Fragments {
//!     fn frame(&self, event: &EventToFrame<'_>) -> Option<Bytes> {
//!         let envelope = event.envelope()?;
//!         // … render `envelope` with the page's templates (escaped), once …
//!         let html = format!("<div id=\"{}\"></div>", envelope.event_id);
//!         let mut frame = String::from("event: datastar-merge-fragments\n");
//!         if !event.is_ephemeral() {
//!             frame.push_str(&format!("id: {}\n", event.seq));
//!         }
//!         frame.push_str(&format!("data: fragments {html}\n\n"));
//!         Some(Bytes::from(frame))
//!     }
//! }
//! ```

use std::fmt::Write as _;

use ajet_core::Envelope;
use bytes::Bytes;

/// One event, as the hub hands it to a [`Framer`].
#[derive(Clone, Copy, Debug)]
pub struct EventToFrame<'a> {
    /// Its position in the stream, which a reconnecting client resumes after: the SSE
    /// `id`. 0 for ephemeral events (typing, presence, `hello`), which have no position and
    /// are never replayed; their frame must carry no `id:`, or a client would resume from 0.
    pub seq: u64,
    /// Its `type` (`message.created`, …; empty when the event names none).
    pub kind: &'a str,
    /// The envelope as compact JSON, with `id` set to `seq` for stream events: exactly what
    /// was published otherwise, so event types and fields this build does not know are kept.
    pub json: &'a str,
}

impl EventToFrame<'_> {
    /// Whether the event is ephemeral: no position, never replayed.
    pub fn is_ephemeral(&self) -> bool {
        self.seq == 0
    }

    /// The envelope, typed; `None` if it does not read as one. Parses the JSON: call it
    /// once per frame.
    pub fn envelope(&self) -> Option<Envelope> {
        serde_json::from_str(self.json).ok()
    }
}

/// Renders each event as the SSE frame a session manager's clients are sent.
///
/// Called once per event that any connection of the process is entitled to (and once per
/// connection for the presence batches, which differ for each), on the task that reads
/// the stream: it should be quick and must not block.
pub trait Framer: Send + Sync + 'static {
    /// The complete SSE frame of `event` — one or more SSE events, each ending with a
    /// blank line — or `None` when this session manager's clients have no use for it. An
    /// event without a frame is sent to nobody, but still counts for resume and still
    /// changes memberships.
    fn frame(&self, event: &EventToFrame<'_>) -> Option<Bytes>;
}

/// The envelope as JSON on one `data:` line, after an `id:` line for stream events: the
/// frames of the terminal stream.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonFrames;

impl Framer for JsonFrames {
    fn frame(&self, event: &EventToFrame<'_>) -> Option<Bytes> {
        Some(json_frame(event.seq, event.json))
    }
}

/// The SSE frame of `json` at `seq` (0: ephemeral, no `id:`). Compact JSON holds no line
/// break (one inside a string is escaped), so it fits on one `data:` line.
pub fn json_frame(seq: u64, json: &str) -> Bytes {
    let mut frame = String::with_capacity(json.len() + 32);
    if seq != 0 {
        let _ = writeln!(frame, "id: {seq}");
    }
    frame.push_str("data: ");
    frame.push_str(json);
    frame.push_str("\n\n");
    Bytes::from(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_events_carry_their_id_and_ephemeral_ones_none() {
        let framed = |seq| {
            let event = EventToFrame {
                seq,
                kind: "typing",
                json: r#"{"type":"typing"}"#,
            };
            JsonFrames.frame(&event).unwrap()
        };
        assert_eq!(&framed(7)[..], b"id: 7\ndata: {\"type\":\"typing\"}\n\n");
        assert_eq!(&framed(0)[..], b"data: {\"type\":\"typing\"}\n\n");
    }

    #[test]
    fn the_envelope_reads_back_typed() {
        let envelope = Envelope::reload("r");
        let json = serde_json::to_string(&envelope).unwrap();
        let event = EventToFrame {
            seq: 0,
            kind: "reload",
            json: &json,
        };
        assert_eq!(event.envelope(), Some(envelope));
        let garbage = EventToFrame {
            json: "[1]",
            ..event
        };
        assert_eq!(garbage.envelope(), None);
    }
}
