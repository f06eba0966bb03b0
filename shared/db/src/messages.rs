//! Messages: insert in commit order, read back in pages.
//!
//! A message takes its channel's next `seq` by bumping `channels.last_seq`, which holds the
//! channel row's lock until the transaction commits. So within a channel, positions are
//! gap-free and follow commit order: a reader paging with `after` can never skip a message
//! that commits later with a smaller position.

use ajet_core::dto::MessageDto;
use ajet_core::{ChannelId, MessageId, UserId};
use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, JoinType, Order, PostgresQueryBuilder, Query};
use sea_query_sqlx::SqlxBinder;
use sqlx::PgConnection;
use uuid::Uuid;

/// A message joined with its author's username.
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
                                   parent_id)
             SELECT $1, $2, last_seq, $3, $4, $5, $6 FROM bump
             RETURNING id, channel_id, seq, author_id, parent_id, body_md, created_at,
                       edited_at, deleted_at, reply_count, last_reply_at
         ), _read AS (
             UPDATE channel_members SET last_read_seq = (SELECT last_seq FROM bump)
             WHERE channel_id = $2 AND user_id = $3
         )
         SELECT ins.*, u.username AS author_username FROM ins JOIN users u ON u.id = ins.author_id",
    )
    .bind(MessageId::new().as_uuid())
    .bind(new.channel.as_uuid())
    .bind(new.author.as_uuid())
    .bind(new.body)
    .bind(new.idempotency_key)
    .bind(new.parent.map(|p| p.as_uuid()))
    .fetch_one(conn)
    .await
}

const SELECT: &str = "SELECT m.id, m.channel_id, m.seq, m.author_id, u.username AS author_username,
        m.parent_id, m.body_md, m.created_at, m.edited_at, m.deleted_at, m.reply_count,
        m.last_reply_at
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

/// For each thread parent in `parents`, who replied, in order of their first reply.
pub async fn participants(
    conn: &mut PgConnection,
    parents: &[MessageId],
) -> Result<Vec<(MessageId, UserId)>, sqlx::Error> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = parents.iter().map(MessageId::as_uuid).collect();
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT parent_id, author_id FROM messages
         WHERE parent_id = ANY($1) AND deleted_at IS NULL
         GROUP BY parent_id, author_id
         ORDER BY parent_id, min(seq)",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(p, u)| (MessageId(p), UserId(u)))
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
        ])
        .expr_as(Expr::col(("u", "username")), "author_username")
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
