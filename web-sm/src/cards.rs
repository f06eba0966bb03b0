//! What a message from a webhook shows besides its body: the sender's name and picture for
//! this message, and its cards (a coloured bar with an author line, a title, text, fields,
//! images and a footer), as the message template draws them.
//!
//! Every markdown part goes through the same sanitising renderer as message bodies; the
//! plain-text parts arrive escaped as markdown (so that, printed as markdown, they read as
//! written) and are unescaped here into text that the template escapes for HTML. Every URL
//! was checked to be `http` or `https` where the card was made; it is checked again here
//! and lands only in attributes, which the template escapes.

use ajet_core::cards::{Card, CardField};
use ajet_core::dto::MessageMeta;
use serde::Serialize;

use crate::render::Renderer;

/// The sender as a message shows it.
#[derive(Debug, Default, Serialize)]
pub struct SenderView {
    /// The name a delivery gave itself, shown instead of the bot's username.
    pub display_name: Option<String>,
    /// Whether the message came from a bot (it carries webhook metadata).
    pub bot: bool,
    /// An image for the avatar.
    pub icon_url: Option<String>,
    /// An emoji for the avatar, from the delivery's `:short_code:`.
    pub icon_emoji: Option<String>,
}

impl SenderView {
    /// From a webhook's per-message settings, else the author's own picture (`avatar`, a
    /// path on this server); marked a bot when the author is one (`bot`) or a webhook set
    /// anything.
    pub fn new(meta: Option<&MessageMeta>, avatar: Option<&str>, bot: bool) -> Self {
        let own = avatar
            .filter(|url| url.starts_with("/api/avatars/"))
            .map(str::to_owned);
        let Some(meta) = meta else {
            return Self {
                icon_url: own,
                bot,
                ..Self::default()
            };
        };
        Self {
            display_name: meta
                .display_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            bot: true,
            icon_url: meta.icon_url.as_deref().and_then(http_url).or(own),
            icon_emoji: meta.icon_emoji.as_deref().and_then(emoji),
        }
    }
}

/// One card as the template draws it.
#[derive(Debug, Serialize)]
pub struct CardView {
    /// The bar's colour, `#rrggbb`, when valid.
    pub color: Option<String>,
    pub pretext_html: Option<String>,
    pub author_name: Option<String>,
    pub author_link: Option<String>,
    pub author_icon: Option<String>,
    pub title: Option<String>,
    pub title_link: Option<String>,
    pub text_html: Option<String>,
    pub fields: Vec<FieldView>,
    pub image_url: Option<String>,
    pub thumb_url: Option<String>,
    pub footer: Option<String>,
    pub footer_icon: Option<String>,
    /// RFC 3339, for `<time datetime>`.
    pub ts_iso: Option<String>,
    /// `YYYY-MM-DD HH:MM UTC` (the page's script shows local time).
    pub ts_label: Option<String>,
}

/// One field of a card.
#[derive(Debug, Serialize)]
pub struct FieldView {
    pub title: String,
    pub value_html: String,
    /// Drawn beside another short field.
    pub short: bool,
}

impl CardView {
    pub fn new(renderer: &Renderer, card: &Card) -> Self {
        let md = |s: &Option<String>| {
            s.as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| renderer.markdown(s))
        };
        Self {
            color: card
                .color
                .as_deref()
                .filter(|c| is_hex_colour(c))
                .map(str::to_owned),
            pretext_html: md(&card.pretext),
            author_name: plain(&card.author_name),
            author_link: card.author_link.as_deref().and_then(http_url),
            author_icon: card.author_icon.as_deref().and_then(http_url),
            title: plain(&card.title),
            title_link: card.title_link.as_deref().and_then(http_url),
            text_html: md(&card.text),
            fields: card.fields.iter().map(|f| field(renderer, f)).collect(),
            image_url: card.image_url.as_deref().and_then(http_url),
            thumb_url: card.thumb_url.as_deref().and_then(http_url),
            footer: plain(&card.footer),
            footer_icon: card.footer_icon.as_deref().and_then(http_url),
            ts_iso: card
                .ts
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            ts_label: card.ts.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        }
    }
}

fn field(renderer: &Renderer, f: &CardField) -> FieldView {
    FieldView {
        title: unescape(&f.title),
        value_html: if f.value.trim().is_empty() {
            String::new()
        } else {
            renderer.markdown(&f.value)
        },
        short: f.short,
    }
}

fn plain(s: &Option<String>) -> Option<String> {
    s.as_deref().map(unescape).filter(|s| !s.trim().is_empty())
}

/// Markdown-escaped plain text back as the text it shows: a backslash before ASCII
/// punctuation is dropped, as a markdown reader drops it.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// `#rrggbb`, nothing else: the value goes into a CSS custom property.
fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// An absolute `http`/`https` URL without spaces or control characters.
fn http_url(url: &str) -> Option<String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let scheme = lower.starts_with("http://") || lower.starts_with("https://");
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    (scheme && clean && url.len() > 8).then(|| url.to_owned())
}

/// The emoji a `:short_code:` (or a bare emoji) names.
fn emoji(code: &str) -> Option<String> {
    let code = code.trim();
    let short = code.trim_matches(':');
    emojis::get_by_shortcode(short)
        .or_else(|| emojis::get(code))
        .map(|e| e.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unescaped_and_colours_and_urls_are_checked() {
        assert_eq!(
            unescape(r"Build \#7 \*passed\* \\o/"),
            r"Build #7 *passed* \o/"
        );
        assert_eq!(unescape(r"a\b"), r"a\b");
        assert!(is_hex_colour("#2eb886"));
        assert!(!is_hex_colour("red"));
        assert!(!is_hex_colour("#12345g"));
        assert!(!is_hex_colour("#123456;x"));
        assert_eq!(http_url("javascript:alert(1)"), None);
        assert_eq!(
            http_url("https://a.example/i.png").as_deref(),
            Some("https://a.example/i.png")
        );
        assert_eq!(http_url("https://a.example/ x"), None);
        assert_eq!(emoji(":rocket:").as_deref(), Some("🚀"));
        assert_eq!(emoji(":no_such_emoji:"), None);
    }
}
