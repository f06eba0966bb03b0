//! Moderation: `POST|GET /api/communities/{id}/bans`, `DELETE …/bans/{user_id}`,
//! `POST /api/communities/{id}/kicks`, `POST|GET …/mutes`, `DELETE …/mutes/{user_id}`,
//! `POST /api/channels/{id}/purge`. The rules are in [`crate::moderation`], shared with
//! the slash commands.

use ajet_core::moderation::{CreateBan, CreateKick, CreateMute, CreatePurge, Purged, SanctionDto};
use ajet_core::{ChannelId, CommunityId, ErrorBody, UserId};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::auth::AuthUser;
use crate::error::{JsonBody, PathParam, Result};
use crate::handlers::identity::Origin;
use crate::moderation::{self, Moderator};
use crate::state::AppState;

/// Bans a member: they leave the community and all its channels at once, and cannot come
/// back until the ban ends or is lifted.
#[utoipa::path(
    post,
    path = "/communities/{community_id}/bans",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    request_body = CreateBan,
    responses(
        (status = 204, description = "Banned: removed from the community and its channels, their streams stop receiving it at once, and invites do not work for them until the ban ends."),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community (only the owner moderates admins; nobody the owner), or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, the caller is not a member of it, or the person is not a member.", body = ErrorBody),
        (status = 422, description = "The reason is too long, the end is in the past, or the caller named themselves.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn create_ban(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    Extension(trace): Extension<TraceContext>,
    PathParam(community): PathParam<CommunityId>,
    JsonBody(body): JsonBody<CreateBan>,
) -> Result<StatusCode> {
    let by = Moderator {
        user: &user,
        origin: &origin,
        traceparent: Some(trace.traceparent()),
    };
    moderation::ban(
        &state,
        &by,
        community,
        body.user_id,
        body.reason.as_deref(),
        body.expires_at,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts a ban.
#[utoipa::path(
    delete,
    path = "/communities/{community_id}/bans/{user_id}",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
        ("user_id" = UserId, Path, description = "The person."),
    ),
    responses(
        (status = 204, description = "The ban is lifted; an invite brings them back."),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community (only the owner moderates admins; nobody the owner), or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community or person, or the person is not banned.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn delete_ban(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    Extension(trace): Extension<TraceContext>,
    PathParam((community, target)): PathParam<(CommunityId, UserId)>,
) -> Result<StatusCode> {
    let by = Moderator {
        user: &user,
        origin: &origin,
        traceparent: Some(trace.traceparent()),
    };
    moderation::unban(&state, &by, community, target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member from the community and all its channels; an invite brings them back.
#[utoipa::path(
    post,
    path = "/communities/{community_id}/kicks",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    request_body = CreateKick,
    responses(
        (status = 204, description = "Removed from the community and its channels; an invite brings them back."),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community (only the owner moderates admins; nobody the owner), or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, the caller is not a member of it, or the person is not a member.", body = ErrorBody),
        (status = 422, description = "The reason is too long, the end is in the past, or the caller named themselves.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn create_kick(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    Extension(trace): Extension<TraceContext>,
    PathParam(community): PathParam<CommunityId>,
    JsonBody(body): JsonBody<CreateKick>,
) -> Result<StatusCode> {
    let by = Moderator {
        user: &user,
        origin: &origin,
        traceparent: Some(trace.traceparent()),
    };
    moderation::kick(&state, &by, community, body.user_id, body.reason.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mutes a member: they read, but cannot post, react or run commands that post.
#[utoipa::path(
    post,
    path = "/communities/{community_id}/mutes",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    request_body = CreateMute,
    responses(
        (status = 204, description = "Muted: their posts, reactions and commands that post are refused with a 403 naming the end, until it ends by itself or is lifted."),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community (only the owner moderates admins; nobody the owner), or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, the caller is not a member of it, or the person is not a member.", body = ErrorBody),
        (status = 422, description = "The reason is too long, the end is in the past, or the caller named themselves.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn create_mute(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    Extension(trace): Extension<TraceContext>,
    PathParam(community): PathParam<CommunityId>,
    JsonBody(body): JsonBody<CreateMute>,
) -> Result<StatusCode> {
    let by = Moderator {
        user: &user,
        origin: &origin,
        traceparent: Some(trace.traceparent()),
    };
    moderation::mute(&state, &by, community, body.user_id, body.expires_at).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts a mute.
#[utoipa::path(
    delete,
    path = "/communities/{community_id}/mutes/{user_id}",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
        ("user_id" = UserId, Path, description = "The person."),
    ),
    responses(
        (status = 204, description = "The mute is lifted."),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community (only the owner moderates admins; nobody the owner), or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community or person, or the person is not muted.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn delete_mute(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    Extension(trace): Extension<TraceContext>,
    PathParam((community, target)): PathParam<(CommunityId, UserId)>,
) -> Result<StatusCode> {
    let by = Moderator {
        user: &user,
        origin: &origin,
        traceparent: Some(trace.traceparent()),
    };
    moderation::unmute(&state, &by, community, target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the newest messages of a channel, or of one person in it, in one transaction.
#[utoipa::path(
    post,
    path = "/channels/{channel_id}/purge",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel."),
    ),
    request_body = CreatePurge,
    responses(
        (status = 200, description = "The newest messages (of one person, when named) are tombstones, each with its `message.deleted` event.", body = Purged),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community (only the owner moderates admins; nobody the owner), or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not in it.", body = ErrorBody),
        (status = 422, description = "The count is not 1 to 1,000.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn purge_channel(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    Extension(trace): Extension<TraceContext>,
    PathParam(channel): PathParam<ChannelId>,
    JsonBody(body): JsonBody<CreatePurge>,
) -> Result<Json<Purged>> {
    let by = Moderator {
        user: &user,
        origin: &origin,
        traceparent: Some(trace.traceparent()),
    };
    let deleted = moderation::purge(&state, &by, channel, body.count, body.user_id).await?;
    Ok(Json(Purged { deleted }))
}

/// The bans in force in the community, newest first.
#[utoipa::path(
    get,
    path = "/communities/{community_id}/bans",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    responses(
        (status = 200, description = "The bans in force, newest first.", body = Vec<SanctionDto>),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community (only the owner moderates admins; nobody the owner), or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn list_bans(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(community): PathParam<CommunityId>,
) -> Result<Json<Vec<SanctionDto>>> {
    user.require(ajet_core::dto::Scope::Admin)?;
    let mut conn = state.db.acquire().await?;
    crate::authz::require_moderator(&mut conn, community, user.id).await?;
    let list = ajet_db::moderation::bans(&mut conn, community).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// The mutes in force in the community, newest first.
#[utoipa::path(
    get,
    path = "/communities/{community_id}/mutes",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    responses(
        (status = 200, description = "The mutes in force, newest first.", body = Vec<SanctionDto>),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community (only the owner moderates admins; nobody the owner), or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn list_mutes(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(community): PathParam<CommunityId>,
) -> Result<Json<Vec<SanctionDto>>> {
    user.require(ajet_core::dto::Scope::Admin)?;
    let mut conn = state.db.acquire().await?;
    crate::authz::require_moderator(&mut conn, community, user.id).await?;
    let list = ajet_db::moderation::mutes(&mut conn, community).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}
