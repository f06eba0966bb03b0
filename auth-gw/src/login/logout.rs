//! `POST /auth/logout`: ends the session the request presents, everywhere at once.

use ajet_edge::{ErrorResponse, revocation};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::{audit, clear_session_cookie};
use crate::security::client_ip;
use crate::state::AppState;

/// Revokes the session (cookie or bearer), announces it, and clears the cookie. A browser
/// is sent back to the sign-in page; a bearer caller gets 204.
pub async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let ip = client_ip(&req);
    let bearer = ajet_edge::has_bearer(req.headers());
    let Some(token) = ajet_edge::presented_token(req.headers()) else {
        return ErrorResponse::unauthorized("there is no session to end").into_response();
    };
    let revoked = match state.db.acquire().await {
        Ok(mut conn) => ajet_db::sessions::revoke_by_token(&mut conn, &state.hasher, token).await,
        Err(err) => Err(err),
    };
    match revoked {
        Ok(Some((session, user))) => {
            revocation::announce(state.bus.as_ref(), &state.auth_cache, "session").await;
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
            return ErrorResponse::unavailable(
                "signing out is not possible right now; try again shortly",
            )
            .into_response();
        }
    }
    let mut response = if bearer {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Redirect::to("/login").into_response()
    };
    if let Some(cleared) = clear_session_cookie(&state) {
        response.headers_mut().insert(header::SET_COOKIE, cleared);
    }
    response
}
