//! Joining and leaving channels, and inviting people into them.

use ajet_core::dto::{AddMember, NotificationKind, Scope, UserDto};
use ajet_core::{ChannelId, ErrorBody, ErrorCode, EventData};
use ajet_db::notifications::{self, NewNotification};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::json;

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// `POST /api/channels/{channel_id}/join`: join a public channel of one's community.
/// Private channels answer 404 to outsiders, as if they did not exist.
#[utoipa::path(
    post,
    path = "/channels/{channel_id}/join",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    responses(
        (status = 204, description = "The caller is a member (joining twice changes nothing)."),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:write` scope; or the channel is archived, or the caller is banned.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not a member of it (private channels and DMs answer 404 to outsiders).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn join_channel(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<ChannelId>,
) -> Result<StatusCode> {
    user.require(Scope::ChannelsWrite)?;
    user.check_channel(id)?;
    let mut tx = state.db.begin().await?;
    let channel = ajet_db::channels::get(&mut tx, id)
        .await?
        .ok_or_else(crate::authz::no_such_channel)?;
    let Some(community) = channel.community() else {
        return Err(crate::authz::no_such_channel());
    };
    let is_member = ajet_db::channels::is_member(&mut tx, id, user.id).await?;
    if channel.is_private() && !is_member {
        return Err(crate::authz::no_such_channel());
    }
    crate::authz::community_role(&mut tx, community, user.id)
        .await
        .map_err(|err| match err {
            Error::Client {
                code: ErrorCode::NotFound,
                ..
            } => crate::authz::no_such_channel(),
            other => other,
        })?;
    if channel.archived_at.is_some() {
        return Err(Error::new(ErrorCode::Forbidden, "the channel is archived"));
    }
    if !ajet_db::channels::add_member(&mut tx, id, user.id).await? {
        return Ok(StatusCode::NO_CONTENT);
    }
    let me = ajet_db::users::get(&mut tx, user.id)
        .await?
        .ok_or_else(|| Error::unauthorized("this account no longer exists"))?;
    let mut events = Recorder::new(Some(trace.traceparent()));
    events
        .channel(
            &mut tx,
            Some(community),
            id,
            Some(user.id),
            EventData::MemberJoined { user: me.into() },
        )
        .await?;
    events.commit(tx, &state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/channels/{channel_id}/leave`: leave a channel or group DM. A 1:1 DM cannot
/// be left.
#[utoipa::path(
    post,
    path = "/channels/{channel_id}/leave",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    responses(
        (status = 204, description = "The caller has left."),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:write` scope.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not a member of it (private channels and DMs answer 404 to outsiders).", body = ErrorBody),
        (status = 422, description = "A 1:1 DM cannot be left.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn leave_channel(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<ChannelId>,
) -> Result<StatusCode> {
    user.require(Scope::ChannelsWrite)?;
    user.check_channel(id)?;
    let mut tx = state.db.begin().await?;
    let channel = ajet_db::channels::get_for_member(&mut tx, id, user.id)
        .await?
        .ok_or_else(crate::authz::no_such_channel)?;
    if channel.kind == ajet_core::dto::ChannelKind::Dm {
        return Err(Error::validation("a direct message cannot be left"));
    }
    ajet_db::channels::remove_member(&mut tx, id, user.id).await?;
    let mut events = Recorder::new(Some(trace.traceparent()));
    events
        .channel(
            &mut tx,
            channel.community(),
            id,
            Some(user.id),
            EventData::MemberLeft { user_id: user.id },
        )
        .await?;
    events.commit(tx, &state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/channels/{channel_id}/members`: a member brings someone from the community
/// into the channel (the way into a private channel). They get an invite notification.
#[utoipa::path(
    post,
    path = "/channels/{channel_id}/members",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    request_body = AddMember,
    responses(
        (status = 204, description = "The user is a member (adding twice changes nothing); they get an invite notification."),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:write` scope; or the caller may not post there, or the user is banned.", body = ErrorBody),
        (status = 404, description = "No such channel (or the caller is not in it), or the user is not a member of the community.", body = ErrorBody),
        (status = 413, description = "The body is larger than the api accepts.", body = ErrorBody),
        (status = 422, description = "People cannot be added to a DM.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn add_member(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<ChannelId>,
    JsonBody(body): JsonBody<AddMember>,
) -> Result<StatusCode> {
    user.require(Scope::ChannelsWrite)?;
    user.check_channel(id)?;
    let mut tx = state.db.begin().await?;
    let channel = crate::authz::postable_channel(&mut tx, id, user.id).await?;
    let Some(community) = channel.community() else {
        return Err(Error::validation(
            "people cannot be added to a direct message",
        ));
    };
    let invitee = ajet_db::communities::member(&mut tx, community, body.user_id)
        .await?
        .ok_or_else(|| Error::not_found("that user is not a member of this community"))?;
    if ajet_db::communities::is_banned(&mut tx, community, body.user_id).await? {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "that user is banned from this community",
        ));
    }
    if !ajet_db::channels::add_member(&mut tx, id, body.user_id).await? {
        return Ok(StatusCode::NO_CONTENT);
    }
    let mut events = Recorder::new(Some(trace.traceparent()));
    let joined = UserDto {
        id: invitee.user_id,
        username: invitee.username.clone(),
        display_name: invitee.display_name.clone(),
    };
    events
        .channel(
            &mut tx,
            Some(community),
            id,
            Some(user.id),
            EventData::MemberJoined { user: joined },
        )
        .await?;
    let notification = notifications::insert(
        &mut tx,
        NewNotification {
            user: body.user_id,
            kind: NotificationKind::Invite,
            source_id: Some(id.as_uuid()),
            channel_id: Some(id),
            data: json!({
                "channel_id": id,
                "channel_name": channel.name,
                "community_slug": channel.community_slug,
                "invited_by": user.id,
            }),
        },
    )
    .await?;
    events
        .user(
            &mut tx,
            body.user_id,
            Some(user.id),
            EventData::NotificationCreated(notification),
        )
        .await?;
    events.commit(tx, &state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/channels/{channel_id}/members`: who is in the channel.
#[utoipa::path(
    get,
    operation_id = "list_channel_members",
    path = "/channels/{channel_id}/members",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    responses(
        (status = 200, description = "The channel's members, by username.", body = [UserDto]),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:read` scope; or the caller is banned from its community.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not a member of it (private channels and DMs answer 404 to outsiders).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn list_members(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(id): PathParam<ChannelId>,
) -> Result<Json<Vec<UserDto>>> {
    user.require(Scope::ChannelsRead)?;
    user.check_channel(id)?;
    let mut conn = state.db.acquire().await?;
    crate::authz::readable_channel(&mut conn, id, user.id).await?;
    let ids = ajet_db::channels::member_ids(&mut conn, id).await?;
    let mut users: Vec<UserDto> = ajet_db::users::by_ids(&mut conn, &ids)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    users.sort_by_key(|u| u.username.to_lowercase());
    Ok(Json(users))
}
