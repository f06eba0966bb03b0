//! Deleting an account: credentials revoked, personal data erased, history kept.

use ajet_core::UserId;
use sqlx::PgConnection;

/// Communities `user` owns (they must hand ownership over before leaving).
pub async fn owned_communities(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.slug FROM communities c JOIN community_members m ON m.community_id = c.id
         WHERE m.user_id = $1 AND m.role = 'owner' ORDER BY c.slug",
    )
    .bind(user.as_uuid())
    .fetch_all(conn)
    .await
}

/// Revokes every session and token of `user`, erases their name, email, avatar, files,
/// login methods and memberships, and marks them deleted. Their messages stay, attributed to
/// `deleted-<id>`.
pub async fn erase(conn: &mut PgConnection, user: UserId) -> Result<(), sqlx::Error> {
    crate::sessions::revoke_all(conn, user).await?;
    crate::api_tokens::revoke_all_for_user(conn, user).await?;
    crate::attachments::delete_uploads_of(conn, user).await?;
    let avatar: Option<String> = sqlx::query_scalar("SELECT avatar_key FROM users WHERE id = $1")
        .bind(user.as_uuid())
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    if let Some(key) = avatar {
        crate::attachments::queue_stale(conn, &key).await?;
    }
    let id = user.as_uuid().simple().to_string();
    // Usernames are at most 32 characters: "deleted-" and 24 hex digits of the id, which
    // end with UUIDv7's random bits, so they stay unique.
    let placeholder = format!("deleted-{}", &id[id.len() - 24..]);
    sqlx::query(
        "UPDATE users SET username = $2, display_name = NULL, email = NULL, avatar_url = NULL,
                          avatar_key = NULL, deleted_at = now()
         WHERE id = $1",
    )
    .bind(user.as_uuid())
    .bind(placeholder)
    .execute(&mut *conn)
    .await?;
    for table in [
        "oauth_accounts",
        "local_credentials",
        "community_members",
        "channel_members",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(user.as_uuid())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
