//! How the browsers are sent each event: the envelope as JSON, as the terminal stream
//! sends it, plus — for a new or edited message — the HTML of its `<article>`, rendered
//! once here for every viewer of the event (`static/live.js` inserts it and marks what is
//! the viewer's own).

use std::sync::Arc;

use ajet_core::dto::MessageDto;
use ajet_realtime::frame::{EventToFrame, Framer, json_frame};
use bytes::Bytes;

use crate::render::Renderer;

/// The web session manager's [`Framer`].
pub struct PageFrames {
    renderer: Arc<Renderer>,
}

impl PageFrames {
    pub fn new(renderer: Arc<Renderer>) -> Self {
        Self { renderer }
    }

    /// The envelope's JSON with the message's `html` added; `None` when the event does
    /// not read as a message event (it is then sent as it came).
    fn with_html(&self, json: &str) -> Option<String> {
        let mut envelope: serde_json::Value = serde_json::from_str(json).ok()?;
        let data = envelope.get("data")?.clone();
        let message: MessageDto = serde_json::from_value(data).ok()?;
        let html = match self.renderer.message(&message) {
            Ok(html) => html,
            Err(err) => {
                tracing::error!(error = %err, "a message failed to render for the stream");
                return None;
            }
        };
        envelope
            .as_object_mut()?
            .insert("html".to_owned(), serde_json::Value::String(html));
        serde_json::to_string(&envelope).ok()
    }
}

impl Framer for PageFrames {
    fn frame(&self, event: &EventToFrame<'_>) -> Option<Bytes> {
        let rendered = match event.kind {
            "message.created" | "message.edited" => self.with_html(event.json),
            _ => None,
        };
        Some(json_frame(
            event.seq,
            rendered.as_deref().unwrap_or(event.json),
        ))
    }
}

#[cfg(test)]
mod tests {
    use ajet_core::{ChannelId, Envelope, EventData, MessageId, UserId};
    use chrono::Utc;

    use super::*;

    #[test]
    fn a_new_message_carries_its_sanitised_html_and_other_events_pass_as_they_are() {
        let frames = PageFrames::new(Arc::new(Renderer::new().unwrap()));
        let message = MessageDto {
            author_avatar_url: None,
            author_bot: false,
            attachments: Vec::new(),
            id: MessageId::new(),
            channel_id: ChannelId::new(),
            seq: 3,
            author_id: UserId::new(),
            author_username: "alice".into(),
            parent_id: None,
            body: "**hi** <script>alert(1)</script>".into(),
            created_at: Utc::now(),
            edited_at: None,
            deleted: false,
            reply_count: 0,
            last_reply_at: None,
            reply_participants: vec![],
            reactions: vec![],
            meta: None,
        };
        let envelope = Envelope::for_channel(
            None,
            message.channel_id,
            Some(message.author_id),
            EventData::MessageCreated(message.clone()),
        );
        let json = serde_json::to_string(&envelope).unwrap();
        let event = EventToFrame {
            seq: 9,
            kind: "message.created",
            json: &json,
        };
        let frame = String::from_utf8(frames.frame(&event).unwrap().to_vec()).unwrap();
        assert!(frame.starts_with("id: 9\ndata: {"));
        let data: serde_json::Value = serde_json::from_str(
            frame
                .lines()
                .nth(1)
                .unwrap()
                .strip_prefix("data: ")
                .unwrap(),
        )
        .unwrap();
        let html = data["html"].as_str().unwrap();
        assert!(html.contains(&format!("id=\"m-{}\"", message.id)));
        assert!(html.contains("<strong>hi</strong>"));
        assert!(!html.contains("<script"));
        // The envelope is still what the api published.
        let back: Envelope = serde_json::from_value(data).unwrap();
        assert_eq!(back, envelope);

        let typing = EventToFrame {
            seq: 0,
            kind: "typing",
            json: r#"{"type":"typing"}"#,
        };
        assert_eq!(
            &frames.frame(&typing).unwrap()[..],
            b"data: {\"type\":\"typing\"}\n\n"
        );
    }
}
