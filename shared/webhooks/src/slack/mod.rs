//! Slack-compatible messages: `text` in mrkdwn, per-message `username`, `icon_url`,
//! `icon_emoji` and `channel`, legacy `attachments` (as cards) and Block Kit `blocks`.
//! Mattermost, Rocket.Chat, GitLab, Jenkins and GitHub Actions' Slack steps send this shape.

mod attachments;
mod blocks;

use serde::Deserialize;
use serde_json::Value;

use crate::detect::Body;
use crate::{Format, Overrides, Rendered, WebhookError, WebhookMessage, mrkdwn, text};

/// Most attachments rendered.
const MAX_ATTACHMENTS: usize = 20;

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    text: Option<String>,
    /// `false` turns mrkdwn formatting off for `text`.
    #[serde(default)]
    mrkdwn: Option<bool>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    icon_url: Option<String>,
    #[serde(default)]
    icon_emoji: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    attachments: Option<Vec<attachments::Attachment>>,
    #[serde(default)]
    blocks: Option<Vec<Value>>,
}

/// A short plain-text override, or `None` when it is empty.
fn short(s: Option<String>, max: usize) -> Option<String> {
    s.map(|s| text::truncate(s.trim(), max))
        .filter(|s| !s.is_empty() && !s.chars().any(char::is_control))
}

pub(crate) fn render(body: &Body) -> Result<Rendered, WebhookError> {
    let msg = match body {
        Body::Text(t) => Message {
            text: Some(t.clone()),
            mrkdwn: None,
            username: None,
            icon_url: None,
            icon_emoji: None,
            channel: None,
            attachments: None,
            blocks: None,
        },
        Body::Json(v) => Message::deserialize(v)
            .map_err(|e| WebhookError::invalid(Format::Slack, "message", &e))?,
    };

    // Slack shows blocks instead of `text` (then only the notification's fallback).
    let from_blocks = msg
        .blocks
        .as_deref()
        .map(blocks::render)
        .filter(|md| !md.trim().is_empty());
    let lead = match from_blocks {
        Some(md) => md,
        None => msg
            .text
            .as_deref()
            .map(|t| mrkdwn::translate(t, msg.mrkdwn != Some(false)))
            .unwrap_or_default(),
    };

    let all = msg.attachments.unwrap_or_default();
    let mut cards = Vec::new();
    let mut card_md = Vec::new();
    for a in all.iter().take(MAX_ATTACHMENTS) {
        if let Some((card, md)) = attachments::render(a) {
            cards.push(card);
            card_md.push(md);
        }
    }
    if all.len() > MAX_ATTACHMENTS {
        card_md.push(text::ELLIPSIS.to_owned());
    }
    if lead.trim().is_empty() && card_md.is_empty() {
        return Err(WebhookError::NothingToShow(Format::Slack));
    }
    let lead = text::bound_body(&lead);
    let body = text::bound_body(
        &std::iter::once(lead.clone())
            .chain(card_md)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n"),
    );
    let overrides = Overrides {
        username: short(msg.username, 80),
        icon_url: msg.icon_url.as_deref().and_then(text::safe_http_url),
        icon_emoji: short(msg.icon_emoji, 64).filter(|e| {
            e.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '+'))
        }),
        channel: short(msg.channel, 80),
    };
    Ok(Rendered::post(
        "message",
        None,
        WebhookMessage {
            body,
            text: lead,
            cards,
            overrides,
        },
    ))
}
