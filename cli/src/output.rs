//! How results are printed: readable lines, or JSON with `--json`.

use ajet_core::dto::{ChannelDto, MessageDto, NotificationDto, NotificationKind};
use ajet_core::files::human_size;
use chrono::Local;

/// One message as a line: `2026-11-22 09:14 alice: hi`.
pub fn message_line(m: &MessageDto) -> String {
    let when = m.created_at.with_timezone(&Local).format("%Y-%m-%d %H:%M");
    if m.deleted {
        return format!("{when} {}: (deleted)", m.author_username);
    }
    let edited = if m.edited_at.is_some() {
        " (edited)"
    } else {
        ""
    };
    let mut line = format!("{when} {}: {}{edited}", m.author_username, m.body);
    if m.reply_count > 0 {
        let s = if m.reply_count == 1 { "y" } else { "ies" };
        line.push_str(&format!("  [{} repl{s}]", m.reply_count));
    }
    if !m.reactions.is_empty() {
        let reactions: Vec<String> = m
            .reactions
            .iter()
            .map(|r| format!("{} {}", r.emoji, r.count))
            .collect();
        line.push_str(&format!("  {}", reactions.join("  ")));
    }
    for file in &m.attachments {
        line.push_str(&format!(
            "\n    📎 {} ({}, {})  id {}",
            file.name,
            human_size(file.size),
            file.media_type,
            file.id
        ));
    }
    line
}

/// A transfer's progress on one line of stderr, redrawn in place; silent for `--json` and
/// when stderr is not a terminal.
#[derive(Clone)]
pub struct Progress {
    label: String,
    shown: bool,
}

impl Progress {
    pub fn new(label: &str, json: bool) -> Self {
        Self {
            label: label.to_owned(),
            shown: !json && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }

    /// Ends the line.
    pub fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }

    pub fn show(&self, done: u64, total: Option<u64>) {
        if !self.shown {
            return;
        }
        let done_text = human_size(i64::try_from(done).unwrap_or(i64::MAX));
        match total.filter(|t| *t > 0) {
            Some(total) => eprint!(
                "\r{}: {done_text} of {} ({}%)   ",
                self.label,
                human_size(i64::try_from(total).unwrap_or(i64::MAX)),
                done * 100 / total
            ),
            None => eprint!("\r{}: {done_text}   ", self.label),
        }
    }
}

/// A channel's display name: `community#name`, or `@alice, @bob` for a DM.
pub fn channel_name(c: &ChannelDto) -> String {
    match (&c.community_slug, &c.name) {
        (Some(slug), Some(name)) => format!("{slug}#{name}"),
        (None, Some(name)) => format!("#{name}"),
        _ if !c.members.is_empty() => c
            .members
            .iter()
            .map(|u| format!("@{}", u.username))
            .collect::<Vec<_>>()
            .join(", "),
        _ => "(direct message)".to_owned(),
    }
}

/// A channel with its unread counts: `acme#general  3 unread, 1 mention`.
pub fn channel_line(c: &ChannelDto) -> String {
    let mut line = channel_name(c);
    if c.archived {
        line.push_str("  (archived)");
    }
    if c.unread_count > 0 {
        line.push_str(&format!("  {} unread", c.unread_count));
    }
    if c.mention_count > 0 {
        let s = if c.mention_count == 1 { "" } else { "s" };
        line.push_str(&format!(", {} mention{s}", c.mention_count));
    }
    line
}

/// A notification as a line: `2026-11-22 09:14 • mention by alice in acme#general: hi @bob`.
pub fn notification_line(n: &NotificationDto) -> String {
    let when = n.created_at.with_timezone(&Local).format("%Y-%m-%d %H:%M");
    let mark = if n.read { " " } else { "•" };
    let text = |key: &str| {
        n.data
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let place = match (
        n.data.get("community_slug").and_then(|v| v.as_str()),
        n.data.get("channel_name").and_then(|v| v.as_str()),
    ) {
        (Some(slug), Some(name)) => format!("{slug}#{name}"),
        _ => "a direct message".to_owned(),
    };
    let what = match n.kind {
        NotificationKind::Mention => format!(
            "mention by {} in {place}: {}",
            text("author_username"),
            text("preview")
        ),
        NotificationKind::Dm => format!(
            "message from {}: {}",
            text("author_username"),
            text("preview")
        ),
        NotificationKind::ThreadReply => format!(
            "reply by {} in {place}: {}",
            text("author_username"),
            text("preview")
        ),
        NotificationKind::Invite => format!("you were added to {place}"),
        NotificationKind::System => format!("{}", n.data),
    };
    format!("{when} {mark} {what}")
}

/// Prints `value` as one line of JSON.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ajet_core::{ChannelId, MessageId, UserId};

    #[test]
    fn messages_read_as_author_and_body() {
        let m = MessageDto {
            author_avatar_url: None,
            author_bot: false,
            attachments: Vec::new(),
            id: MessageId::new(),
            channel_id: ChannelId::new(),
            seq: 1,
            author_id: UserId::new(),
            author_username: "alice".into(),
            parent_id: None,
            body: "hi there".into(),
            created_at: chrono::Utc::now(),
            edited_at: None,
            deleted: false,
            reply_count: 0,
            last_reply_at: None,
            reply_participants: Vec::new(),
            reactions: Vec::new(),
            meta: None,
        };
        assert!(message_line(&m).ends_with(" alice: hi there"));
    }
}
