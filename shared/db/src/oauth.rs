//! Accounts at OAuth and OpenID Connect providers, linked to users by
//! (provider, provider_user_id).

use ajet_core::UserId;
use sqlx::PgConnection;
use uuid::Uuid;

/// The live user linked to `provider_user_id` at `provider`.
pub async fn linked_user(
    conn: &mut PgConnection,
    provider: &str,
    provider_user_id: &str,
) -> Result<Option<UserId>, sqlx::Error> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "SELECT u.id FROM oauth_accounts o JOIN users u ON u.id = o.user_id
         WHERE o.provider = $1 AND o.provider_user_id = $2 AND u.deleted_at IS NULL",
    )
    .bind(provider)
    .bind(provider_user_id)
    .fetch_optional(conn)
    .await?;
    Ok(id.map(UserId))
}

/// Links `user` to their account at `provider`.
pub async fn link(
    conn: &mut PgConnection,
    user: UserId,
    provider: &str,
    provider_user_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oauth_accounts (id, user_id, provider, provider_user_id)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(Uuid::now_v7())
    .bind(user.as_uuid())
    .bind(provider)
    .bind(provider_user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts a person signing up through a provider, with what the provider told about them
/// (cut to what the columns hold). `username` must be free and valid.
pub async fn insert_person(
    conn: &mut PgConnection,
    username: &str,
    display_name: Option<&str>,
    email: Option<&str>,
) -> Result<UserId, sqlx::Error> {
    let user = UserId::new();
    let display_name: Option<String> = display_name.map(|n| n.chars().take(100).collect());
    let email = email.filter(|e| e.len() <= 320);
    sqlx::query("INSERT INTO users (id, username, display_name, email) VALUES ($1, $2, $3, $4)")
        .bind(user.as_uuid())
        .bind(username)
        .bind(display_name)
        .bind(email)
        .execute(conn)
        .await?;
    Ok(user)
}
