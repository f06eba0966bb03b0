//! The token a request presents: `Authorization: Bearer <token>` (a program), else the
//! session cookie (a browser).

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};

/// The cookie browsers carry their session token in (set by the gateway at sign-in).
pub const SESSION_COOKIE: &str = "ajet_session";

/// The token a request presents: the `Authorization` header's bearer token (the scheme in
/// any case), else the session cookie's value. A request whose `Authorization` header is
/// not a bearer token presents nothing, whatever its cookies; an empty token is none.
pub fn presented_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = authorization(headers) {
        return bearer(value);
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Whether the request carries `Authorization: Bearer` (which a browser never adds on its
/// own, so such requests need no CSRF check).
pub fn has_bearer(headers: &HeaderMap) -> bool {
    authorization(headers).and_then(bearer).is_some()
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())
}

fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_static(value));
        }
        h
    }

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

    #[test]
    fn nothing_presented() {
        assert_eq!(presented_token(&HeaderMap::new()), None);
        assert!(!has_bearer(&HeaderMap::new()));
        assert_eq!(presented_token(&headers(&[("cookie", "theme=dark")])), None);
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for value in ["Bearer tok", "bearer tok", "BEARER tok", "bEaReR  tok "] {
            let h = headers(&[("authorization", value)]);
            assert_eq!(presented_token(&h), Some("tok"), "{value}");
            assert!(has_bearer(&h), "{value}");
        }
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "theme=dark; ajet_session=abc; x=1")]);
        assert_eq!(presented_token(&h), Some("abc"));
        assert!(!has_bearer(&h));
        // In a second Cookie header, and not confused with a longer name.
        let h = headers(&[
            ("cookie", "ajet_session_old=zzz; theme=dark"),
            ("cookie", "ajet_session=def"),
        ]);
        assert_eq!(presented_token(&h), Some("def"));
        let h = headers(&[("cookie", "xajet_session=zzz")]);
        assert_eq!(presented_token(&h), None);
    }

    #[test]
    fn the_bearer_token_wins_over_the_cookie() {
        let h = headers(&[
            ("cookie", "ajet_session=abc"),
            ("authorization", "Bearer tok"),
        ]);
        assert_eq!(presented_token(&h), Some("tok"));
    }

    #[test]
    fn malformed_credentials_present_nothing() {
        for value in ["Basic dXNlcg==", "Bearer", "Bearer ", "Bearertok", "tok"] {
            let h = headers(&[("authorization", value), ("cookie", "ajet_session=abc")]);
            assert_eq!(presented_token(&h), None, "{value}");
            assert!(!has_bearer(&h), "{value}");
        }
        let h = headers(&[("cookie", "ajet_session=; theme=dark")]);
        assert_eq!(presented_token(&h), None);
        let h = headers(&[("cookie", "ajet_session")]);
        assert_eq!(presented_token(&h), None);
    }
}
