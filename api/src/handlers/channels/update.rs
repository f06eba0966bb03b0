//! `PATCH /api/channels/{channel_id}` (rename, topic) and
//! `POST /api/channels/{channel_id}/archive`.

use ajet_core::dto::{ChannelDto, Scope, UpdateChannel};
use ajet_core::{ChannelId, ErrorBody, ErrorCode, EventData};
use ajet_db::ResultExt;
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::{Extension, Json};

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// Any member may set the topic; renaming takes a moderator. DMs have neither.
#[utoipa::path(
    patch,
    path = "/channels/{channel_id}",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    request_body = UpdateChannel,
    responses(
        (status = 200, description = "The channel as it now is.", body = ChannelDto),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:write` scope; or renaming without being a moderator, or posting is not allowed there (archived, muted, banned).", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not a member of it (private channels and DMs answer 404 to outsiders).", body = ErrorBody),
        (status = 409, description = "A channel with that name exists already in the community.", body = ErrorBody),
        (status = 413, description = "The body is larger than the api accepts.", body = ErrorBody),
        (status = 422, description = "Nothing to change, the name or topic is not valid, or the channel is a DM.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn update_channel(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<ChannelId>,
    JsonBody(body): JsonBody<UpdateChannel>,
) -> Result<Json<ChannelDto>> {
    user.require(Scope::ChannelsWrite)?;
    user.check_channel(id)?;
    let name = body.name.as_deref().map(super::channel_name).transpose()?;
    let topic = body.topic.as_deref().map(super::topic).transpose()?;
    if name.is_none() && topic.is_none() {
        return Err(Error::validation(
            "nothing to change: give a name or a topic",
        ));
    }
    let mut tx = state.db.begin().await?;
    let channel = crate::authz::postable_channel(&mut tx, id, user.id).await?;
    let Some(community) = channel.community() else {
        return Err(Error::validation("direct messages have no name or topic"));
    };
    if name.is_some() {
        crate::authz::require_moderator(&mut tx, community, user.id).await?;
    }
    ajet_db::channels::update(&mut tx, id, name.as_deref(), topic.as_deref())
        .await
        .on_constraint(ajet_db::channels::NAME_CONSTRAINT, || {
            Error::conflict("a channel with that name exists already in this community")
        })?;
    let dto = broadcast(&state, tx, &trace, id, &user, EventData::ChannelUpdated).await?;
    Ok(Json(dto))
}

/// Archives a channel: it stays readable, nothing more can be posted. Moderators only.
#[utoipa::path(
    post,
    path = "/channels/{channel_id}/archive",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    responses(
        (status = 200, description = "The archived channel.", body = ChannelDto),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:write` scope; or the caller is not a moderator.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not a member of it (private channels and DMs answer 404 to outsiders).", body = ErrorBody),
        (status = 409, description = "The channel is archived already.", body = ErrorBody),
        (status = 422, description = "DMs cannot be archived.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn archive_channel(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<ChannelId>,
) -> Result<Json<ChannelDto>> {
    user.require(Scope::ChannelsWrite)?;
    user.check_channel(id)?;
    let mut tx = state.db.begin().await?;
    let channel = crate::authz::readable_channel(&mut tx, id, user.id).await?;
    let Some(community) = channel.community() else {
        return Err(Error::validation("direct messages cannot be archived"));
    };
    crate::authz::require_moderator(&mut tx, community, user.id).await?;
    if channel.archived_at.is_some() {
        return Err(Error::new(
            ErrorCode::Conflict,
            "the channel is archived already",
        ));
    }
    ajet_db::channels::archive(&mut tx, id).await?;
    let dto = broadcast(&state, tx, &trace, id, &user, EventData::ChannelArchived).await?;
    Ok(Json(dto))
}

/// Reads the channel back, records the event (community-wide for a public channel,
/// members only for a private one), commits and publishes.
async fn broadcast(
    state: &AppState,
    mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
    trace: &TraceContext,
    id: ChannelId,
    user: &AuthUser,
    event: fn(ChannelDto) -> EventData,
) -> Result<ChannelDto> {
    let channel = ajet_db::channels::get_for_member(&mut tx, id, user.id)
        .await?
        .ok_or_else(crate::authz::no_such_channel)?;
    let (community, private) = (channel.community(), channel.is_private());
    let dto = ChannelDto::from(channel);
    let mut events = Recorder::new(Some(trace.traceparent()));
    match community {
        Some(community) if !private => {
            events
                .community(&mut tx, community, Some(user.id), event(dto.clone()))
                .await?;
        }
        _ => {
            events
                .channel(&mut tx, community, id, Some(user.id), event(dto.clone()))
                .await?;
        }
    }
    events.commit(tx, state).await?;
    Ok(dto)
}
