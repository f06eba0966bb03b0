//! Who is calling: the api validates the caller's token itself, whoever forwarded it.

use ajet_core::{SessionId, UserId};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::Error;
use crate::state::AppState;

/// An authenticated person (or bot) with a live session.
#[derive(Clone, Copy, Debug)]
pub struct AuthUser {
    pub id: UserId,
    pub session_id: SessionId,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(parts).ok_or_else(|| {
            Error::unauthorized("sign in first: send your token as Authorization: Bearer <token>")
        })?;
        let mut conn = state.db.acquire().await?;
        let session = ajet_db::sessions::authenticate(&mut conn, &state.hasher, token)
            .await?
            .ok_or_else(|| {
                Error::unauthorized("the token is not valid, or has expired or been revoked")
            })?;
        Ok(Self {
            id: session.user_id,
            session_id: session.id,
        })
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
