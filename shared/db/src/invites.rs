//! Invites to a community: a code, an optional expiry and use limit, revocable.

use ajet_core::identity::InviteDto;
use ajet_core::{CommunityId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// An invites row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Invite {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub community_id: CommunityId,
    pub code: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<Invite> for InviteDto {
    fn from(i: Invite) -> Self {
        Self {
            id: i.id,
            community_id: i.community_id,
            code: i.code,
            expires_at: i.expires_at,
            max_uses: i.max_uses,
            uses: i.uses,
            created_at: i.created_at,
            revoked: i.revoked_at.is_some(),
        }
    }
}

const COLUMNS: &str = "id, community_id, code, expires_at, max_uses, uses, created_at, revoked_at";

/// Inserts an invite with a fresh random code.
pub async fn insert(
    conn: &mut PgConnection,
    community: CommunityId,
    created_by: Option<UserId>,
    expires_at: Option<DateTime<Utc>>,
    max_uses: Option<i32>,
) -> Result<Invite, sqlx::Error> {
    // 32 random bytes, base64url: unguessable, and fine in a link.
    let code = crate::tokens::generate();
    sqlx::query_as(&format!(
        "INSERT INTO invites (id, community_id, code, created_by, expires_at, max_uses)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(community.as_uuid())
    .bind(code)
    .bind(created_by.map(|u| u.as_uuid()))
    .bind(expires_at)
    .bind(max_uses)
    .fetch_one(conn)
    .await
}

/// The invite `id`.
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Invite>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM invites WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The invites of `community`, oldest first.
pub async fn list(
    conn: &mut PgConnection,
    community: CommunityId,
) -> Result<Vec<Invite>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invites WHERE community_id = $1 ORDER BY created_at, id"
    ))
    .bind(community.as_uuid())
    .fetch_all(conn)
    .await
}

/// Revokes the invite `id`; whether it was live until now.
pub async fn revoke(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE invites SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Why an invite cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    #[error("there is no such invite")]
    Unknown,
    #[error("this invite has been revoked")]
    Revoked,
    #[error("this invite has expired")]
    Expired,
    #[error("this invite has been used up")]
    UsedUp,
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

/// Takes one use of the invite `code` (locking its row: call inside the transaction that
/// creates the member, so a failed sign-up does not spend it).
pub async fn redeem(conn: &mut PgConnection, code: &str) -> Result<Invite, RedeemError> {
    let invite: Option<Invite> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invites WHERE code = $1 FOR UPDATE"
    ))
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    let invite = check(invite)?;
    sqlx::query("UPDATE invites SET uses = uses + 1 WHERE id = $1")
        .bind(invite.id)
        .execute(conn)
        .await?;
    Ok(Invite {
        uses: invite.uses + 1,
        ..invite
    })
}

/// Whether the invite `code` could be used now, without using it.
pub async fn peek(conn: &mut PgConnection, code: &str) -> Result<Invite, RedeemError> {
    let invite: Option<Invite> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM invites WHERE code = $1"))
            .bind(code)
            .fetch_optional(conn)
            .await?;
    check(invite)
}

fn check(invite: Option<Invite>) -> Result<Invite, RedeemError> {
    let invite = invite.ok_or(RedeemError::Unknown)?;
    if invite.revoked_at.is_some() {
        return Err(RedeemError::Revoked);
    }
    if invite.expires_at.is_some_and(|e| e <= Utc::now()) {
        return Err(RedeemError::Expired);
    }
    if invite.max_uses.is_some_and(|m| invite.uses >= m) {
        return Err(RedeemError::UsedUp);
    }
    Ok(invite)
}
