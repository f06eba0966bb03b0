//! How results are printed: readable lines, or JSON with `--json`.

use ajet_core::dto::{ChannelDto, MessageDto};
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
    format!("{when} {}: {}{edited}", m.author_username, m.body)
}

/// A channel's display name: `community#name`, or `(direct message)`.
pub fn channel_name(c: &ChannelDto) -> String {
    match (&c.community_slug, &c.name) {
        (Some(slug), Some(name)) => format!("{slug}#{name}"),
        (None, Some(name)) => format!("#{name}"),
        _ => "(direct message)".to_owned(),
    }
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
        };
        assert!(message_line(&m).ends_with(" alice: hi there"));
    }
}
