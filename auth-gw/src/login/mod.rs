//! Signing in and out: the local login and sign-up pages, the cli's login, logout, and
//! what they share (starting a session, the cookie, the audit trail).

pub mod cli;
pub mod logout;
pub mod password;
pub mod signup;

use std::net::IpAddr;

use ajet_core::UserId;
use ajet_db::audit::Entry;
use ajet_edge::SESSION_COOKIE;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::routing::{get, post};

use crate::state::AppState;

/// The gateway's sign-in routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/login",
            get(password::login_page).post(password::login_form),
        )
        .route(
            "/signup",
            get(signup::signup_page).post(signup::signup_form),
        )
        .route("/auth/password", post(password::login_json))
        .route("/auth/logout", post(logout::logout))
        .route("/auth/cli", get(cli::cli_login))
        .route("/auth/static/{name}", get(crate::pages::asset))
}

/// `Set-Cookie` for a new session: `HttpOnly; SameSite=Strict`, `Secure` unless turned off
/// for plain-http development.
pub fn session_cookie(state: &AppState, token: &str) -> Option<HeaderValue> {
    let max_age = ajet_db::sessions::SESSION_TTL.num_seconds();
    let secure = if state.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(state: &AppState) -> Option<HeaderValue> {
    let secure = if state.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
    ))
    .ok()
}

/// Where to go after signing in: a path on this site, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The request's user agent, cut to what the sessions table keeps.
pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(512).collect())
}

/// Writes an audit row; a failure is logged, never shown to the person signing in.
pub async fn audit(
    state: &AppState,
    action: &str,
    actor: Option<UserId>,
    ip: IpAddr,
    details: serde_json::Value,
) {
    let result = match state.db.acquire().await {
        Ok(mut conn) => {
            ajet_db::audit::insert(
                &mut conn,
                Entry {
                    actor,
                    action,
                    target_kind: actor.map(|_| "user"),
                    target_id: actor.map(|u| u.as_uuid()),
                    ip: Some(ip.to_string()),
                    details,
                    ..Default::default()
                },
            )
            .await
        }
        Err(err) => Err(err),
    };
    if let Err(err) = result {
        tracing::error!(error = %err, action, "cannot write the audit log");
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/c/acme")), "/c/acme");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
