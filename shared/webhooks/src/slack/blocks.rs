//! Slack's Block Kit layout blocks as markdown: section (text, fields, accessory), header,
//! divider, context, image, actions (buttons with a URL, as links) and rich_text. Blocks of
//! other types (inputs, selects, video) have nothing to show here and are left out.

use serde_json::Value;

use crate::mrkdwn;
use crate::text;

/// Most blocks rendered (Slack's own limit per message).
const MAX_BLOCKS: usize = 50;
/// Most elements rendered in one context, actions or rich text block.
const MAX_ELEMENTS: usize = 50;
/// Longest text object, in characters (Slack's own limit for a section).
const MAX_TEXT: usize = 3_000;

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// A text object (`{"type": "mrkdwn" | "plain_text", "text": …}`) as markdown.
fn text_object(v: &Value) -> Option<String> {
    let raw = text::truncate(str_of(v, "text")?, MAX_TEXT);
    let md = match str_of(v, "type") {
        Some("plain_text") => mrkdwn::plain(&raw),
        _ => mrkdwn::translate(&raw, true),
    };
    (!md.trim().is_empty()).then_some(md)
}

/// A button with a URL as a link; an image as a link to it.
fn element(v: &Value) -> Option<String> {
    match str_of(v, "type")? {
        "button" => {
            let label = v.get("text").and_then(text_object)?;
            let url = str_of(v, "url")?;
            text::safe_link_url(url)?;
            Some(text::link(&label, Some(url)))
        }
        "image" => image_link(str_of(v, "alt_text"), str_of(v, "image_url")?),
        "mrkdwn" | "plain_text" => text_object(v),
        _ => None,
    }
}

fn image_link(label: Option<&str>, url: &str) -> Option<String> {
    let url = text::safe_http_url(url)?;
    let label = match label.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => format!("🖼 {}", mrkdwn::plain(l)),
        None => "🖼 image".to_owned(),
    };
    Some(text::link(&label, Some(&url)))
}

/// `blocks` as markdown, one paragraph per block.
pub(crate) fn render(blocks: &[Value]) -> String {
    let parts: Vec<String> = blocks
        .iter()
        .take(MAX_BLOCKS)
        .filter_map(block)
        .filter(|p| !p.trim().is_empty())
        .collect();
    let mut md = parts.join("\n\n");
    if blocks.len() > MAX_BLOCKS {
        md.push_str("\n\n");
        md.push_str(text::ELLIPSIS);
    }
    md
}

fn block(b: &Value) -> Option<String> {
    match str_of(b, "type")? {
        "section" => {
            let mut lines = Vec::new();
            if let Some(t) = b.get("text").and_then(text_object) {
                lines.push(t);
            }
            if let Some(fields) = b.get("fields").and_then(Value::as_array) {
                lines.extend(fields.iter().take(10).filter_map(text_object));
            }
            if let Some(acc) = b.get("accessory").and_then(element) {
                lines.push(acc);
            }
            Some(lines.join("\n"))
        }
        "header" => b
            .get("text")
            .and_then(|t| str_of(t, "text"))
            .map(|t| format!("### {}", mrkdwn::plain(t))),
        "divider" => Some("---".to_owned()),
        "context" | "actions" => {
            let items: Vec<String> = b
                .get("elements")?
                .as_array()?
                .iter()
                .take(MAX_ELEMENTS)
                .filter_map(element)
                .collect();
            Some(items.join(" · "))
        }
        "image" => {
            let title = b.get("title").and_then(|t| str_of(t, "text"));
            image_link(title.or(str_of(b, "alt_text")), str_of(b, "image_url")?)
        }
        "rich_text" => {
            let parts: Vec<String> = b
                .get("elements")?
                .as_array()?
                .iter()
                .take(MAX_ELEMENTS)
                .filter_map(rich_block)
                .collect();
            Some(parts.join("\n\n"))
        }
        _ => None,
    }
}

/// One element of a `rich_text` block: a section, list, preformatted text or quote.
fn rich_block(v: &Value) -> Option<String> {
    let inline = || rich_inline(v.get("elements").and_then(Value::as_array));
    match str_of(v, "type")? {
        "rich_text_section" => Some(inline()),
        "rich_text_quote" => Some(
            inline()
                .lines()
                .map(|l| format!("> {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        "rich_text_preformatted" => {
            let raw: String = v
                .get("elements")?
                .as_array()?
                .iter()
                .take(MAX_ELEMENTS)
                .filter_map(|e| str_of(e, "text").or_else(|| str_of(e, "url")))
                .collect();
            let raw = text::truncate(&raw, MAX_TEXT);
            let fence = if raw.contains("```") { "~~~~" } else { "```" };
            Some(format!("{fence}\n{}\n{fence}", raw.trim_matches('\n')))
        }
        "rich_text_list" => {
            let ordered = str_of(v, "style") == Some("ordered");
            let indent = v.get("indent").and_then(Value::as_u64).unwrap_or(0).min(4) as usize;
            let items: Vec<String> = v
                .get("elements")?
                .as_array()?
                .iter()
                .take(MAX_ELEMENTS)
                .enumerate()
                .map(|(n, item)| {
                    let marker = if ordered {
                        format!("{}.", n + 1)
                    } else {
                        "-".to_owned()
                    };
                    let body = rich_inline(item.get("elements").and_then(Value::as_array));
                    format!(
                        "{}{marker} {}",
                        "  ".repeat(indent),
                        body.replace('\n', " ")
                    )
                })
                .collect();
            Some(items.join("\n"))
        }
        _ => None,
    }
}

/// The inline elements of a rich text section: styled text, links, mentions, emoji.
fn rich_inline(elements: Option<&Vec<Value>>) -> String {
    let mut out = String::new();
    for e in elements.into_iter().flatten().take(MAX_ELEMENTS * 4) {
        let piece = match str_of(e, "type").unwrap_or("") {
            "text" => {
                let raw = str_of(e, "text").unwrap_or("");
                let style = |k: &str| {
                    e.get("style")
                        .and_then(|s| s.get(k))
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                };
                if style("code") {
                    text::code(raw)
                } else {
                    let core = raw.trim();
                    let mut t = text::escape_lines(core, MAX_TEXT);
                    if !core.is_empty() {
                        for (k, md) in [("bold", "**"), ("italic", "_"), ("strike", "~~")] {
                            if style(k) {
                                t = format!("{md}{t}{md}");
                            }
                        }
                    }
                    let lead = &raw[..raw.len() - raw.trim_start().len()];
                    let trail = &raw[raw.trim_end().len()..];
                    format!("{lead}{t}{trail}")
                }
            }
            "link" => {
                let url = str_of(e, "url").unwrap_or("");
                let label = str_of(e, "text")
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or(url);
                text::link(&text::escape(label), Some(url))
            }
            "user" => {
                let id = str_of(e, "user_id").unwrap_or("");
                if !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                {
                    format!("@{id}")
                } else {
                    text::escape(id)
                }
            }
            "broadcast" => match str_of(e, "range") {
                Some("here") => "@here".to_owned(),
                Some("channel" | "everyone") => "@channel".to_owned(),
                _ => String::new(),
            },
            "channel" => format!("#{}", text::escape(str_of(e, "channel_id").unwrap_or(""))),
            "usergroup" => text::escape(&format!("@{}", str_of(e, "usergroup_id").unwrap_or(""))),
            "emoji" => str_of(e, "name")
                .filter(|n| {
                    n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
                })
                .map(|n| format!(":{n}:"))
                .unwrap_or_default(),
            "date" => text::escape(str_of(e, "fallback").unwrap_or("")),
            _ => String::new(),
        };
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_block_type() {
        let blocks = json!([
            {"type": "header", "text": {"type": "plain_text", "text": "Deploy *done*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*prod* is up"},
             "fields": [{"type": "mrkdwn", "text": "*Env*\nprod"}, {"type": "plain_text", "text": "v1.2"}],
             "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": "https://ci.example/1"}},
            {"type": "divider"},
            {"type": "context", "elements": [
                {"type": "image", "image_url": "https://x.example/a.png", "alt_text": "logo"},
                {"type": "mrkdwn", "text": "by <@bob>"}]},
            {"type": "image", "image_url": "https://x.example/graph.png", "alt_text": "graph"},
            {"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Logs"}, "url": "https://ci.example/logs"},
                {"type": "button", "text": {"type": "plain_text", "text": "Retry"}, "action_id": "retry"},
                {"type": "button", "text": {"type": "plain_text", "text": "Evil"}, "url": "javascript:alert(1)"}]},
            {"type": "input", "label": {"type": "plain_text", "text": "ignored"}},
            {"type": "rich_text", "elements": [
                {"type": "rich_text_section", "elements": [
                    {"type": "text", "text": "Hi "}, {"type": "user", "user_id": "alice"},
                    {"type": "text", "text": " see "}, {"type": "link", "url": "https://d.example", "text": "docs"},
                    {"type": "text", "text": " fast", "style": {"bold": true}},
                    {"type": "text", "text": " @channel *x*"}, {"type": "emoji", "name": "tada"}]},
                {"type": "rich_text_list", "style": "ordered", "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "two", "style": {"code": true}}]}]},
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "cargo <test>"}]},
                {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted"}, {"type": "broadcast", "range": "here"}]}]}
        ]);
        let md = render(blocks.as_array().unwrap());
        assert_eq!(
            md,
            "### Deploy \\*done\\*\n\n\
             **prod** is up\n**Env**\nprod\nv1.2\n[Open](<https://ci.example/1>)\n\n\
             ---\n\n\
             [🖼 logo](<https://x.example/a.png>) · by @bob\n\n\
             [🖼 graph](<https://x.example/graph.png>)\n\n\
             [Logs](<https://ci.example/logs>)\n\n\
             Hi @alice see [docs](<https://d.example>) **fast** @\u{2060}channel \\*x\\*:tada:\n\n\
             1. one\n2. `two`\n\n\
             ```\ncargo <test>\n```\n\n\
             > quoted@here"
        );
    }
}
