//! Who is calling: a session or API token as a bearer token, or the session cookie.

use ajet_db::auth::Identity;
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

/// The identity the request's token opens: a live session or a live API token.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Identity, Denied> {
    let token = presented_token(headers).ok_or(Denied::Missing)?;
    match ajet_db::auth::authenticate_cached(&state.db, &state.auth_cache, &state.hasher, token)
        .await
    {
        Ok(Some(identity)) => Ok(identity),
        Ok(None) => Err(Denied::Invalid),
        Err(err) => {
            tracing::error!(error = %err, "token lookup failed");
            Err(Denied::Unavailable)
        }
    }
}

/// Whether the request carries `Authorization: Bearer` (which a browser never adds on its
/// own, so such requests need no CSRF check).
pub fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
}

/// Whether the request carries the session cookie.
pub fn has_session_cookie(headers: &HeaderMap) -> bool {
    !has_bearer(headers) && presented_token(headers).is_some()
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
