//! `DELETE /api/me`: the caller deletes their own account.

use ajet_core::ErrorBody;
use ajet_core::ErrorCode;
use axum::extract::State;
use axum::http::StatusCode;

use super::common::Origin;
use crate::auth::{AuthUser, Credential, announce_revocation};
use crate::error::{Error, Result};
use crate::state::AppState;

/// Revokes every session and token of the caller, erases their personal data and keeps
/// their messages under a deleted user. An owner must hand ownership over first.
#[utoipa::path(
    delete,
    path = "/me",
    tag = "identity",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted: every session and token revoked, personal data erased; messages stay, attributed to a deleted user."),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "Called with an API token.", body = ErrorBody),
        (status = 409, description = "The caller owns a community: hand ownership over first.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn delete_me(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
) -> Result<StatusCode> {
    if let Credential::ApiToken { .. } = user.credential {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "an account is deleted with its owner's login session, not an API token",
        ));
    }
    let mut tx = state.db.begin().await?;
    let owned = ajet_db::account::owned_communities(&mut tx, user.id).await?;
    if !owned.is_empty() {
        return Err(Error::conflict(format!(
            "you own {}: hand ownership over to someone else first",
            owned.join(", ")
        )));
    }
    ajet_db::account::erase(&mut tx, user.id).await?;
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            target_kind: Some("user"),
            target_id: Some(user.id.as_uuid()),
            ..origin.entry(&user, "account.delete")
        },
    )
    .await?;
    tx.commit().await?;
    announce_revocation(&state, "account").await;
    Ok(StatusCode::NO_CONTENT)
}
