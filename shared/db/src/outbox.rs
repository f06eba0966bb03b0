//! The outbox: events written in the transaction of the change they describe, relayed to
//! the bus after commit, and kept for a while as the record of what was published.

use ajet_core::{Envelope, EventId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// An event waiting for (or past) publication.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxEvent {
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    pub subject: String,
    pub payload: sqlx::types::Json<serde_json::Value>,
    pub traceparent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Records `event` for publication on `subject`. Call it inside the write's transaction.
pub async fn insert(
    conn: &mut PgConnection,
    subject: &str,
    event: &Envelope,
    traceparent: Option<&str>,
) -> Result<OutboxEvent, sqlx::Error> {
    let payload = serde_json::to_value(event).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query_as(
        "INSERT INTO outbox (event_id, subject, payload, traceparent) VALUES ($1, $2, $3, $4)
         RETURNING event_id, subject, payload, traceparent, created_at",
    )
    .bind(event.event_id.as_uuid())
    .bind(subject)
    .bind(sqlx::types::Json(payload))
    .bind(traceparent)
    .fetch_one(conn)
    .await
}

/// Unpublished events created before `before`, oldest first.
pub async fn pending(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OutboxEvent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT event_id, subject, payload, traceparent, created_at FROM outbox
         WHERE published_at IS NULL AND created_at < $1
         ORDER BY created_at, event_id
         LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Marks events as published at the given stream positions.
pub async fn mark_published(
    conn: &mut PgConnection,
    published: &[(EventId, u64)],
) -> Result<(), sqlx::Error> {
    if published.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = published.iter().map(|(id, _)| id.as_uuid()).collect();
    let seqs: Vec<i64> = published
        .iter()
        .map(|(_, seq)| i64::try_from(*seq).unwrap_or(i64::MAX))
        .collect();
    sqlx::query(
        "UPDATE outbox o SET published_at = now(), stream_seq = p.seq
         FROM unnest($1::uuid[], $2::bigint[]) AS p(id, seq)
         WHERE o.event_id = p.id AND o.published_at IS NULL",
    )
    .bind(&ids)
    .bind(&seqs)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes published events older than `before`; returns how many.
pub async fn prune(conn: &mut PgConnection, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < $1")
            .bind(before)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}
