//! Request and response bodies of the identity routes: bots and their tokens, webhooks,
//! invites and sessions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dto::Scope;
use crate::ids::{ChannelId, CommunityId, SessionId, TokenId, UserId, WebhookId};

/// Longest bot, token, webhook or invite name.
pub const MAX_NAME_LEN: usize = 64;
/// Longest password accepted at sign-up or login (argon2 takes any length; this keeps
/// requests small and hashing time bounded).
pub const MAX_PASSWORD_LEN: usize = 256;
/// Shortest password accepted at sign-up.
pub const MIN_PASSWORD_LEN: usize = 8;

/// `POST /api/communities/{id}/bots`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateBot {
    pub name: String,
    /// Channels of the community the bot joins besides `#general`.
    #[serde(default)]
    pub channel_ids: Vec<ChannelId>,
}

/// A bot account. Its id is the id of the user it posts as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotDto {
    pub id: UserId,
    pub community_id: CommunityId,
    pub name: String,
    pub username: String,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/bots/{id}/tokens`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    pub scopes: Vec<Scope>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// When set, the only channels the token may touch.
    #[serde(default)]
    pub channel_ids: Option<Vec<ChannelId>>,
}

/// An API token as listed: never the secret itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenDto {
    pub id: TokenId,
    pub bot_id: UserId,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub channel_ids: Option<Vec<ChannelId>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// A secret shown once, at creation, with what it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Created<T> {
    #[serde(flatten)]
    pub item: T,
    /// The secret. It is not stored and cannot be shown again.
    pub token: String,
}

/// `POST /api/communities/{id}/webhooks`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    pub channel_id: ChannelId,
    pub name: String,
}

/// An incoming webhook as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDto {
    pub id: WebhookId,
    pub community_id: CommunityId,
    pub channel_id: ChannelId,
    pub bot_id: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
    /// Where outside tools post: `/hook/<id>/<token>` (the token is only in
    /// [`Created::token`]).
    pub path: String,
}

/// The body a webhook accepts (for now: plain text).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookPost {
    pub text: String,
}

/// `POST /api/communities/{id}/invites`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateInvite {
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub max_uses: Option<i32>,
}

/// An invite to a community.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteDto {
    pub id: uuid::Uuid,
    pub community_id: CommunityId,
    pub code: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// One of the caller's login sessions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionDto {
    pub id: SessionId,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Whether this is the session the request came with.
    pub current: bool,
}

/// `POST /auth/password` (the cli's local login) and its answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordLogin {
    pub username: String,
    pub password: String,
}

/// A new session token, for the cli.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionToken {
    pub token: String,
    pub user_id: UserId,
    pub username: String,
}

/// One audit log entry of a community, as its owners and admins read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntryDto {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    /// What happened: `token.create`, `invite.revoke`, `role.change`, …
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<uuid::Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// A page of audit entries, newest first; `?before=<last id>` gets the next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntryDto>,
    pub has_more: bool,
}
