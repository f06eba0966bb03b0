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
    /// A secret shared with the sender: every delivery must then carry a valid
    /// `X-Hub-Signature-256` (GitHub) or `X-Gitea-Signature` (Gitea, Forgejo) HMAC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The events to post (`push`, `pull_request`, `alert`, `message`, …); absent: every
    /// event that can be rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Whether a delivery may set its own sender name and icon, or post to another public
    /// channel of the community (Slack's `username`, `icon_url`, `icon_emoji`, `channel`).
    #[serde(default)]
    pub allow_overrides: bool,
    /// Whether successful CI results (workflow runs and jobs, check runs and suites) post;
    /// failures always do.
    #[serde(default = "yes")]
    pub post_ci_successes: bool,
}

fn yes() -> bool {
    true
}

/// A field that is present, `null` or not: `Some(None)` for `null`, and (with
/// `#[serde(default)]`) `None` when absent.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /api/webhooks/{id}`: the settings to change; what is absent stays as it is.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new secret; `null` removes it, so that deliveries need no signature.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub secret: Option<Option<String>>,
    /// The events to post; `null` posts every event that can be rendered.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<String>>))]
    pub events: Option<Option<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_overrides: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_ci_successes: Option<bool>,
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
    /// Whether deliveries must be signed with the webhook's secret (never shown).
    #[serde(default)]
    pub has_secret: bool,
    /// The events it posts; absent: every event that can be rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    #[serde(default)]
    pub allow_overrides: bool,
    #[serde(default)]
    pub post_ci_successes: bool,
}

/// One delivery in a webhook's log (`GET /api/webhooks/{id}/deliveries`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryDto {
    pub received_at: DateTime<Utc>,
    /// The format it was read as (`slack`, `github`, `gitea`, `alertmanager`, `plain`), when
    /// it got that far.
    pub format: Option<String>,
    /// The event (`push`, `alert`, `message`, …) and its action, when known.
    pub event: Option<String>,
    pub action: Option<String>,
    /// The sender's delivery id (`X-GitHub-Delivery`, `X-Gitea-Delivery`).
    pub delivery_id: Option<String>,
    /// The HTTP status it was answered with.
    pub status: u16,
    /// What happened, as a sentence: why it was refused, or why nothing was posted.
    pub note: Option<String>,
    /// The message it posted.
    pub message_id: Option<crate::ids::MessageId>,
}

/// The answer to a delivery that posted nothing new (a ping, an event the webhook leaves
/// out, a redelivery). Slack-compatible deliveries are answered `ok`, as Slack does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HookReceipt {
    pub posted: bool,
    /// The message this delivery posted before, for a redelivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<crate::ids::MessageId>,
    /// Why nothing was posted.
    pub note: String,
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
