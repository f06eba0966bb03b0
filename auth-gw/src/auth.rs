//! Who is calling: a session token as a bearer token or the session cookie.

use ajet_core::UserId;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};

use crate::state::AppState;

/// The cookie browsers carry their session token in.
pub const SESSION_COOKIE: &str = "ajet_session";

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

/// The token a request presents, from `Authorization: Bearer` or the session cookie.
pub fn presented_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim());
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// The user whose live session the request presents.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<UserId, Denied> {
    let token = presented_token(headers).ok_or(Denied::Missing)?;
    let mut conn = state.db.acquire().await.map_err(|err| {
        tracing::error!(error = %err, "cannot reach the database to check a session");
        Denied::Unavailable
    })?;
    match ajet_db::sessions::authenticate(&mut conn, &state.hasher, token).await {
        Ok(Some(session)) => Ok(session.user_id),
        Ok(None) => Err(Denied::Invalid),
        Err(err) => {
            tracing::error!(error = %err, "session lookup failed");
            Err(Denied::Unavailable)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_come_from_bearer_or_cookie() {
        let mut h = HeaderMap::new();
        assert_eq!(presented_token(&h), None);
        h.insert(
            COOKIE,
            HeaderValue::from_static("theme=dark; ajet_session=abc; x=1"),
        );
        assert_eq!(presented_token(&h), Some("abc"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer tok"));
        assert_eq!(presented_token(&h), Some("tok"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic dXNlcg=="));
        assert_eq!(presented_token(&h), None);
    }
}
