//! `POST /api/communities/{community_id}/channels`: create a channel.

use ajet_core::dto::{ChannelDto, ChannelKind, CreateChannel, Scope, Visibility};
use ajet_core::{CommunityId, ErrorBody, EventData};
use ajet_db::ResultExt;
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// Any member of the community may create a channel; its creator is its first member.
/// A public channel is announced to the whole community, a private one to nobody else.
#[utoipa::path(
    post,
    path = "/communities/{community_id}/channels",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    request_body = CreateChannel,
    responses(
        (status = 201, description = "Created; the caller is its first member.", body = ChannelDto),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:write` scope; or the caller is banned from the community.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
        (status = 409, description = "A channel with that name exists already in the community.", body = ErrorBody),
        (status = 413, description = "The body is larger than the api accepts.", body = ErrorBody),
        (status = 422, description = "The name or topic is not valid, or the kind is a DM kind.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community))]
pub async fn create_channel(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(community): PathParam<CommunityId>,
    JsonBody(body): JsonBody<CreateChannel>,
) -> Result<(StatusCode, Json<ChannelDto>)> {
    user.require(Scope::ChannelsWrite)?;
    let name = super::channel_name(&body.name)?;
    let topic = super::topic(body.topic.as_deref().unwrap_or_default())?;
    let kind = match body.kind {
        ChannelKind::Text => "text",
        ChannelKind::Voice => "voice",
        ChannelKind::Dm | ChannelKind::GroupDm => {
            return Err(Error::validation(
                "a community channel is text or voice; start DMs with POST /api/dms",
            ));
        }
    };
    let mut tx = state.db.begin().await?;
    crate::authz::community_role(&mut tx, community, user.id).await?;
    let id = ajet_db::channels::insert(
        &mut tx,
        community,
        &name,
        kind,
        body.visibility,
        &topic,
        Some(user.id),
    )
    .await
    .on_constraint(ajet_db::channels::NAME_CONSTRAINT, || {
        Error::conflict(format!(
            "a channel called #{name} exists already in this community"
        ))
    })?;
    ajet_db::channels::add_member(&mut tx, id, user.id).await?;
    let channel = ajet_db::channels::get_for_member(&mut tx, id, user.id)
        .await?
        .ok_or_else(crate::authz::no_such_channel)?;
    let dto = ChannelDto::from(channel);
    let mut events = Recorder::new(Some(trace.traceparent()));
    let data = EventData::ChannelCreated(dto.clone());
    match body.visibility {
        Visibility::Public => {
            events
                .community(&mut tx, community, Some(user.id), data)
                .await?
        }
        Visibility::Private => events.user(&mut tx, user.id, Some(user.id), data).await?,
    }
    events.commit(tx, &state).await?;
    Ok((StatusCode::CREATED, Json(dto)))
}
