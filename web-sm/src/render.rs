//! Everything the web pages show, rendered on the server: the templates, a message's
//! markdown turned into sanitised HTML, and the view of a message that the channel page
//! and the live stream both draw with the same template.
//!
//! One [`Renderer`] is built at start and shared by the page handlers and the live
//! stream's framer, so that a message looks the same whether it came with the page or
//! arrived while the page was open.

use ajet_core::dto::{AttachmentDto, MessageDto};
use ajet_core::mentions::{self, Mention};
use chrono::{DateTime, Utc};
use minijinja::Environment;
use pulldown_cmark::{Event, Options, Parser};
use serde::Serialize;

use crate::cards::{CardView, SenderView};

const TEMPLATES: [(&str, &str); 11] = [
    ("attach.html", include_str!("../templates/attach.html")),
    ("base.html", include_str!("../templates/base.html")),
    ("card.html", include_str!("../templates/card.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("app.html", include_str!("../templates/app.html")),
    ("channel.html", include_str!("../templates/channel.html")),
    ("message.html", include_str!("../templates/message.html")),
    (
        "not_found.html",
        include_str!("../templates/not_found.html"),
    ),
    ("thread.html", include_str!("../templates/thread.html")),
    ("browse.html", include_str!("../templates/browse.html")),
    ("new_dm.html", include_str!("../templates/new_dm.html")),
];

/// The templates (parsed once; autoescape on for `.html`, so every piece of user text is
/// escaped) and the sanitiser of rendered markdown.
pub struct Renderer {
    templates: Environment<'static>,
    sanitizer: ammonia::Builder<'static>,
}

impl Renderer {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut templates = Environment::new();
        for (name, source) in TEMPLATES {
            templates.add_template(name, source)?;
        }
        templates.add_global("max_upload_mb", ajet_core::limits::DEFAULT_MAX_UPLOAD_MB);
        let mut sanitizer = ammonia::Builder::default();
        sanitizer
            .url_schemes(["http", "https", "mailto"].into())
            .link_rel(Some("noopener noreferrer nofollow"))
            .set_tag_attribute_value("a", "target", "_blank")
            // Images in messages would load from anywhere (and the page's CSP allows
            // only this origin): a link to them is kept instead.
            .rm_tags(["img"]);
        Ok(Self {
            templates,
            sanitizer,
        })
    }

    /// Tells the composer the api's upload limit (`AJET_MAX_UPLOAD_MB`), so that a larger
    /// file is refused before it is sent.
    #[must_use]
    pub fn with_max_upload_mb(mut self, max_upload_mb: u64) -> Self {
        self.templates.add_global("max_upload_mb", max_upload_mb);
        self
    }

    /// Renders the page template `name`.
    pub fn page(&self, name: &str, ctx: minijinja::Value) -> Result<String, minijinja::Error> {
        self.templates.get_template(name)?.render(ctx)
    }

    /// A message's markdown as HTML that is safe to put in a page: no script, no event
    /// handler, no `javascript:` link; links open in a new tab without the opener.
    pub fn markdown(&self, markdown: &str) -> String {
        let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
        let mut html = String::with_capacity(markdown.len() + markdown.len() / 2);
        // A line break typed in the composer is a line break on the page, as in every chat.
        let events = Parser::new_ext(markdown, options).map(|event| match event {
            Event::SoftBreak => Event::HardBreak,
            other => other,
        });
        pulldown_cmark::html::push_html(&mut html, events);
        self.sanitizer.clean(&html).to_string()
    }

    /// One message as the `<article>` the channel page lists, the same for every viewer:
    /// what differs between viewers (mine, mentions of me) is marked by the page's script
    /// from the article's data attributes.
    pub fn message(&self, message: &MessageDto) -> Result<String, minijinja::Error> {
        let view = MessageView::new(self, message, false);
        self.templates
            .get_template("message.html")?
            .render(minijinja::context! { m => view })
    }
}

/// What the message template draws.
#[derive(Debug, Serialize)]
pub struct MessageView {
    pub id: String,
    pub seq: i64,
    pub author_id: String,
    pub author: String,
    /// The first letter of the author's name, for the avatar.
    pub initial: String,
    /// RFC 3339, for `<time datetime>` and for the page's script.
    pub iso: String,
    /// `HH:MM` (UTC; the page's script shows local time).
    pub time: String,
    /// `YYYY-MM-DD`, for day separators.
    pub day: String,
    pub body_html: String,
    /// A webhook's name and picture for this message, when it set them.
    pub sender: SenderView,
    /// With cards: the text before them (sanitised HTML), drawn instead of `body_html`.
    pub text_html: Option<String>,
    /// A webhook's cards, drawn instead of the body (which holds them as markdown).
    pub cards: Vec<CardView>,
    pub edited: bool,
    pub deleted: bool,
    pub reply_count: i32,
    pub reactions: Vec<ReactionView>,
    /// The usernames the message mentions, lower case, space-separated.
    pub mentions: String,
    /// Whether it mentions `@channel` or `@here`.
    pub mentions_all: bool,
    /// Whether it follows a message by the same author shortly before (drawn without
    /// the author line).
    pub continued: bool,
    /// Files posted with it: images as thumbnails, the rest as cards.
    pub files: Vec<FileView>,
    /// The latest people to reply in its thread (at most [`REPLIERS_SHOWN`]).
    pub repliers: Vec<ReplierView>,
}

/// Repliers shown beside a thread's reply count.
pub const REPLIERS_SHOWN: usize = 4;

/// Someone who replied in a thread, as a small avatar.
#[derive(Debug, Serialize)]
pub struct ReplierView {
    pub name: String,
    pub initial: String,
    /// Their picture, when it is one of ours.
    pub avatar_url: Option<String>,
}

/// One file of a message as the template draws it.
#[derive(Debug, Serialize)]
pub struct FileView {
    pub name: String,
    /// `1.5 MiB`.
    pub size: String,
    pub media_type: String,
    /// The file itself, through the gateway (the session cookie authorises it).
    pub url: String,
    /// An image's thumbnail and the size to draw it at (at most 400 on the longer side).
    pub thumbnail_url: Option<String>,
    pub thumb_width: u32,
    pub thumb_height: u32,
}

impl FileView {
    fn new(file: &AttachmentDto) -> Self {
        let (width, height) = match (file.width, file.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => (w as f64, h as f64),
            _ => (400.0, 300.0),
        };
        let scale = (400.0 / width.max(height)).min(1.0);
        Self {
            name: file.name.clone(),
            size: ajet_core::files::human_size(file.size),
            media_type: file.media_type.clone(),
            url: file.url.clone(),
            thumbnail_url: file.thumbnail_url.clone(),
            thumb_width: (width * scale).round() as u32,
            thumb_height: (height * scale).round() as u32,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ReactionView {
    pub emoji: String,
    pub count: i64,
    pub mine: bool,
    /// The people named, one a line, for the page's script to keep up to date.
    pub users: String,
    /// `alice, bob and 3 others reacted with 👍`, shown on hover.
    pub who: String,
}

/// `alice`, `alice and bob`, `alice, bob and carol`, `alice, bob and 3 others`: the people
/// who reacted, of `count`, with `names` the first of them.
pub fn who_reacted(names: &[String], count: i64) -> String {
    let named = names.len() as i64;
    let others = count - named;
    match (names, others) {
        ([], _) => format!("{count} {}", if count == 1 { "person" } else { "people" }),
        ([one], 0) => one.clone(),
        (names, 0) => format!(
            "{} and {}",
            names[..names.len() - 1].join(", "),
            names[names.len() - 1]
        ),
        (names, others) => format!(
            "{} and {others} other{}",
            names.join(", "),
            if others == 1 { "" } else { "s" }
        ),
    }
}

impl MessageView {
    pub fn new(renderer: &Renderer, m: &MessageDto, continued: bool) -> Self {
        let mut mentioned = Vec::new();
        let mut mentions_all = false;
        if !m.deleted {
            for mention in mentions::parse(&m.body) {
                match mention {
                    Mention::User(name) => mentioned.push(name.to_lowercase()),
                    Mention::Channel | Mention::Here => mentions_all = true,
                }
            }
        }
        let cards: Vec<CardView> = match &m.meta {
            Some(meta) if !m.deleted => meta
                .cards
                .iter()
                .map(|card| CardView::new(renderer, card))
                .collect(),
            _ => Vec::new(),
        };
        let text_html = m
            .meta
            .as_ref()
            .filter(|_| !cards.is_empty())
            .and_then(|meta| meta.text.as_deref())
            .filter(|text| !text.trim().is_empty())
            .map(|text| renderer.markdown(text));
        Self {
            id: m.id.to_string(),
            seq: m.seq,
            author_id: m.author_id.to_string(),
            author: m.author_username.clone(),
            initial: display_name(m)
                .unwrap_or(&m.author_username)
                .chars()
                .next()
                .map(|c| c.to_uppercase().collect())
                .unwrap_or_default(),
            iso: m
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            time: m.created_at.format("%H:%M").to_string(),
            day: m.created_at.format("%Y-%m-%d").to_string(),
            body_html: if m.deleted || !cards.is_empty() {
                String::new()
            } else {
                renderer.markdown(&m.body)
            },
            sender: SenderView::new(
                m.meta.as_ref(),
                m.author_avatar_url.as_deref(),
                m.author_bot,
            ),
            text_html,
            cards,
            edited: m.edited_at.is_some() && !m.deleted,
            deleted: m.deleted,
            reply_count: m.reply_count,
            reactions: m
                .reactions
                .iter()
                .map(|r| ReactionView {
                    emoji: r.emoji.clone(),
                    count: r.count,
                    mine: r.reacted_by_me,
                    users: r.users.join("\n"),
                    who: format!(
                        "{} reacted with {}",
                        who_reacted(&r.users, r.count),
                        r.emoji
                    ),
                })
                .collect(),
            mentions: mentioned.join(" "),
            mentions_all,
            continued,
            repliers: m
                .reply_participants
                .iter()
                .take(REPLIERS_SHOWN)
                .map(|r| ReplierView {
                    name: r.username.clone(),
                    initial: r
                        .username
                        .chars()
                        .next()
                        .map(|c| c.to_uppercase().collect())
                        .unwrap_or_default(),
                    avatar_url: r
                        .avatar_url
                        .clone()
                        .filter(|url| url.starts_with("/api/avatars/")),
                })
                .collect(),
            files: if m.deleted {
                Vec::new()
            } else {
                m.attachments.iter().map(FileView::new).collect()
            },
        }
    }
}

/// The messages of a page in order, each knowing whether it continues its author's run,
/// with a day label where a new day starts.
pub fn history(renderer: &Renderer, messages: &[MessageDto]) -> Vec<HistoryItem> {
    let mut items = Vec::with_capacity(messages.len() + 4);
    let mut previous: Option<&MessageDto> = None;
    for m in messages {
        let new_day =
            previous.is_none_or(|p| p.created_at.date_naive() != m.created_at.date_naive());
        if new_day {
            items.push(HistoryItem {
                day: Some(day_label(m.created_at)),
                message: None,
            });
        }
        let continued = !new_day
            && previous.is_some_and(|p| {
                p.author_id == m.author_id
                    && display_name(p) == display_name(m)
                    && !p.deleted
                    && (m.created_at - p.created_at).num_minutes() < 5
            });
        items.push(HistoryItem {
            day: None,
            message: Some(MessageView::new(renderer, m, continued)),
        });
        previous = Some(m);
    }
    items
}

/// The name a webhook gave one message, if any: a change of it starts a new run.
fn display_name(m: &MessageDto) -> Option<&str> {
    m.meta.as_ref()?.display_name.as_deref()
}

/// A day separator or a message.
#[derive(Debug, Serialize)]
pub struct HistoryItem {
    pub day: Option<DayLabel>,
    pub message: Option<MessageView>,
}

#[derive(Debug, Serialize)]
pub struct DayLabel {
    pub iso: String,
    pub label: String,
}

fn day_label(at: DateTime<Utc>) -> DayLabel {
    DayLabel {
        iso: at.format("%Y-%m-%d").to_string(),
        label: at.format("%A, %-d %B %Y").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use ajet_core::{ChannelId, MessageId, UserId};

    use super::*;

    fn message(body: &str) -> MessageDto {
        MessageDto {
            author_avatar_url: None,
            author_bot: false,
            attachments: Vec::new(),
            id: MessageId::new(),
            channel_id: ChannelId::new(),
            seq: 1,
            author_id: UserId::new(),
            author_username: "<b>mallory</b>".into(),
            parent_id: None,
            body: body.into(),
            created_at: Utc::now(),
            edited_at: None,
            deleted: false,
            reply_count: 0,
            last_reply_at: None,
            reply_participants: vec![],
            reactions: vec![],
            meta: None,
        }
    }

    #[test]
    fn a_bot_s_plain_message_is_tagged() {
        let r = Renderer::new().unwrap();
        let mut m = message("deployed");
        assert!(!r.message(&m).unwrap().contains("bot-tag"));
        m.author_bot = true;
        assert!(
            r.message(&m)
                .unwrap()
                .contains(r#"<span class="bot-tag">bot</span>"#)
        );
    }

    #[test]
    fn who_reacted_reads_as_a_sentence() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(who_reacted(&names(&["alice"]), 1), "alice");
        assert_eq!(who_reacted(&names(&["alice", "bob"]), 2), "alice and bob");
        assert_eq!(who_reacted(&names(&["a", "b", "c"]), 3), "a, b and c");
        assert_eq!(who_reacted(&names(&["a", "b"]), 3), "a, b and 1 other");
        assert_eq!(who_reacted(&names(&["a", "b"]), 25), "a, b and 23 others");
        assert_eq!(who_reacted(&[], 2), "2 people");
    }

    #[test]
    fn files_are_thumbnails_or_cards_with_escaped_names() {
        let r = Renderer::new().unwrap();
        let mut m = message("");
        let file = |name: &str, media_type: &str, size: Option<(i32, i32)>| AttachmentDto {
            id: ajet_core::AttachmentId::new(),
            name: name.into(),
            size: 1536,
            media_type: media_type.into(),
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
            url: "/api/attachments/a".into(),
            thumbnail_url: size.map(|_| "/api/attachments/a/thumbnail".to_owned()),
        };
        m.attachments = vec![
            file("shot.png", "image/png", Some((1600, 800))),
            file("<img src=x onerror=alert(1)>.log", "text/plain", None),
        ];
        m.author_avatar_url = Some("/api/avatars/0193".into());
        // The templates escape `/` as `&#x2f;`, which the browser reads back.
        let html = r.message(&m).unwrap().replace("&#x2f;", "/");
        assert!(
            html.contains(r#"src="/api/attachments/a/thumbnail""#),
            "{html}"
        );
        assert!(html.contains(r#"width="400" height="200""#), "{html}");
        assert!(html.contains("1.5 KiB · text/plain"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;.log"),
            "{html}"
        );
        assert!(html.contains(r#"<img src="/api/avatars/0193""#), "{html}");
        // A deleted message shows none of its files.
        m.deleted = true;
        assert!(!r.message(&m).unwrap().contains("attachments"));
    }

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let r = Renderer::new().unwrap();
        let html = r.markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
        assert!(!html.contains("<img"));
        assert_eq!(r.markdown("one\ntwo"), "<p>one<br>\ntwo</p>\n");
        let link = r.markdown("[site](https://example.com)");
        assert!(link.contains(r#"href="https://example.com""#));
        assert!(link.contains(r#"target="_blank""#));
        assert!(link.contains("noopener"));
    }

    #[test]
    fn a_message_escapes_its_author_and_lists_its_mentions() {
        let r = Renderer::new().unwrap();
        let html = r.message(&message("hi @Alice and @here")).unwrap();
        assert!(html.contains("&lt;b&gt;mallory"));
        assert!(!html.contains("<b>mallory"));
        assert!(html.contains(r#"data-mentions="alice""#));
        assert!(html.contains("data-mentions-all"));
    }

    #[test]
    fn a_webhook_message_shows_its_sender_and_cards_escaped_and_sanitised() {
        use ajet_core::cards::{Card, CardField};
        use ajet_core::dto::MessageMeta;

        let r = Renderer::new().unwrap();
        let mut m = message("Deploy finished\n\n> **<b>v1.2</b>** …");
        m.author_username = "ci".into();
        m.meta = Some(MessageMeta {
            display_name: Some("Deploy <bot>".into()),
            icon_url: Some("https://example.com/i.png\"onerror=\"alert(1)".into()),
            icon_emoji: Some(":rocket:".into()),
            text: Some("Deploy **finished**".into()),
            cards: vec![Card {
                color: Some("#2eb886".into()),
                pretext: Some("<script>alert(1)</script>pre".into()),
                author_name: Some("octo\\<cat\\>".into()),
                author_link: Some("javascript:alert(1)".into()),
                title: Some("v1\\.2 \\*released\\*".into()),
                title_link: Some("https://example.com/r?a=1&b=\"x".into()),
                text: Some("[x](javascript:alert(2)) and _fine_".into()),
                fields: vec![
                    CardField {
                        title: "Env".into(),
                        value: "`prod`".into(),
                        short: true,
                    },
                    CardField {
                        title: "Notes".into(),
                        value: "long".into(),
                        short: false,
                    },
                ],
                image_url: Some("https://example.com/big.png".into()),
                footer: Some("CI".into()),
                ts: Some(Utc::now()),
                ..Card::default()
            }],
        });
        let html = r.message(&m).unwrap();
        assert!(html.contains("Deploy &lt;bot&gt;"), "{html}");
        assert!(
            html.contains(r#"<span class="bot-tag">bot</span>"#),
            "{html}"
        );
        assert!(html.contains("via ci"), "{html}");
        // The URL is escaped inside its attribute: no new attribute comes out of it.
        assert!(
            html.contains(r#"i.png&quot;onerror=&quot;alert(1)""#),
            "{html}"
        );
        assert!(html.contains(r#"referrerpolicy="no-referrer""#), "{html}");
        assert!(html.contains("🚀"), "{html}");
        assert!(html.contains("Deploy <strong>finished</strong>"), "{html}");
        assert!(
            !html.contains("&lt;b&gt;v1.2"),
            "the body is replaced by the cards: {html}"
        );
        assert!(html.contains(r#"<section class="card">"#), "{html}");
        assert!(html.contains(r##"data-color="#2eb886""##), "{html}");
        assert!(
            !html.contains("style="),
            "the CSP allows no inline style: {html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("octo&lt;cat&gt;"), "{html}");
        assert!(html.contains("v1.2 *released*"), "{html}");
        assert!(
            html.contains(r#"href="https:&#x2f;&#x2f;example.com&#x2f;r?a=1&amp;b=&quot;x""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<div class="card-field short"><dt>Env</dt>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<div class="card-field"><dt>Notes</dt>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<img src="https:&#x2f;&#x2f;example.com&#x2f;big.png""#),
            "{html}"
        );
        assert!(html.contains(r#"data-as="Deploy &lt;bot&gt;""#), "{html}");
    }

    #[test]
    fn consecutive_messages_by_one_author_are_grouped_and_days_separated() {
        let r = Renderer::new().unwrap();
        let first = message("one");
        let mut second = message("two");
        second.author_id = first.author_id;
        second.created_at = first.created_at + chrono::Duration::minutes(1);
        let mut third = message("three");
        third.created_at = first.created_at + chrono::Duration::days(1);
        let items = history(&r, &[first, second, third]);
        let shape: Vec<_> = items
            .iter()
            .map(|i| match (&i.day, &i.message) {
                (Some(_), _) => "day",
                (_, Some(m)) if m.continued => "cont",
                _ => "msg",
            })
            .collect();
        assert_eq!(shape, ["day", "msg", "cont", "day", "msg"]);
    }
}
