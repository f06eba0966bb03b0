//! Request and response bodies of the REST API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ChannelId, CommunityId, MessageId, UserId};

/// A user as others see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDto {
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
}

/// A community the caller belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityDto {
    pub id: CommunityId,
    pub name: String,
    pub slug: String,
}

/// The kind of a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Text,
    Voice,
    Dm,
    GroupDm,
}

/// Who may see a community channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Private,
}

/// A channel, DM or group DM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelDto {
    pub id: ChannelId,
    pub community_id: Option<CommunityId>,
    /// The community's slug, so clients can show `slug#name` without another request.
    pub community_slug: Option<String>,
    /// `None` for DMs.
    pub name: Option<String>,
    pub kind: ChannelKind,
    pub visibility: Visibility,
    pub topic: String,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
}

/// The caller, with the communities they belong to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeDto {
    pub user: UserDto,
    pub communities: Vec<CommunityDto>,
}

/// A message or thread reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDto {
    pub id: MessageId,
    pub channel_id: ChannelId,
    /// Position in the channel, in commit order: gap-free and never reused.
    pub seq: i64,
    pub author_id: UserId,
    pub author_username: String,
    pub parent_id: Option<MessageId>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub reply_count: i32,
}

/// Body of `POST /api/channels/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateMessage {
    /// Markdown, up to [`crate::limits::MAX_MESSAGE_CHARS`] characters.
    pub body: String,
    /// Client-generated key: a retried post with the same key returns the first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// One page of messages, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<MessageDto>,
    /// Whether more messages lie beyond this page in the direction it was read.
    pub has_more: bool,
}

/// What an API token may do. A person's session may do everything their role allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "messages:read")]
    MessagesRead,
    #[serde(rename = "messages:write")]
    MessagesWrite,
    #[serde(rename = "channels:read")]
    ChannelsRead,
    #[serde(rename = "channels:write")]
    ChannelsWrite,
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope, in the order they are documented.
    pub const ALL: [Scope; 5] = [
        Self::MessagesRead,
        Self::MessagesWrite,
        Self::ChannelsRead,
        Self::ChannelsWrite,
        Self::Admin,
    ];

    /// The scope's name, as stored and as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessagesRead => "messages:read",
            Self::MessagesWrite => "messages:write",
            Self::ChannelsRead => "channels:read",
            Self::ChannelsWrite => "channels:write",
            Self::Admin => "admin",
        }
    }

    /// The scope called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}
