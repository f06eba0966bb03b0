//! Messages: insert in commit order, read back in pages.
//!
//! A message takes its channel's next `seq` by bumping `channels.last_seq`, which holds the
//! channel row's lock until the transaction commits. So within a channel, positions are
//! gap-free and follow commit order: a reader paging with `after` can never skip a message
//! that commits later with a smaller position.

use ajet_core::dto::{AttachmentDto, MessageDto, MessageMeta, Replier};
use ajet_core::{ChannelId, CommunityId, EventId, MessageId, UserId};

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, JoinType, Order, PostgresQueryBuilder, Query};
use sea_query_sqlx::SqlxBinder;
use sqlx::PgConnection;
use sqlx::types::Json;
use uuid::Uuid;

/// A message joined with its author's username and picture.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Message {
    #[sqlx(try_from = "Uuid")]
    pub id: MessageId,
    #[sqlx(try_from = "Uuid")]
    pub channel_id: ChannelId,
    pub seq: i64,
    #[sqlx(try_from = "Uuid")]
    pub author_id: UserId,
    pub author_username: String,
    pub parent_id: Option<Uuid>,
    pub body_md: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub reply_count: i32,
    pub last_reply_at: Option<DateTime<Utc>>,
    pub meta: Option<Json<MessageMeta>>,
    pub author_avatar_url: Option<String>,
    pub author_bot: bool,
    pub files: Option<Json<Vec<AttachmentDto>>>,
}

impl From<Message> for MessageDto {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            channel_id: m.channel_id,
            seq: m.seq,
            author_id: m.author_id,
            author_username: m.author_username,
            parent_id: m.parent_id.map(MessageId),
            body: m.body_md,
            created_at: m.created_at,
            edited_at: m.edited_at,
            deleted: m.deleted_at.is_some(),
            reply_count: m.reply_count,
            last_reply_at: m.last_reply_at,
            reply_participants: Vec::new(),
            reactions: Vec::new(),
            meta: m.meta.map(|Json(meta)| meta),
            author_avatar_url: m.author_avatar_url,
            author_bot: m.author_bot,
            attachments: m.files.map(|Json(files)| files).unwrap_or_default(),
        }
    }
}

/// A new message, top-level or a thread reply.
pub struct NewMessage<'a> {
    pub channel: ChannelId,
    pub author: UserId,
    pub body: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub parent: Option<MessageId>,
    /// A webhook message's sender name, icon and cards.
    pub meta: Option<&'a MessageMeta>,
    /// The files posted with it (already taken from their uploads).
    pub files: &'a [AttachmentDto],
}

/// The unique index that makes a retried post with the same key a no-op.
pub const IDEMPOTENCY_CONSTRAINT: &str = "messages_idempotency_key";

/// Inserts a message at the channel's next position and moves the author's read position
/// to it. Run it in a transaction: the channel row stays locked until commit. A repeated
/// idempotency key fails with a unique violation of [`IDEMPOTENCY_CONSTRAINT`].
pub async fn insert(conn: &mut PgConnection, new: NewMessage<'_>) -> Result<Message, sqlx::Error> {
    sqlx::query_as(
        "WITH bump AS (
             UPDATE channels SET last_seq = last_seq + 1 WHERE id = $2 RETURNING last_seq
         ), ins AS (
             INSERT INTO messages (id, channel_id, seq, author_id, body_md, idempotency_key,
                                   parent_id, meta, files)
             SELECT $1, $2, last_seq, $3, $4, $5, $6, $7, $8 FROM bump
             RETURNING id, channel_id, seq, author_id, parent_id, body_md, created_at,
                       edited_at, deleted_at, reply_count, last_reply_at, meta, files
         ), _read AS (
             UPDATE channel_members SET last_read_seq = (SELECT last_seq FROM bump)
             WHERE channel_id = $2 AND user_id = $3
         )
         SELECT ins.*, u.username AS author_username, u.avatar_url AS author_avatar_url,
                u.kind = 'bot' AS author_bot
         FROM ins JOIN users u ON u.id = ins.author_id",
    )
    .bind(MessageId::new().as_uuid())
    .bind(new.channel.as_uuid())
    .bind(new.author.as_uuid())
    .bind(new.body)
    .bind(new.idempotency_key)
    .bind(new.parent.map(|p| p.as_uuid()))
    .bind(new.meta.map(Json))
    .bind((!new.files.is_empty()).then_some(Json(new.files)))
    .fetch_one(conn)
    .await
}

/// A top-level message for [`insert_batch`], with the event that announces it.
#[derive(Clone, Debug)]
pub struct BatchedMessage {
    pub id: MessageId,
    pub channel: ChannelId,
    /// The channel's community, as the caller believes it: a message whose channel is in
    /// another community (or in none) is not inserted.
    pub community: CommunityId,
    pub author: UserId,
    pub body: String,
    pub idempotency_key: Option<String>,
    /// The JSON of the message's [`MessageMeta`], if it has one.
    pub meta: Option<String>,
    /// Microsecond precision, as stored.
    pub created_at: DateTime<Utc>,
    /// The event recorded in the outbox with the message: the JSON of its envelope, whose
    /// `data.seq` and `data.author_username` the insert fills in.
    pub event_id: EventId,
    pub subject: String,
    pub payload: String,
    pub traceparent: Option<String>,
}

/// A message [`insert_batch`] stored: what the database filled in.
#[derive(Debug, sqlx::FromRow)]
pub struct BatchInserted {
    /// Position of the message in the batch, from 1.
    pub ord: i64,
    pub seq: i64,
    pub author_username: String,
    pub author_avatar_url: Option<String>,
    pub author_bot: bool,
}

/// Inserts many top-level messages at once, each with its event in the outbox, in one
/// statement. A message is stored only where its author may post it without anyone being
/// notified: the author is a member of the channel, the channel is a live community text
/// or voice channel of `community`, the author is neither banned nor muted there, and the
/// idempotency key (if any) is unused. The others are left out, for the caller to post one
/// by one. Messages of one channel take consecutive positions in batch order; each
/// author's read position moves to their last message.
///
/// The statement first locks the rows of the batch's channels in id order, so that
/// batches running side by side (several api instances) take their locks in one order
/// and cannot deadlock; the channel checks are made on the locked rows, so a channel
/// archived a moment earlier is seen archived. A key repeated within the batch, or used
/// by a concurrent post, fails the whole statement.
pub async fn insert_batch(
    conn: &mut PgConnection,
    batch: &[BatchedMessage],
) -> Result<Vec<BatchInserted>, sqlx::Error> {
    let ids: Vec<Uuid> = batch.iter().map(|m| m.id.as_uuid()).collect();
    let channels: Vec<Uuid> = batch.iter().map(|m| m.channel.as_uuid()).collect();
    let communities: Vec<Uuid> = batch.iter().map(|m| m.community.as_uuid()).collect();
    let authors: Vec<Uuid> = batch.iter().map(|m| m.author.as_uuid()).collect();
    let bodies: Vec<&str> = batch.iter().map(|m| m.body.as_str()).collect();
    let keys: Vec<Option<&str>> = batch.iter().map(|m| m.idempotency_key.as_deref()).collect();
    let created: Vec<DateTime<Utc>> = batch.iter().map(|m| m.created_at).collect();
    let event_ids: Vec<Uuid> = batch.iter().map(|m| m.event_id.as_uuid()).collect();
    let subjects: Vec<&str> = batch.iter().map(|m| m.subject.as_str()).collect();
    let payloads: Vec<&str> = batch.iter().map(|m| m.payload.as_str()).collect();
    let traces: Vec<Option<&str>> = batch.iter().map(|m| m.traceparent.as_deref()).collect();
    let metas: Vec<Option<&str>> = batch.iter().map(|m| m.meta.as_deref()).collect();
    sqlx::query_as(
        "WITH input AS (
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[],
                                  $6::text[], $7::timestamptz[], $8::uuid[], $9::text[],
                                  $10::text[]::jsonb[], $11::text[], $12::text[]::jsonb[])
                 WITH ORDINALITY AS i(id, channel_id, community_id, author_id, body,
                                      idempotency_key, created_at, event_id, subject, payload,
                                      traceparent, meta, ord)
         ), locked AS MATERIALIZED (
             -- Row locks are taken as the rows leave the sort: in id order.
             SELECT ch.id, ch.community_id FROM channels ch
             WHERE ch.id = ANY($2::uuid[])
               AND ch.kind IN ('text', 'voice') AND ch.archived_at IS NULL
             ORDER BY ch.id
             FOR UPDATE
         ), allowed AS (
             -- Plain (anti-)semi-joins, each answerable by an index probe per message. (An
             -- OR around the key test let the planner hash the whole messages table.)
             -- Only channels of `locked` get through, so `bump` updates only rows this
             -- statement already holds.
             SELECT i.* FROM input i
             WHERE EXISTS (SELECT 1 FROM locked l
                           WHERE l.id = i.channel_id AND l.community_id = i.community_id)
               AND EXISTS (SELECT 1 FROM channel_members m
                           WHERE m.channel_id = i.channel_id AND m.user_id = i.author_id)
               AND NOT EXISTS (SELECT 1 FROM bans b
                               WHERE b.community_id = i.community_id AND b.user_id = i.author_id
                                 AND (b.expires_at IS NULL OR b.expires_at > now()))
               AND NOT EXISTS (SELECT 1 FROM mutes mu
                               WHERE mu.community_id = i.community_id AND mu.user_id = i.author_id
                                 AND (mu.expires_at IS NULL OR mu.expires_at > now()))
               -- Never true for a message without a key.
               AND NOT EXISTS (SELECT 1 FROM messages x
                               WHERE x.author_id = i.author_id
                                 AND x.idempotency_key IS NOT NULL
                                 AND x.idempotency_key = i.idempotency_key)
         ), bump AS (
             UPDATE channels ch SET last_seq = ch.last_seq + c.n
             FROM (SELECT channel_id, count(*) AS n FROM allowed GROUP BY channel_id) c
             WHERE ch.id = c.channel_id
             RETURNING ch.id, ch.last_seq - c.n AS base
         ), numbered AS (
             SELECT a.*, u.username, u.avatar_url, u.kind = 'bot' AS bot,
                    b.base + row_number() OVER (PARTITION BY a.channel_id ORDER BY a.ord) AS seq
             FROM allowed a
             JOIN bump b ON b.id = a.channel_id
             JOIN users u ON u.id = a.author_id
         ), _messages AS (
             INSERT INTO messages (id, channel_id, seq, author_id, body_md, idempotency_key,
                                   created_at, meta)
             SELECT id, channel_id, seq, author_id, body, idempotency_key, created_at, meta
             FROM numbered
         ), _read AS (
             UPDATE channel_members m SET last_read_seq = r.seq
             FROM (SELECT channel_id, author_id, max(seq) AS seq FROM numbered
                   GROUP BY channel_id, author_id) r
             WHERE m.channel_id = r.channel_id AND m.user_id = r.author_id
         ), _events AS (
             INSERT INTO outbox (event_id, subject, payload, traceparent)
             SELECT event_id, subject,
                    jsonb_set(jsonb_set(jsonb_set(jsonb_set(payload, '{data,seq}', to_jsonb(seq)),
                                        '{data,author_username}', to_jsonb(username)),
                              '{data,author_avatar_url}', COALESCE(to_jsonb(avatar_url), 'null')),
                              '{data,author_bot}', to_jsonb(bot)),
                    traceparent
             FROM numbered
         )
         SELECT ord, seq, username AS author_username, avatar_url AS author_avatar_url,
                bot AS author_bot
         FROM numbered ORDER BY ord",
    )
    .bind(&ids)
    .bind(&channels)
    .bind(&communities)
    .bind(&authors)
    .bind(&bodies)
    .bind(&keys)
    .bind(&created)
    .bind(&event_ids)
    .bind(&subjects)
    .bind(&payloads)
    .bind(&traces)
    .bind(&metas)
    .fetch_all(conn)
    .await
}

const SELECT: &str = "SELECT m.id, m.channel_id, m.seq, m.author_id, u.username AS author_username,
        u.avatar_url AS author_avatar_url, u.kind = 'bot' AS author_bot, m.parent_id, m.body_md, m.created_at, m.edited_at,
        m.deleted_at, m.reply_count, m.last_reply_at, m.meta, m.files
     FROM messages m JOIN users u ON u.id = m.author_id";

/// The message `id`.
pub async fn get(conn: &mut PgConnection, id: MessageId) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} WHERE m.id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
}

/// The message `id`, locked until the transaction ends.
pub async fn get_for_update(
    conn: &mut PgConnection,
    id: MessageId,
) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} WHERE m.id = $1 FOR UPDATE OF m"))
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
}

/// Replaces the body of message `id` and stamps `edited_at`.
pub async fn edit(conn: &mut PgConnection, id: MessageId, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE messages SET body_md = $2, edited_at = now() WHERE id = $1")
        .bind(id.as_uuid())
        .bind(body)
        .execute(conn)
        .await?;
    Ok(())
}

/// Turns message `id` into a tombstone: the body, reactions and mentions go; the row
/// stays, so that a thread keeps its shape.
pub async fn tombstone(conn: &mut PgConnection, id: MessageId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE messages SET body_md = '', meta = NULL, deleted_at = now() WHERE id = $1")
        .bind(id.as_uuid())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM reactions WHERE message_id = $1")
        .bind(id.as_uuid())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM mentions WHERE message_id = $1")
        .bind(id.as_uuid())
        .execute(conn)
        .await?;
    Ok(())
}

/// Recounts the live replies of thread `parent`; its reply count and last reply time.
pub async fn refresh_thread(
    conn: &mut PgConnection,
    parent: MessageId,
) -> Result<(i32, Option<DateTime<Utc>>), sqlx::Error> {
    sqlx::query_as(
        "UPDATE messages p SET
             reply_count = r.count, last_reply_at = r.last
         FROM (SELECT count(*)::int AS count, max(created_at) AS last FROM messages
               WHERE parent_id = $1 AND deleted_at IS NULL) r
         WHERE p.id = $1
         RETURNING p.reply_count, p.last_reply_at",
    )
    .bind(parent.as_uuid())
    .fetch_one(conn)
    .await
}

/// Who replied in the threads of `parents` (live replies), the latest repliers first.
pub async fn participants(
    conn: &mut PgConnection,
    parents: &[MessageId],
) -> Result<Vec<(MessageId, Replier)>, sqlx::Error> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = parents.iter().map(MessageId::as_uuid).collect();
    let rows: Vec<(Uuid, Uuid, String, Option<String>)> = sqlx::query_as(
        "SELECT m.parent_id, m.author_id, u.username, u.avatar_url
         FROM messages m JOIN users u ON u.id = m.author_id
         WHERE m.parent_id = ANY($1) AND m.deleted_at IS NULL
         GROUP BY m.parent_id, m.author_id, u.username, u.avatar_url
         ORDER BY m.parent_id, max(m.seq) DESC",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(p, id, username, avatar_url)| {
            (
                MessageId(p),
                Replier {
                    id: UserId(id),
                    username,
                    avatar_url,
                },
            )
        })
        .collect())
}

/// Up to `limit` replies of thread `parent` from `from`, oldest first, and whether more
/// lie beyond them.
pub async fn list_thread(
    conn: &mut PgConnection,
    parent: MessageId,
    from: PageFrom,
    limit: u32,
) -> Result<(Vec<Message>, bool), sqlx::Error> {
    // Both conditions and orders are fixed strings; the values are bound.
    let (cond, order, seq) = match from {
        PageFrom::Latest => ("m.seq > $2", "DESC", 0),
        PageFrom::Before(seq) => ("m.seq < $2", "DESC", seq),
        PageFrom::After(seq) => ("m.seq > $2", "ASC", seq),
    };
    let mut rows: Vec<Message> = sqlx::query_as(&format!(
        "{SELECT} WHERE m.parent_id = $1 AND {cond} ORDER BY m.seq {order} LIMIT $3"
    ))
    .bind(parent.as_uuid())
    .bind(seq)
    .bind(i64::from(limit) + 1)
    .fetch_all(conn)
    .await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    if order == "DESC" {
        rows.reverse();
    }
    Ok((rows, has_more))
}

/// The message `author` already posted with `key`, if any.
pub async fn by_idempotency_key(
    conn: &mut PgConnection,
    author: UserId,
    key: &str,
) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE m.author_id = $1 AND m.idempotency_key = $2"
    ))
    .bind(author.as_uuid())
    .bind(key)
    .fetch_optional(conn)
    .await
}

/// The channel and position of message `id`, for turning a cursor into a position.
pub async fn position(
    conn: &mut PgConnection,
    id: MessageId,
) -> Result<Option<(ChannelId, i64)>, sqlx::Error> {
    let row: Option<(Uuid, i64)> =
        sqlx::query_as("SELECT channel_id, seq FROM messages WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(channel, seq)| (ChannelId(channel), seq)))
}

/// Where a page of history starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFrom {
    /// The newest messages.
    Latest,
    /// Messages before this position (older).
    Before(i64),
    /// Messages after this position (newer).
    After(i64),
}

/// Up to `limit` top-level messages of `channel` from `from`, oldest first, and whether
/// more lie beyond them in the direction read.
pub async fn list(
    conn: &mut PgConnection,
    channel: ChannelId,
    from: PageFrom,
    limit: u32,
) -> Result<(Vec<Message>, bool), sqlx::Error> {
    let mut query = Query::select();
    query
        .columns([
            ("m", "id"),
            ("m", "channel_id"),
            ("m", "seq"),
            ("m", "author_id"),
            ("m", "parent_id"),
            ("m", "body_md"),
            ("m", "created_at"),
            ("m", "edited_at"),
            ("m", "deleted_at"),
            ("m", "reply_count"),
            ("m", "last_reply_at"),
            ("m", "meta"),
            ("m", "files"),
        ])
        .expr_as(Expr::col(("u", "username")), "author_username")
        .expr_as(Expr::col(("u", "avatar_url")), "author_avatar_url")
        .expr_as(Expr::col(("u", "kind")).eq("bot"), "author_bot")
        .from_as("messages", "m")
        .join_as(
            JoinType::InnerJoin,
            "users",
            "u",
            Expr::col(("u", "id")).equals(("m", "author_id")),
        )
        .and_where(Expr::col(("m", "channel_id")).eq(channel.as_uuid()))
        .and_where(Expr::col(("m", "parent_id")).is_null())
        .limit(u64::from(limit) + 1);
    match from {
        PageFrom::Latest => {
            query.order_by(("m", "seq"), Order::Desc);
        }
        PageFrom::Before(seq) => {
            query
                .and_where(Expr::col(("m", "seq")).lt(seq))
                .order_by(("m", "seq"), Order::Desc);
        }
        PageFrom::After(seq) => {
            query
                .and_where(Expr::col(("m", "seq")).gt(seq))
                .order_by(("m", "seq"), Order::Asc);
        }
    }
    let (sql, values) = query.build_sqlx(PostgresQueryBuilder);
    let mut rows: Vec<Message> = sqlx::query_as_with(&sql, values).fetch_all(conn).await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    if !matches!(from, PageFrom::After(_)) {
        rows.reverse();
    }
    Ok((rows, has_more))
}
