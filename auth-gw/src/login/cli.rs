//! `GET /auth/cli?port=P&state=S`: the cli's browser login (as `gh auth login` does).
//!
//! The cli listens on `127.0.0.1:P` and opens this page. A browser already signed in (or
//! once it has signed in: the login page comes back here) gets a new session made for the
//! cli, and is redirected to `http://127.0.0.1:P/callback?state=S&token=…`, which the cli
//! accepts once, and only with the state it chose.

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::audit;
use crate::security::client_ip;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct CliQuery {
    port: u16,
    state: String,
}

/// Hands a new session to the cli waiting on the loopback port.
pub async fn cli_login(
    State(state): State<AppState>,
    Query(q): Query<CliQuery>,
    req: Request,
) -> Response {
    let ip = client_ip(&req);
    let state_ok = !q.state.is_empty()
        && q.state.len() <= 128
        && q.state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if q.port < 1024 || !state_ok {
        return state.pages.message(
            StatusCode::BAD_REQUEST,
            "Bad cli login link",
            "Start again with `ajet-chat login`.",
            None,
        );
    }
    let identity = match crate::auth::authenticate(&state, req.headers()).await {
        Ok(identity) => identity,
        Err(_) => {
            let back = format!("/auth/cli?port={}&state={}", q.port, q.state);
            return Redirect::to(&format!("/login?next={}", urlencode(&back))).into_response();
        }
    };
    if !matches!(identity.grant, ajet_core::auth::Grant::Session(_)) {
        return state.pages.message(
            StatusCode::FORBIDDEN,
            "Not a person's session",
            "Sign in in the browser to log the cli in.",
            None,
        );
    }
    let created = match state.db.acquire().await {
        Ok(mut conn) => {
            ajet_db::sessions::create(
                &mut conn,
                &state.hasher,
                identity.user_id,
                Some("ajet-chat cli"),
            )
            .await
        }
        Err(err) => Err(err),
    };
    let (session, token) = match created {
        Ok(created) => created,
        Err(err) => {
            tracing::error!(error = %err, "cannot create a cli session");
            return super::password::unavailable_page(&state);
        }
    };
    audit(
        &state,
        "login",
        Some(identity.user_id),
        ip,
        json!({ "method": "cli", "session_id": session.id }),
    )
    .await;
    Redirect::to(&format!(
        "http://127.0.0.1:{}/callback?state={}&token={}",
        q.port, q.state, token
    ))
    .into_response()
}

/// Percent-encodes everything but unreserved characters.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
