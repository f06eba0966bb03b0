//! Bots (API users) and their scoped API tokens.
//!
//! A bot is a users row of kind `bot` plus its `api_users` row; in the API a bot is known
//! by its user id. Tokens are shown once and stored only as keyed hashes.

use ajet_core::dto::Scope;
use ajet_core::identity::{BotDto, TokenDto};
use ajet_core::{ChannelId, CommunityId, TokenId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::{Grant, Identity};
use crate::tokens::{self, TokenHasher};

/// A bot, as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Bot {
    /// The `api_users` row.
    pub api_user_id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    #[sqlx(try_from = "Uuid")]
    pub community_id: CommunityId,
    pub name: String,
    pub username: String,
    pub created_at: DateTime<Utc>,
}

impl From<Bot> for BotDto {
    fn from(b: Bot) -> Self {
        Self {
            id: b.user_id,
            community_id: b.community_id,
            name: b.name,
            username: b.username,
            created_at: b.created_at,
        }
    }
}

/// An API token, as stored (without its hash).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiToken {
    #[sqlx(try_from = "Uuid")]
    pub id: TokenId,
    #[sqlx(try_from = "Uuid")]
    pub bot_id: UserId,
    #[sqlx(try_from = "Uuid")]
    pub community_id: CommunityId,
    pub name: String,
    pub scopes: Vec<String>,
    pub channel_ids: Option<Vec<Uuid>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiToken> for TokenDto {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id,
            bot_id: t.bot_id,
            name: t.name,
            scopes: t.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            channel_ids: t
                .channel_ids
                .map(|ids| ids.into_iter().map(ChannelId::from).collect()),
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            created_at: t.created_at,
            revoked: t.revoked_at.is_some(),
        }
    }
}

const BOT_COLUMNS: &str =
    "a.id AS api_user_id, a.user_id, a.community_id, a.name, u.username, a.created_at";
const TOKEN_COLUMNS: &str = "t.id, a.user_id AS bot_id, a.community_id, t.name, t.scopes, t.channel_ids, \
     t.expires_at, t.last_used_at, t.created_at, t.revoked_at";

/// Inserts a bot of `community` posting as a new user called `username`.
pub async fn insert_bot(
    conn: &mut PgConnection,
    community: CommunityId,
    name: &str,
    username: &str,
    created_by: Option<UserId>,
) -> Result<Bot, sqlx::Error> {
    let user = UserId::new();
    sqlx::query("INSERT INTO users (id, username, display_name, kind) VALUES ($1, $2, $3, 'bot')")
        .bind(user.as_uuid())
        .bind(username)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO api_users (id, user_id, community_id, name, created_by)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(user.as_uuid())
    .bind(community.as_uuid())
    .bind(name)
    .bind(created_by.map(|u| u.as_uuid()))
    .execute(&mut *conn)
    .await?;
    get_bot(conn, user).await?.ok_or(sqlx::Error::RowNotFound)
}

/// The bot whose user is `bot`.
pub async fn get_bot(conn: &mut PgConnection, bot: UserId) -> Result<Option<Bot>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {BOT_COLUMNS} FROM api_users a JOIN users u ON u.id = a.user_id
         WHERE a.user_id = $1 AND u.deleted_at IS NULL"
    ))
    .bind(bot.as_uuid())
    .fetch_optional(conn)
    .await
}

/// The bots of `community`, oldest first.
pub async fn list_bots(
    conn: &mut PgConnection,
    community: CommunityId,
) -> Result<Vec<Bot>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {BOT_COLUMNS} FROM api_users a JOIN users u ON u.id = a.user_id
         WHERE a.community_id = $1 AND u.deleted_at IS NULL
         ORDER BY a.created_at, a.id"
    ))
    .bind(community.as_uuid())
    .fetch_all(conn)
    .await
}

/// A token to create.
pub struct NewToken<'a> {
    pub bot: &'a Bot,
    pub name: &'a str,
    pub scopes: &'a [Scope],
    pub channels: Option<&'a [ChannelId]>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
}

/// Inserts a token; returns it with its secret, which is never stored.
pub async fn insert_token(
    conn: &mut PgConnection,
    hasher: &TokenHasher,
    new: NewToken<'_>,
) -> Result<(ApiToken, String), sqlx::Error> {
    let secret = tokens::generate();
    let id = TokenId::new();
    let scopes: Vec<&str> = new.scopes.iter().map(|s| s.as_str()).collect();
    let channels: Option<Vec<Uuid>> = new
        .channels
        .map(|ids| ids.iter().map(ChannelId::as_uuid).collect());
    sqlx::query(
        "INSERT INTO api_tokens
             (id, api_user_id, name, token_hash, scopes, channel_ids, expires_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.as_uuid())
    .bind(new.bot.api_user_id)
    .bind(new.name)
    .bind(&hasher.hash(&secret)[..])
    .bind(&scopes)
    .bind(channels)
    .bind(new.expires_at)
    .bind(new.created_by.map(|u| u.as_uuid()))
    .execute(&mut *conn)
    .await?;
    let token = get_token(conn, id).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((token, secret))
}

/// The token `id`, revoked or not.
pub async fn get_token(
    conn: &mut PgConnection,
    id: TokenId,
) -> Result<Option<ApiToken>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN api_users a ON a.id = t.api_user_id
         WHERE t.id = $1"
    ))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await
}

/// The tokens of `bot`, oldest first, revoked ones included.
pub async fn list_tokens(
    conn: &mut PgConnection,
    bot: UserId,
) -> Result<Vec<ApiToken>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN api_users a ON a.id = t.api_user_id
         WHERE a.user_id = $1 ORDER BY t.created_at, t.id"
    ))
    .bind(bot.as_uuid())
    .fetch_all(conn)
    .await
}

/// Revokes the token `id`; whether it was live until now.
pub async fn revoke_token(conn: &mut PgConnection, id: TokenId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id.as_uuid())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Revokes every token of the bots whose user is `user` (a deleted bot account).
pub async fn revoke_all_for_user(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now()
         WHERE revoked_at IS NULL
           AND api_user_id IN (SELECT id FROM api_users WHERE user_id = $1)",
    )
    .bind(user.as_uuid())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// How often `last_used_at` is written at most, so that validation stays a read.
const TOUCH_EVERY_SECS: f64 = 60.0;

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    user_id: Uuid,
    scopes: Vec<String>,
    channel_ids: Option<Vec<Uuid>>,
    expires_at: Option<DateTime<Utc>>,
    stale: bool,
}

/// The identity of the live API token whose keyed hash is `hash`: not revoked, not
/// expired, its bot not deleted. Records the use at most once a minute.
pub async fn authenticate(
    conn: &mut PgConnection,
    hash: &[u8; 32],
) -> Result<Option<Identity>, sqlx::Error> {
    let row: Option<TokenRow> = sqlx::query_as(
        "SELECT t.id, a.user_id, t.scopes, t.channel_ids, t.expires_at,
                (t.last_used_at IS NULL
                 OR t.last_used_at < now() - make_interval(secs => $2)) AS stale
         FROM api_tokens t
         JOIN api_users a ON a.id = t.api_user_id
         JOIN users u ON u.id = a.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL
           AND (t.expires_at IS NULL OR t.expires_at > now())
           AND u.deleted_at IS NULL",
    )
    .bind(&hash[..])
    .bind(TOUCH_EVERY_SECS)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.stale {
        sqlx::query("UPDATE api_tokens SET last_used_at = now() WHERE id = $1")
            .bind(row.id)
            .execute(conn)
            .await?;
    }
    Ok(Some(Identity {
        user_id: row.user_id.into(),
        grant: Grant::ApiToken {
            token_id: row.id.into(),
            scopes: row.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            channels: row
                .channel_ids
                .map(|ids| ids.into_iter().map(ChannelId::from).collect()),
        },
        expires_at: row.expires_at,
    }))
}
