//! `POST|GET /api/communities/{community_id}/bots`: create and list bots.

use ajet_core::ErrorBody;
use ajet_core::identity::{BotDto, CreateBot};
use ajet_core::{CommunityId, ErrorCode};
use ajet_db::bootstrap::GENERAL;
use ajet_db::{access, api_tokens, channels, communities};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::common::{Origin, require_manager, valid_name};
use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::state::AppState;

/// Creates a bot: a users row of kind `bot` that joins the community, its `#general` and
/// the listed channels.
#[utoipa::path(
    post,
    path = "/communities/{community_id}/bots",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    request_body = CreateBot,
    responses(
        (status = 201, description = "The bot: a user of kind `bot` in the community, its `#general` and the listed channels.", body = BotDto),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
        (status = 409, description = "A bot of that name exists in the community.", body = ErrorBody),
        (status = 422, description = "The name is empty or longer than 64 characters, or a channel is not the community's.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community_id))]
pub async fn create_bot(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(community_id): PathParam<CommunityId>,
    JsonBody(body): JsonBody<CreateBot>,
) -> Result<(StatusCode, Json<BotDto>)> {
    let name = valid_name(&body.name, "bot")?;
    let mut tx = state.db.begin().await?;
    require_manager(&mut tx, &user, community_id).await?;
    for channel in &body.channel_ids {
        if !access::channel_in_community(&mut tx, community_id, *channel).await? {
            return Err(Error::validation(format!(
                "the channel {channel} is not a channel of this community"
            )));
        }
    }
    let username = access::free_username(&mut tx, &name).await?;
    let bot = api_tokens::insert_bot(&mut tx, community_id, &name, &username, Some(user.id))
        .await
        .map_err(|err| {
            if ajet_db::error::is_unique_violation(&err, "api_users_name_key") {
                Error::new(ErrorCode::Conflict, format!("a bot called {name:?} exists"))
            } else {
                err.into()
            }
        })?;
    communities::add_member(&mut tx, community_id, bot.user_id, "member").await?;
    if let Some(general) = channels::by_name(&mut tx, community_id, GENERAL).await? {
        channels::add_member(&mut tx, general.id, bot.user_id).await?;
    }
    for channel in &body.channel_ids {
        channels::add_member(&mut tx, *channel, bot.user_id).await?;
    }
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            community: Some(community_id),
            target_kind: Some("bot"),
            target_id: Some(bot.user_id.as_uuid()),
            details: json!({ "name": name }),
            ..origin.entry(&user, "bot.create")
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(bot.into())))
}

/// Lists the community's bots.
#[utoipa::path(
    get,
    path = "/communities/{community_id}/bots",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    responses(
        (status = 200, description = "The community's bots, oldest first.", body = Vec<BotDto>),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community_id))]
pub async fn list_bots(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(community_id): PathParam<CommunityId>,
) -> Result<Json<Vec<BotDto>>> {
    let mut conn = state.db.acquire().await?;
    require_manager(&mut conn, &user, community_id).await?;
    let bots = api_tokens::list_bots(&mut conn, community_id).await?;
    Ok(Json(bots.into_iter().map(Into::into).collect()))
}
