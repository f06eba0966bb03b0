//! The caller of a session manager's route, as the api sees them.

use ajet_core::ErrorCode;
use ajet_sdk::Client;
use ajet_telemetry::{TRACE_ID, TRACEPARENT, TraceContext};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;

use super::error::Error;
use crate::session::Sessions;

/// The name of the cookie that carries a browser's session token.
pub const SESSION_COOKIE: &str = "ajet_session";

/// The api acting as the caller — with the session token they presented, as a bearer
/// token or the session cookie — carrying the request's trace. Refuses a request without
/// a token (401); whether the token is good is the api's to say.
pub struct UserApi(pub Client);

impl<S> FromRequestParts<S> for UserApi
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let token = session_token(&parts.headers).ok_or_else(|| Error::Client {
            code: ErrorCode::Unauthorized,
            message: "sign in first: send your session cookie, or your token as \
                      Authorization: Bearer <token>"
                .into(),
        })?;
        let api = Sessions::from_ref(state).api.with_token(token)?;
        let trace = parts
            .extensions
            .get::<TraceContext>()
            .map_or_else(TraceContext::new, TraceContext::child);
        Ok(Self(
            api.with_header(TRACEPARENT, &trace.traceparent())
                .with_header(TRACE_ID, &trace.trace_id),
        ))
    }
}

/// The session token a request presents: `Authorization: Bearer` (the scheme in any
/// case), else the session cookie.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty());
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

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn a_bearer_token_is_read_in_any_case_and_comes_before_the_cookie() {
        let h = headers(&[
            ("authorization", "bearer abc"),
            ("cookie", "ajet_session=xyz"),
        ]);
        assert_eq!(session_token(&h), Some("abc"));
        assert_eq!(
            session_token(&headers(&[("authorization", "Bearer  abc ")])),
            Some("abc")
        );
        assert_eq!(
            session_token(&headers(&[("authorization", "Basic abc")])),
            None
        );
        assert_eq!(
            session_token(&headers(&[("authorization", "Bearer ")])),
            None
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[
            ("cookie", "theme=dark"),
            ("cookie", "other=1; ajet_session=xyz; x=2"),
        ]);
        assert_eq!(session_token(&h), Some("xyz"));
        assert_eq!(
            session_token(&headers(&[("cookie", "ajet_sessionx=1")])),
            None
        );
        assert_eq!(session_token(&HeaderMap::new()), None);
    }
}
