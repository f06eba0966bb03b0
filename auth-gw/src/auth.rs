//! Who is calling: a session or API token as a bearer token, or the session cookie
//! (read by [`ajet_edge::presented_token`]).

use ajet_core::auth::Identity;
use ajet_edge::{ErrorResponse, has_bearer, presented_token};
use axum::http::HeaderMap;

use crate::state::AppState;

/// Why a request is not authenticated.
#[derive(Debug, PartialEq, Eq)]
pub enum Denied {
    /// No credentials at all.
    Missing,
    /// Credentials that do not (or no longer) open a session.
    Invalid,
    /// The session store cannot be reached: try again later.
    Unavailable,
}

impl From<Denied> for ErrorResponse {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Missing => ErrorResponse::unauthorized(
                "sign in first: send your token as Authorization: Bearer <token>",
            ),
            Denied::Invalid => ErrorResponse::unauthorized(
                "the token is not valid, or has expired or been revoked",
            ),
            Denied::Unavailable => ErrorResponse::unavailable(
                "sessions cannot be checked right now; try again shortly",
            ),
        }
    }
}

/// The identity the request's token opens: a live session or a live API token.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Identity, Denied> {
    let token = presented_token(headers).ok_or(Denied::Missing)?;
    let found = state
        .auth_cache
        .resolve(state.hasher.hash(token), || {
            ajet_db::auth::authenticate_in_pool(&state.db, &state.hasher, token)
        })
        .await;
    match found {
        Ok(Some(identity)) => Ok(identity),
        Ok(None) => Err(Denied::Invalid),
        Err(err) => {
            tracing::error!(error = %err, "token lookup failed");
            Err(Denied::Unavailable)
        }
    }
}

/// Whether the request carries the session cookie.
pub fn has_session_cookie(headers: &HeaderMap) -> bool {
    !has_bearer(headers) && presented_token(headers).is_some()
}
