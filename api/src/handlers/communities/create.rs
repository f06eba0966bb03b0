//! `POST /api/communities`: create a community.

use ajet_core::ErrorBody;
use ajet_core::dto::{CommunityDto, CreateCommunity, Scope, Visibility};
use ajet_db::ResultExt;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, Result};
use crate::state::AppState;

/// Any person may create a community; they become its owner, with a `#general` to start.
#[utoipa::path(
    post,
    path = "/communities",
    tag = "communities",
    security(("bearer" = [])),
    request_body = CreateCommunity,
    responses(
        (status = 201, description = "Created; the caller is its owner and a member of its `#general`.", body = CommunityDto),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `admin` scope.", body = ErrorBody),
        (status = 409, description = "The slug is taken.", body = ErrorBody),
        (status = 413, description = "The body is larger than the api accepts.", body = ErrorBody),
        (status = 422, description = "The name or slug is not valid.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn create_community(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(body): JsonBody<CreateCommunity>,
) -> Result<(StatusCode, Json<CommunityDto>)> {
    user.require(Scope::Admin)?;
    let name = super::name(&body.name)?;
    let slug = match &body.slug {
        Some(slug) => super::slug(slug)?,
        None => ajet_db::communities::slugify(&name),
    };
    let mut tx = state.db.begin().await?;
    let community = ajet_db::communities::insert(&mut tx, &name, &slug)
        .await
        .on_constraint(ajet_db::communities::SLUG_CONSTRAINT, || {
            Error::conflict(format!("the slug {slug:?} is taken; choose another"))
        })?;
    ajet_db::communities::add_member(&mut tx, community.id, user.id, "owner").await?;
    let general = ajet_db::channels::insert_text(
        &mut tx,
        community.id,
        ajet_db::bootstrap::GENERAL,
        Visibility::Public,
        Some(user.id),
    )
    .await?;
    ajet_db::channels::add_member(&mut tx, general, user.id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(community.into())))
}
