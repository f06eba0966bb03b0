//! `POST /auth/logout`: ends the session the request presents, everywhere at once.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::{audit, clear_session_cookie};
use crate::auth;
use crate::security::client_ip;
use crate::state::AppState;

/// Revokes the session (cookie or bearer), announces it, and clears the cookie. A browser
/// is sent back to the sign-in page; a bearer caller gets 204.
pub async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let ip = client_ip(&req);
    let bearer = auth::has_bearer(req.headers());
    let Some(token) = auth::presented_token(req.headers()) else {
        return ajet_telemetry::error_response(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "there is no session to end",
        );
    };
    let revoked = match state.db.acquire().await {
        Ok(mut conn) => ajet_db::sessions::revoke_by_token(&mut conn, &state.hasher, token).await,
        Err(err) => Err(err),
    };
    match revoked {
        Ok(Some((session, user))) => {
            crate::revocation::announce(&state, "session").await;
            audit(
                &state,
                "logout",
                Some(user),
                ip,
                json!({ "session_id": session }),
            )
            .await;
        }
        Ok(None) => {}
        Err(err) => {
            tracing::error!(error = %err, "cannot revoke a session");
            return ajet_telemetry::error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "signing out is not possible right now; try again shortly",
            );
        }
    }
    let mut response = if bearer {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Redirect::to("/login").into_response()
    };
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_session_cookie(&state));
    response
}
