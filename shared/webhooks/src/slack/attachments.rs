//! Slack's legacy message attachments, as a [`Card`] and as the markdown the body carries for
//! clients that do not draw cards.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::{Card, CardField, mrkdwn, text};

/// Most fields rendered per attachment.
const MAX_FIELDS: usize = 20;
/// Longest attachment text and field value, in characters.
const MAX_TEXT: usize = 4_000;
const MAX_VALUE: usize = 1_000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Attachment {
    fallback: Option<String>,
    color: Option<String>,
    pretext: Option<String>,
    author_name: Option<String>,
    author_link: Option<String>,
    author_icon: Option<String>,
    title: Option<String>,
    title_link: Option<String>,
    text: Option<String>,
    fields: Option<Vec<Field>>,
    image_url: Option<String>,
    thumb_url: Option<String>,
    footer: Option<String>,
    footer_icon: Option<String>,
    /// Seconds since the epoch, as a number or a string.
    ts: Option<Value>,
    /// Which of `text`, `pretext` and `fields` are formatted; all of them when absent.
    mrkdwn_in: Option<Vec<String>>,
    blocks: Option<Vec<Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Field {
    title: Option<String>,
    /// Usually a string; numbers and booleans are shown as written.
    value: Option<Value>,
    short: bool,
}

/// Slack's named colours and `#rgb` / `#rrggbb` as `#rrggbb`.
pub(crate) fn color(c: &str) -> Option<String> {
    let c = c.trim();
    let named = match c {
        "good" => Some("#2eb886"),
        "warning" => Some("#daa038"),
        "danger" => Some("#a30200"),
        _ => None,
    };
    if let Some(n) = named {
        return Some(n.to_owned());
    }
    let hex = c.strip_prefix('#').unwrap_or(c);
    if !hex.chars().all(|ch| ch.is_ascii_hexdigit()) {
        return None;
    }
    match hex.len() {
        6 => Some(format!("#{}", hex.to_ascii_lowercase())),
        3 => Some(
            hex.chars()
                .flat_map(|ch| [ch, ch])
                .fold("#".to_owned(), |mut s, ch| {
                    s.push(ch.to_ascii_lowercase());
                    s
                }),
        ),
        _ => None,
    }
}

fn timestamp(ts: &Value) -> Option<DateTime<Utc>> {
    let secs = match ts {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    DateTime::from_timestamp(secs as i64, 0)
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Prefixes every line of `md` with `> ` so that a card reads as one block in the body.
fn quoted(md: &str) -> String {
    md.lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_owned()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The card and its markdown, or `None` when the attachment has nothing to show.
pub(crate) fn render(a: &Attachment) -> Option<(Card, String)> {
    let formatted = |part: &str| {
        a.mrkdwn_in
            .as_ref()
            .is_none_or(|parts| parts.iter().any(|p| p == part))
    };
    let md = |s: &Option<String>, part: &str, max: usize| {
        nonempty(s)
            .map(|s| mrkdwn::translate(&text::truncate(s, max), formatted(part)))
            .filter(|s| !s.is_empty())
    };
    let plain = |s: &Option<String>| nonempty(s).map(mrkdwn::plain);

    let mut card = Card {
        color: a.color.as_deref().and_then(color),
        pretext: md(&a.pretext, "pretext", MAX_TEXT),
        author_name: plain(&a.author_name),
        author_link: a.author_link.as_deref().and_then(text::safe_http_url),
        author_icon: a.author_icon.as_deref().and_then(text::safe_http_url),
        title: plain(&a.title),
        title_link: a.title_link.as_deref().and_then(text::safe_http_url),
        text: md(&a.text, "text", MAX_TEXT),
        fields: Vec::new(),
        image_url: a.image_url.as_deref().and_then(text::safe_http_url),
        thumb_url: a.thumb_url.as_deref().and_then(text::safe_http_url),
        footer: plain(&a.footer),
        footer_icon: a.footer_icon.as_deref().and_then(text::safe_http_url),
        ts: a.ts.as_ref().and_then(timestamp),
    };
    for f in a.fields.iter().flatten().take(MAX_FIELDS) {
        let value = match &f.value {
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            _ => String::new(),
        };
        let value = mrkdwn::translate(&text::truncate(&value, MAX_VALUE), formatted("fields"));
        let title = plain(&f.title).unwrap_or_default();
        if !title.is_empty() || !value.is_empty() {
            card.fields.push(CardField {
                title,
                value,
                short: f.short,
            });
        }
    }
    if let Some(blocks) = a.blocks.as_deref() {
        let from_blocks = super::blocks::render(blocks);
        if !from_blocks.is_empty() {
            card.text = Some(match card.text.take() {
                Some(t) => format!("{t}\n\n{from_blocks}"),
                None => from_blocks,
            });
        }
    }
    if card.is_empty() {
        // Only a fallback: it is what Slack shows where it cannot draw the attachment.
        card.text = Some(nonempty(&a.fallback).map(mrkdwn::plain)?);
    }

    let mut inside = Vec::new();
    if let Some(name) = &card.author_name {
        inside.push(text::link(name, card.author_link.as_deref()));
    }
    if let Some(title) = &card.title {
        inside.push(format!(
            "**{}**",
            text::link(title, card.title_link.as_deref())
        ));
    }
    if let Some(t) = &card.text {
        inside.push(t.clone());
    }
    for f in &card.fields {
        inside.push(if f.title.is_empty() {
            f.value.clone()
        } else {
            format!("**{}**: {}", f.title, f.value)
        });
    }
    if let Some(url) = &card.image_url {
        inside.push(text::link("🖼 image", Some(url)));
    }
    let mut foot: Vec<String> = card.footer.iter().cloned().collect();
    if let Some(ts) = card.ts {
        foot.push(ts.format("%Y-%m-%d %H:%M UTC").to_string());
    }
    if !foot.is_empty() {
        inside.push(format!("_{}_", foot.join(" · ")));
    }
    let mut md_parts = Vec::new();
    if let Some(p) = &card.pretext {
        md_parts.push(p.clone());
    }
    if !inside.is_empty() {
        md_parts.push(quoted(&inside.join("\n")));
    }
    Some((card, md_parts.join("\n\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(color("good").as_deref(), Some("#2eb886"));
        assert_eq!(color("#ABC").as_deref(), Some("#aabbcc"));
        assert_eq!(color("36a64f").as_deref(), Some("#36a64f"));
        assert_eq!(color("red; background:url(x)"), None);
        assert_eq!(color("${{ env.COLOR }}"), None);
    }

    #[test]
    fn timestamps_as_numbers_or_strings() {
        let t = timestamp(&Value::from(1_700_000_000)).unwrap();
        assert_eq!(t.to_rfc3339(), "2023-11-14T22:13:20+00:00");
        assert_eq!(timestamp(&Value::from("1700000000.123")), Some(t));
        assert_eq!(timestamp(&Value::from("soon")), None);
    }

    #[test]
    fn mrkdwn_in_limits_formatting() {
        let a: Attachment = serde_json::from_value(serde_json::json!({
            "text": "*b*", "pretext": "*p*", "mrkdwn_in": ["pretext"]
        }))
        .unwrap();
        let (card, _) = render(&a).unwrap();
        assert_eq!(card.pretext.as_deref(), Some("**p**"));
        assert_eq!(card.text.as_deref(), Some("\\*b\\*"));
    }

    #[test]
    fn only_a_fallback() {
        let a: Attachment =
            serde_json::from_value(serde_json::json!({"fallback": "Build @channel <b>"})).unwrap();
        let (card, md) = render(&a).unwrap();
        assert_eq!(card.text.as_deref(), Some("Build @\u{2060}channel \\<b\\>"));
        assert_eq!(md, "> Build @\u{2060}channel \\<b\\>");
        assert!(render(&Attachment::default()).is_none());
    }
}
