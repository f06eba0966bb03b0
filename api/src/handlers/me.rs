//! `GET /api/me`: the caller and their communities.

use ajet_core::ErrorBody;
use ajet_core::dto::MeDto;
use axum::Json;
use axum::extract::State;

use crate::auth::AuthUser;
use crate::error::{Error, Result};
use crate::state::AppState;

/// Who the token belongs to.
#[utoipa::path(
    get,
    path = "/me",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller and their communities.", body = MeDto),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn get_me(State(state): State<AppState>, user: AuthUser) -> Result<Json<MeDto>> {
    let mut conn = state.db.acquire().await?;
    let me = ajet_db::users::get(&mut conn, user.id)
        .await?
        .ok_or_else(|| Error::unauthorized("this account no longer exists"))?;
    let communities = ajet_db::communities::list_for_user(&mut conn, user.id).await?;
    Ok(Json(MeDto {
        user: me.into(),
        communities: communities.into_iter().map(Into::into).collect(),
    }))
}
