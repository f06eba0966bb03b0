//! Server keys: supplied by the operator, or generated once and kept in the database.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use sqlx::PgConnection;

use crate::tokens::TokenHasher;

const TOKEN_KEY: &str = "token_hash";

/// The token-hashing key. `configured` (base64 of at least 32 bytes) wins; otherwise the
/// key stored in the database is used, created on first start. Every instance of the api
/// and the gateway must hash alike, which the shared row guarantees.
pub async fn token_hasher(
    conn: &mut PgConnection,
    configured: Option<&str>,
) -> Result<TokenHasher, crate::DbError> {
    if let Some(b64) = configured {
        let bytes = STANDARD
            .decode(b64.trim())
            .map_err(|_| crate::DbError::Invalid("the token key is not valid base64".into()))?;
        return key_from(&bytes).map(TokenHasher::new);
    }
    let mut fresh = [0u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    let stored: Vec<u8> = sqlx::query_scalar(
        "INSERT INTO server_keys (name, key) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
         RETURNING key",
    )
    .bind(TOKEN_KEY)
    .bind(&fresh[..])
    .fetch_one(conn)
    .await?;
    key_from(&stored).map(TokenHasher::new)
}

fn key_from(bytes: &[u8]) -> Result<[u8; 32], crate::DbError> {
    if bytes.len() < 32 {
        return Err(crate::DbError::Invalid(
            "the token key must be at least 32 bytes".into(),
        ));
    }
    // Longer keys are condensed, so any length of at least 32 bytes keeps its entropy.
    Ok(*blake3::hash(bytes).as_bytes())
}
