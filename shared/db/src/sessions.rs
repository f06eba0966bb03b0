//! Login sessions: created with a fresh token, found again by its keyed hash.

use ajet_core::{SessionId, UserId};
use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::tokens::{self, TokenHasher};

/// How long a session lives without use. Use extends it (rolling expiry).
pub const SESSION_TTL: Duration = Duration::days(30);
/// Expiry is pushed forward at most this often, so that validation is a read on most
/// requests rather than a write.
pub const EXTEND_EVERY: Duration = Duration::minutes(5);

/// A valid session, as found for a presented token.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    #[sqlx(try_from = "Uuid")]
    pub id: SessionId,
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

/// Creates a session for `user`; returns it with the token, which is never stored.
pub async fn create(
    conn: &mut PgConnection,
    hasher: &TokenHasher,
    user: UserId,
    user_agent: Option<&str>,
) -> Result<(Session, String), sqlx::Error> {
    let token = tokens::generate();
    let session = sqlx::query_as(
        "INSERT INTO sessions (id, user_id, token_hash, user_agent, expires_at)
         VALUES ($1, $2, $3, $4, now() + $5)
         RETURNING id, user_id, expires_at, last_used_at",
    )
    .bind(SessionId::new().as_uuid())
    .bind(user.as_uuid())
    .bind(&hasher.hash(&token)[..])
    .bind(user_agent)
    .bind(SESSION_TTL)
    .fetch_one(conn)
    .await?;
    Ok((session, token))
}

/// The live session `token` belongs to: not expired, not revoked, its user not deleted.
/// Extends the expiry when it was last extended more than [`EXTEND_EVERY`] ago.
pub async fn authenticate(
    conn: &mut PgConnection,
    hasher: &TokenHasher,
    token: &str,
) -> Result<Option<Session>, sqlx::Error> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    let hash = hasher.hash(token);
    let session: Option<Session> = sqlx::query_as(
        "SELECT s.id, s.user_id, s.expires_at, s.last_used_at FROM sessions s
         JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
           AND u.deleted_at IS NULL",
    )
    .bind(&hash[..])
    .fetch_optional(&mut *conn)
    .await?;
    match session {
        Some(s) if Utc::now() - s.last_used_at > EXTEND_EVERY => {
            sqlx::query(
                "UPDATE sessions SET last_used_at = now(), expires_at = now() + $2 WHERE id = $1",
            )
            .bind(s.id.as_uuid())
            .bind(SESSION_TTL)
            .execute(conn)
            .await?;
            Ok(Some(s))
        }
        other => Ok(other),
    }
}

/// A session as its owner sees it in the list of their sessions.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionInfo {
    #[sqlx(try_from = "Uuid")]
    pub id: SessionId,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// `user`'s live sessions, newest first.
pub async fn list_for_user(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Vec<SessionInfo>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_agent, created_at, last_used_at, expires_at FROM sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
         ORDER BY created_at DESC, id DESC",
    )
    .bind(user.as_uuid())
    .fetch_all(conn)
    .await
}

/// Revokes `user`'s session `id`; whether there was such a live session.
pub async fn revoke(
    conn: &mut PgConnection,
    user: UserId,
    id: SessionId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = now()
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(id.as_uuid())
    .bind(user.as_uuid())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Revokes the session `token` opens (logout); the session, if it was live.
pub async fn revoke_by_token(
    conn: &mut PgConnection,
    hasher: &TokenHasher,
    token: &str,
) -> Result<Option<(SessionId, UserId)>, sqlx::Error> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    let row: Option<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE sessions SET revoked_at = now()
         WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id, user_id",
    )
    .bind(&hasher.hash(token)[..])
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(s, u)| (SessionId(s), UserId(u))))
}

/// Revokes every session of `user`.
pub async fn revoke_all(conn: &mut PgConnection, user: UserId) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user.as_uuid())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
