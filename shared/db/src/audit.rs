//! The audit log: who did what security-relevant thing, from where.

use ajet_core::{CommunityId, UserId};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// One audit_log row to write.
#[derive(Clone, Debug, Default)]
pub struct Entry<'a> {
    pub actor: Option<UserId>,
    /// What happened, e.g. `login`, `login.failed`, `token.create`.
    pub action: &'a str,
    pub community: Option<CommunityId>,
    /// What the action was done to (`session`, `token`, `invite`, `webhook`, `user`…).
    pub target_kind: Option<&'a str>,
    pub target_id: Option<Uuid>,
    /// The client's address, as text (`inet`); ignored when it does not parse.
    pub ip: Option<String>,
    pub trace_id: Option<String>,
    pub details: Value,
}

/// Writes `entry`.
pub async fn insert(conn: &mut PgConnection, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    let ip = entry.ip.filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    let details = if entry.details.is_null() {
        Value::Object(Default::default())
    } else {
        entry.details
    };
    sqlx::query(
        "INSERT INTO audit_log
             (id, actor_id, action, community_id, target_kind, target_id, ip, trace_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS inet), $8, $9)",
    )
    .bind(Uuid::now_v7())
    .bind(entry.actor.map(|u| u.as_uuid()))
    .bind(entry.action)
    .bind(entry.community.map(|c| c.as_uuid()))
    .bind(entry.target_kind)
    .bind(entry.target_id)
    .bind(ip)
    .bind(entry.trace_id)
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

/// An audit_log row as owners and admins read it (without the client's address).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Row {
    pub id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<Uuid>,
    pub details: Value,
}

/// The audit entries about `community`, newest first, older than `before` when given.
pub async fn list_for_community(
    conn: &mut PgConnection,
    community: CommunityId,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor_id, action, target_kind, target_id, details FROM audit_log
         WHERE community_id = $1 AND ($2::uuid IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
    )
    .bind(community.as_uuid())
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await
}
