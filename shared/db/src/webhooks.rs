//! Incoming webhooks: each bound to a channel, posting as its own bot user, opened by a
//! secret token of which only the keyed hash is stored.

use ajet_core::identity::WebhookDto;
use ajet_core::{ChannelId, CommunityId, UserId, WebhookId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::tokens::{self, TokenHasher};

/// A webhook, as stored (without its hash).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Webhook {
    #[sqlx(try_from = "Uuid")]
    pub id: WebhookId,
    #[sqlx(try_from = "Uuid")]
    pub community_id: CommunityId,
    #[sqlx(try_from = "Uuid")]
    pub channel_id: ChannelId,
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<Webhook> for WebhookDto {
    fn from(w: Webhook) -> Self {
        Self {
            path: format!("/hook/{}/<token>", w.id),
            id: w.id,
            community_id: w.community_id,
            channel_id: w.channel_id,
            bot_id: w.user_id,
            name: w.name,
            created_at: w.created_at,
            revoked: w.revoked_at.is_some(),
        }
    }
}

const COLUMNS: &str = "id, community_id, channel_id, user_id, name, created_at, revoked_at";

/// A webhook to create; its bot user must exist already.
pub struct NewWebhook<'a> {
    pub community: CommunityId,
    pub channel: ChannelId,
    pub bot_user: UserId,
    pub name: &'a str,
    pub created_by: Option<UserId>,
}

/// Inserts a webhook; returns it with its secret token, which is never stored.
pub async fn insert(
    conn: &mut PgConnection,
    hasher: &TokenHasher,
    new: NewWebhook<'_>,
) -> Result<(Webhook, String), sqlx::Error> {
    let secret = tokens::generate();
    let webhook = sqlx::query_as(&format!(
        "INSERT INTO webhooks (id, community_id, channel_id, user_id, name, token_hash, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(WebhookId::new().as_uuid())
    .bind(new.community.as_uuid())
    .bind(new.channel.as_uuid())
    .bind(new.bot_user.as_uuid())
    .bind(new.name)
    .bind(&hasher.hash(&secret)[..])
    .bind(new.created_by.map(|u| u.as_uuid()))
    .fetch_one(conn)
    .await?;
    Ok((webhook, secret))
}

/// The webhook `id`, revoked or not.
pub async fn get(conn: &mut PgConnection, id: WebhookId) -> Result<Option<Webhook>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
}

/// The webhooks of `community`, oldest first, revoked ones included.
pub async fn list(
    conn: &mut PgConnection,
    community: CommunityId,
) -> Result<Vec<Webhook>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE community_id = $1 ORDER BY created_at, id"
    ))
    .bind(community.as_uuid())
    .fetch_all(conn)
    .await
}

/// Revokes the webhook `id`; whether it was live until now.
pub async fn revoke(conn: &mut PgConnection, id: WebhookId) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE webhooks SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
            .bind(id.as_uuid())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// The live webhook `id` if `token` is its token. The stored hash is compared in constant
/// time, so response timing reveals nothing about it.
pub async fn authenticate(
    conn: &mut PgConnection,
    hasher: &TokenHasher,
    id: WebhookId,
    token: &str,
) -> Result<Option<Webhook>, sqlx::Error> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        webhook: Webhook,
        token_hash: Vec<u8>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, token_hash FROM webhooks WHERE id = $1 AND revoked_at IS NULL"
    ))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let Ok(stored) = <[u8; 32]>::try_from(row.token_hash.as_slice()) else {
        return Ok(None);
    };
    // blake3::Hash compares in constant time.
    let matches = blake3::Hash::from(stored) == blake3::Hash::from(hasher.hash(token));
    Ok(matches.then_some(row.webhook))
}

/// Inserts the bot user a webhook posts as.
pub async fn insert_bot_user(
    conn: &mut PgConnection,
    username: &str,
    display_name: &str,
) -> Result<UserId, sqlx::Error> {
    let user = UserId::new();
    sqlx::query("INSERT INTO users (id, username, display_name, kind) VALUES ($1, $2, $3, 'bot')")
        .bind(user.as_uuid())
        .bind(username)
        .bind(display_name)
        .execute(conn)
        .await?;
    Ok(user)
}
