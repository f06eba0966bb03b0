//! Authenticating a presented token, whatever its kind.
//!
//! The gateway and the api both validate every token; each keeps the answers briefly in
//! its revocation-following cache (`ajet_edge::revocation`), and asks here on a miss.

use sqlx::{PgConnection, PgPool};

use crate::tokens::{self, TokenHasher};

pub use ajet_core::auth::{Grant, Identity};

/// The identity `token` opens: a live session first, then a live API token.
pub async fn authenticate(
    conn: &mut PgConnection,
    hasher: &TokenHasher,
    token: &str,
) -> Result<Option<Identity>, sqlx::Error> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    if let Some(session) = crate::sessions::authenticate(conn, hasher, token).await? {
        return Ok(Some(Identity {
            user_id: session.user_id,
            grant: Grant::Session(session.id),
            expires_at: Some(session.expires_at),
        }));
    }
    crate::api_tokens::authenticate(conn, &hasher.hash(token)).await
}

/// [`authenticate`] on a connection of `pool`, taken only for a token that could be valid.
pub async fn authenticate_in_pool(
    pool: &PgPool,
    hasher: &TokenHasher,
    token: &str,
) -> Result<Option<Identity>, sqlx::Error> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    let mut conn = pool.acquire().await?;
    authenticate(&mut conn, hasher, token).await
}
