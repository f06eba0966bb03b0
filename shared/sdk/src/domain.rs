//! The chat domain: communities, channels, DMs, messages, reactions, notifications, read
//! state and presence.

use ajet_core::dto::{
    AddMember, ChannelDto, CommunityDto, CommunityView, CreateChannel, CreateCommunity,
    EditMessage, MarkNotificationsRead, MarkRead, MarkUnread, MemberDto, MessageDto, MessagePage,
    NotificationPage, PresenceDto, ReactionDto, ReadState, StartDm, UpdateChannel,
};
use ajet_core::{ChannelId, CommunityId, MessageId, NotificationId, UserId};
use reqwest::Method;
use serde::Deserialize;

use crate::client::{Client, PageCursor};
use crate::error::Result;

#[derive(Deserialize)]
struct UnreadCount {
    unread_count: i64,
}

/// Characters that must be escaped in a path segment (an emoji is fine as UTF-8, but `%`,
/// `/`, `?` and `#` are not).
fn segment(s: &str) -> String {
    let mut out = String::new();
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

impl Client {
    /// The communities the caller belongs to.
    pub async fn communities(&self) -> Result<Vec<CommunityDto>> {
        self.send(self.request(Method::GET, "/api/communities"))
            .await
    }

    /// Creates a community owned by the caller, with a `#general`.
    pub async fn create_community(&self, name: &str, slug: Option<&str>) -> Result<CommunityDto> {
        let body = CreateCommunity {
            name: name.to_owned(),
            slug: slug.map(str::to_owned),
        };
        self.send(self.request(Method::POST, "/api/communities").json(&body))
            .await
    }

    /// A community, with the public channels the caller could join.
    pub async fn community(&self, community: CommunityId) -> Result<CommunityView> {
        let path = format!("/api/communities/{community}");
        self.send(self.request(Method::GET, &path)).await
    }

    /// The members of a community.
    pub async fn community_members(&self, community: CommunityId) -> Result<Vec<MemberDto>> {
        let path = format!("/api/communities/{community}/members");
        self.send(self.request(Method::GET, &path)).await
    }

    /// Creates a channel in `community`.
    pub async fn create_channel(
        &self,
        community: CommunityId,
        body: &CreateChannel,
    ) -> Result<ChannelDto> {
        let path = format!("/api/communities/{community}/channels");
        self.send(self.request(Method::POST, &path).json(body))
            .await
    }

    /// One channel, with the caller's unread state.
    pub async fn channel(&self, channel: ChannelId) -> Result<ChannelDto> {
        self.send(self.request(Method::GET, &format!("/api/channels/{channel}")))
            .await
    }

    /// Renames a channel or sets its topic.
    pub async fn update_channel(
        &self,
        channel: ChannelId,
        body: &UpdateChannel,
    ) -> Result<ChannelDto> {
        let path = format!("/api/channels/{channel}");
        self.send(self.request(Method::PATCH, &path).json(body))
            .await
    }

    /// Archives a channel.
    pub async fn archive_channel(&self, channel: ChannelId) -> Result<ChannelDto> {
        let path = format!("/api/channels/{channel}/archive");
        self.send(self.request(Method::POST, &path)).await
    }

    /// Joins a public channel.
    pub async fn join_channel(&self, channel: ChannelId) -> Result<()> {
        let path = format!("/api/channels/{channel}/join");
        self.send_empty(self.request(Method::POST, &path)).await
    }

    /// Leaves a channel or group DM.
    pub async fn leave_channel(&self, channel: ChannelId) -> Result<()> {
        let path = format!("/api/channels/{channel}/leave");
        self.send_empty(self.request(Method::POST, &path)).await
    }

    /// Brings `user` into `channel`.
    pub async fn add_channel_member(&self, channel: ChannelId, user: UserId) -> Result<()> {
        let path = format!("/api/channels/{channel}/members");
        self.send_empty(
            self.request(Method::POST, &path)
                .json(&AddMember { user_id: user }),
        )
        .await
    }

    /// The caller's DM with the users called `usernames` (one: a DM; several: a group DM).
    pub async fn start_dm(&self, usernames: &[&str]) -> Result<ChannelDto> {
        let body = StartDm {
            user_ids: Vec::new(),
            usernames: usernames.iter().map(|u| (*u).to_owned()).collect(),
        };
        self.send(self.request(Method::POST, "/api/dms").json(&body))
            .await
    }

    /// One message.
    pub async fn message(&self, id: MessageId) -> Result<MessageDto> {
        self.send(self.request(Method::GET, &format!("/api/messages/{id}")))
            .await
    }

    /// Replaces a message's body.
    pub async fn edit_message(&self, id: MessageId, body: &str) -> Result<MessageDto> {
        let request = EditMessage {
            body: body.to_owned(),
        };
        self.send(
            self.request(Method::PATCH, &format!("/api/messages/{id}"))
                .json(&request),
        )
        .await
    }

    /// Deletes a message (a tombstone remains).
    pub async fn delete_message(&self, id: MessageId) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, &format!("/api/messages/{id}")))
            .await
    }

    /// A page of a thread's replies, oldest first.
    pub async fn replies(
        &self,
        parent: MessageId,
        cursor: PageCursor,
        limit: u32,
    ) -> Result<MessagePage> {
        let path = format!("/api/messages/{parent}/replies");
        self.send(self.request(Method::GET, &path).query(&cursor.query(limit)))
            .await
    }

    /// Adds (or, with `add == false`, removes) the caller's `emoji` reaction; the message's
    /// reactions after.
    pub async fn react(
        &self,
        message: MessageId,
        emoji: &str,
        add: bool,
    ) -> Result<Vec<ReactionDto>> {
        let path = format!("/api/messages/{message}/reactions/{}", segment(emoji));
        let method = if add { Method::PUT } else { Method::DELETE };
        self.send(self.request(method, &path)).await
    }

    /// Marks `channel` read up to `message` (or its end).
    pub async fn mark_read(
        &self,
        channel: ChannelId,
        message: Option<MessageId>,
    ) -> Result<ReadState> {
        let path = format!("/api/channels/{channel}/read");
        let body = MarkRead {
            message_id: message,
        };
        self.send(self.request(Method::POST, &path).json(&body))
            .await
    }

    /// Marks `message` and everything after it unread.
    pub async fn mark_unread(&self, channel: ChannelId, message: MessageId) -> Result<ReadState> {
        let path = format!("/api/channels/{channel}/unread");
        let body = MarkUnread {
            message_id: message,
        };
        self.send(self.request(Method::POST, &path).json(&body))
            .await
    }

    /// The caller's notifications, newest first.
    pub async fn notifications(
        &self,
        unread_only: bool,
        before: Option<NotificationId>,
        limit: u32,
    ) -> Result<NotificationPage> {
        let mut query = vec![
            ("limit", limit.to_string()),
            ("unread", unread_only.to_string()),
        ];
        if let Some(before) = before {
            query.push(("before", before.to_string()));
        }
        self.send(
            self.request(Method::GET, "/api/notifications")
                .query(&query),
        )
        .await
    }

    /// Marks notifications read (`ids`, or all); the unread count left.
    pub async fn mark_notifications_read(&self, ids: &[NotificationId], all: bool) -> Result<i64> {
        let body = MarkNotificationsRead {
            ids: ids.to_vec(),
            all,
        };
        let count: UnreadCount = self
            .send(
                self.request(Method::POST, "/api/notifications/read")
                    .json(&body),
            )
            .await?;
        Ok(count.unread_count)
    }

    /// Says the caller is here (send every minute or so while active).
    pub async fn heartbeat(&self) -> Result<()> {
        self.send_empty(self.request(Method::POST, "/api/heartbeat"))
            .await
    }

    /// Tells the session manager at `path` (`/tui/typing`) that the caller started (or,
    /// with `typing == false`, stopped) typing in `channel`.
    pub async fn typing(&self, path: &str, channel: ChannelId, typing: bool) -> Result<()> {
        let body = serde_json::json!({ "channel_id": channel, "typing": typing });
        self.send_empty(self.request(Method::POST, path).json(&body))
            .await
    }

    /// The people who share a channel or DM with the caller.
    pub async fn contacts(&self) -> Result<Vec<UserId>> {
        self.send(self.request(Method::GET, "/api/me/contacts"))
            .await
    }

    /// Who of `users` is online.
    pub async fn presence(&self, users: &[UserId]) -> Result<Vec<PresenceDto>> {
        let ids: Vec<String> = users.iter().map(ToString::to_string).collect();
        self.send(
            self.request(Method::GET, "/api/presence")
                .query(&[("user_ids", ids.join(","))]),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(segment("👍"), "%F0%9F%91%8D");
        assert_eq!(segment("a/b?c"), "a%2Fb%3Fc");
    }
}
