//! Incoming webhooks: each bound to a channel, posting as its own bot user, opened by a
//! secret token of which only the keyed hash is stored.

use ajet_core::identity::{WebhookDeliveryDto, WebhookDto};
use ajet_core::limits::WEBHOOK_DELIVERY_LOG;
use ajet_core::{ChannelId, CommunityId, MessageId, UserId, WebhookId};
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
    /// The HMAC key signed deliveries are checked against.
    pub secret: Option<String>,
    /// The events to post; `None`: every event that can be rendered.
    pub events: Option<Vec<String>>,
    pub allow_overrides: bool,
    pub post_ci_successes: bool,
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
            has_secret: w.secret.is_some(),
            events: w.events,
            allow_overrides: w.allow_overrides,
            post_ci_successes: w.post_ci_successes,
        }
    }
}

const COLUMNS: &str = "id, community_id, channel_id, user_id, name, created_at, revoked_at, \
                       secret, events, allow_overrides, post_ci_successes";

/// A webhook to create; its bot user must exist already.
pub struct NewWebhook<'a> {
    pub community: CommunityId,
    pub channel: ChannelId,
    pub bot_user: UserId,
    pub name: &'a str,
    pub created_by: Option<UserId>,
    pub settings: Settings,
}

/// What a webhook posts and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    pub secret: Option<String>,
    pub events: Option<Vec<String>>,
    pub allow_overrides: bool,
    pub post_ci_successes: bool,
}

/// Inserts a webhook; returns it with its secret token, which is never stored.
pub async fn insert(
    conn: &mut PgConnection,
    hasher: &TokenHasher,
    new: NewWebhook<'_>,
) -> Result<(Webhook, String), sqlx::Error> {
    let secret = tokens::generate();
    let webhook = sqlx::query_as(&format!(
        "INSERT INTO webhooks (id, community_id, channel_id, user_id, name, token_hash, created_by,
                               secret, events, allow_overrides, post_ci_successes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
    ))
    .bind(WebhookId::new().as_uuid())
    .bind(new.community.as_uuid())
    .bind(new.channel.as_uuid())
    .bind(new.bot_user.as_uuid())
    .bind(new.name)
    .bind(&hasher.hash(&secret)[..])
    .bind(new.created_by.map(|u| u.as_uuid()))
    .bind(new.settings.secret)
    .bind(new.settings.events)
    .bind(new.settings.allow_overrides)
    .bind(new.settings.post_ci_successes)
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

/// Replaces the name and settings of the webhook `id`; the webhook as it now is.
pub async fn update(
    conn: &mut PgConnection,
    id: WebhookId,
    name: &str,
    settings: &Settings,
) -> Result<Option<Webhook>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE webhooks SET name = $2, secret = $3, events = $4, allow_overrides = $5,
                             post_ci_successes = $6
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id.as_uuid())
    .bind(name)
    .bind(settings.secret.as_deref())
    .bind(settings.events.as_deref())
    .bind(settings.allow_overrides)
    .bind(settings.post_ci_successes)
    .fetch_optional(conn)
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

/// One delivery for a webhook's log.
#[derive(Clone, Debug, Default)]
pub struct Delivery {
    pub webhook: WebhookId,
    pub format: Option<String>,
    pub event: Option<String>,
    pub action: Option<String>,
    pub delivery_id: Option<String>,
    pub status: u16,
    pub note: Option<String>,
    pub message: Option<MessageId>,
}

/// Adds deliveries to their webhooks' logs, and forgets the rows of the webhooks in
/// `prune` past their newest [`WEBHOOK_DELIVERY_LOG`]. Two statements at most, each its
/// own transaction. The log is for diagnosis: run this on a connection set to
/// `synchronous_commit = off` (see [`relaxed`]), so that its commits do not wait for the
/// disk — a crash may lose the log's last rows, never a message.
pub async fn log_deliveries(
    conn: &mut PgConnection,
    deliveries: &[Delivery],
    prune: &[WebhookId],
) -> Result<(), sqlx::Error> {
    fn column(
        deliveries: &[Delivery],
        max: usize,
        f: impl Fn(&Delivery) -> Option<&str>,
    ) -> Vec<Option<String>> {
        deliveries
            .iter()
            .map(|d| f(d).map(|s| bounded(s, max).to_owned()))
            .collect()
    }
    let webhooks: Vec<Uuid> = deliveries.iter().map(|d| d.webhook.as_uuid()).collect();
    let formats = column(deliveries, 32, |d| d.format.as_deref());
    let events = column(deliveries, 64, |d| d.event.as_deref());
    let actions = column(deliveries, 64, |d| d.action.as_deref());
    let ids = column(deliveries, 128, |d| d.delivery_id.as_deref());
    let notes = column(deliveries, 1000, |d| d.note.as_deref());
    let statuses: Vec<i16> = deliveries
        .iter()
        .map(|d| i16::try_from(d.status).unwrap_or(i16::MAX))
        .collect();
    let messages: Vec<Option<Uuid>> = deliveries
        .iter()
        .map(|d| d.message.map(|m| m.as_uuid()))
        .collect();
    let keep = i64::try_from(WEBHOOK_DELIVERY_LOG).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO webhook_deliveries
             (webhook_id, format, event, action, delivery_id, status, note, message_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                              $6::smallint[], $7::text[], $8::uuid[])",
    )
    .bind(&webhooks)
    .bind(&formats)
    .bind(&events)
    .bind(&actions)
    .bind(&ids)
    .bind(&statuses)
    .bind(&notes)
    .bind(&messages)
    .execute(&mut *conn)
    .await?;
    if !prune.is_empty() {
        let prune: Vec<Uuid> = prune.iter().map(|w| w.as_uuid()).collect();
        sqlx::query(
            "DELETE FROM webhook_deliveries d
             USING (SELECT id, row_number() OVER (PARTITION BY webhook_id ORDER BY id DESC) AS n
                    FROM webhook_deliveries WHERE webhook_id = ANY($1)) old
             WHERE d.id = old.id AND old.n > $2",
        )
        .bind(&prune)
        .bind(keep)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Sets `conn` to commit without waiting for the disk, for writes that may be lost in a
/// crash (the webhooks' delivery log).
pub async fn relaxed(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET synchronous_commit = off")
        .execute(conn)
        .await?;
    Ok(())
}

/// The newest deliveries of `webhook`, newest first.
pub async fn deliveries(
    conn: &mut PgConnection,
    webhook: WebhookId,
) -> Result<Vec<WebhookDeliveryDto>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        received_at: DateTime<Utc>,
        format: Option<String>,
        event: Option<String>,
        action: Option<String>,
        delivery_id: Option<String>,
        status: i16,
        note: Option<String>,
        message_id: Option<Uuid>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT received_at, format, event, action, delivery_id, status, note, message_id
         FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(webhook.as_uuid())
    .bind(i64::try_from(WEBHOOK_DELIVERY_LOG).unwrap_or(i64::MAX))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| WebhookDeliveryDto {
            received_at: r.received_at,
            format: r.format,
            event: r.event,
            action: r.action,
            delivery_id: r.delivery_id,
            status: u16::try_from(r.status).unwrap_or_default(),
            note: r.note,
            message_id: r.message_id.map(MessageId),
        })
        .collect())
}

/// `s` cut to at most `max` characters.
fn bounded(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}
