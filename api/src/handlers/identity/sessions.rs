//! The caller's own sessions: `GET /api/sessions`, `DELETE /api/sessions/{session_id}`.

use ajet_core::ErrorBody;
use ajet_core::identity::SessionDto;
use ajet_core::{ErrorCode, SessionId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::common::Origin;
use crate::auth::{AuthUser, Credential, announce_revocation};
use crate::error::{Error, PathParam, Result};
use crate::state::AppState;

/// Sessions are a person's business: a bot's token may not look at them.
fn session_only(user: &AuthUser) -> Result<Option<SessionId>> {
    match user.credential {
        Credential::Session(id) => Ok(Some(id)),
        Credential::ApiToken { .. } => Err(Error::new(
            ErrorCode::Forbidden,
            "sessions are managed with a login session, not an API token",
        )),
    }
}

/// Lists the caller's live sessions, newest first.
#[utoipa::path(
    get,
    path = "/sessions",
    tag = "identity",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's live sessions, newest first; `current` marks this request's.", body = Vec<SessionDto>),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "Called with an API token: sessions are a person's.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn list_sessions(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<SessionDto>>> {
    let current = session_only(&user)?;
    let mut conn = state.db.acquire().await?;
    let sessions = ajet_db::sessions::list_for_user(&mut conn, user.id).await?;
    Ok(Json(
        sessions
            .into_iter()
            .map(|s| SessionDto {
                current: Some(s.id) == current,
                id: s.id,
                user_agent: s.user_agent,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                expires_at: s.expires_at,
            })
            .collect(),
    ))
}

/// Revokes one of the caller's sessions (signs that device out everywhere at once).
#[utoipa::path(
    delete,
    path = "/sessions/{session_id}",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("session_id" = SessionId, Path, description = "One of the caller's sessions."),
    ),
    responses(
        (status = 204, description = "Revoked: that device is signed out everywhere at once."),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "Called with an API token.", body = ErrorBody),
        (status = 404, description = "The caller has no such live session.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, session.id = %session_id))]
pub async fn revoke_session(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(session_id): PathParam<SessionId>,
) -> Result<StatusCode> {
    session_only(&user)?;
    let mut tx = state.db.begin().await?;
    if !ajet_db::sessions::revoke(&mut tx, user.id, session_id).await? {
        return Err(Error::not_found("you have no such live session"));
    }
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            target_kind: Some("session"),
            target_id: Some(session_id.as_uuid()),
            ..origin.entry(&user, "session.revoke")
        },
    )
    .await?;
    tx.commit().await?;
    announce_revocation(&state, "session").await;
    Ok(StatusCode::NO_CONTENT)
}
