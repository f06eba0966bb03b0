//! Invites: `POST|GET /api/communities/{community_id}/invites`,
//! `DELETE /api/invites/{invite_id}`.

use ajet_core::ErrorBody;
use ajet_core::identity::{CreateInvite, InviteDto};
use ajet_core::{CommunityId, ErrorCode, EventData};
use ajet_db::invites;
use ajet_telemetry::TraceContext;
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::common::{Origin, require_manager};
use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// Creates an invite; its code goes in the sign-up link `/signup?invite=<code>`.
#[utoipa::path(
    post,
    path = "/communities/{community_id}/invites",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    request_body = CreateInvite,
    responses(
        (status = 201, description = "The invite; its sign-up link is `/signup?invite=<code>`.", body = InviteDto),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
        (status = 422, description = "An expiry in the past, or max_uses below 1.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community_id))]
pub async fn create_invite(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(community_id): PathParam<CommunityId>,
    JsonBody(body): JsonBody<CreateInvite>,
) -> Result<(StatusCode, Json<InviteDto>)> {
    if body.expires_at.is_some_and(|e| e <= Utc::now()) {
        return Err(Error::validation("the expiry must be in the future"));
    }
    if body.max_uses.is_some_and(|m| m < 1) {
        return Err(Error::validation("max_uses must be at least 1"));
    }
    let mut tx = state.db.begin().await?;
    require_manager(&mut tx, &user, community_id).await?;
    let invite = invites::insert(
        &mut tx,
        community_id,
        Some(user.id),
        body.expires_at,
        body.max_uses,
    )
    .await?;
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            community: Some(community_id),
            target_kind: Some("invite"),
            target_id: Some(invite.id),
            details: json!({ "expires_at": body.expires_at, "max_uses": body.max_uses }),
            ..origin.entry(&user, "invite.create")
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(invite.into())))
}

/// Lists the community's invites.
#[utoipa::path(
    get,
    path = "/communities/{community_id}/invites",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    responses(
        (status = 200, description = "The community's invites.", body = Vec<InviteDto>),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community_id))]
pub async fn list_invites(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(community_id): PathParam<CommunityId>,
) -> Result<Json<Vec<InviteDto>>> {
    let mut conn = state.db.acquire().await?;
    require_manager(&mut conn, &user, community_id).await?;
    let list = invites::list(&mut conn, community_id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Revokes an invite.
#[utoipa::path(
    delete,
    path = "/invites/{invite_id}",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("invite_id" = uuid::Uuid, Path, description = "The invite."),
    ),
    responses(
        (status = 204, description = "Revoked."),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such invite.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, invite.id = %invite_id))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(invite_id): PathParam<Uuid>,
) -> Result<StatusCode> {
    let mut tx = state.db.begin().await?;
    let invite = invites::get(&mut tx, invite_id)
        .await?
        .ok_or_else(|| Error::not_found("there is no such invite"))?;
    require_manager(&mut tx, &user, invite.community_id).await?;
    if invites::revoke(&mut tx, invite_id).await? {
        ajet_db::audit::insert(
            &mut tx,
            ajet_db::audit::Entry {
                community: Some(invite.community_id),
                target_kind: Some("invite"),
                target_id: Some(invite_id),
                ..origin.entry(&user, "invite.revoke")
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Joins the invite's community (and its `#general`) as a member: how someone who left or
/// was removed comes back. Refused while they are banned.
#[utoipa::path(
    post,
    path = "/invites/{code}/accept",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("code" = String, Path, description = "The invite's code, as in `/signup?invite=<code>`."),
    ),
    responses(
        (status = 204, description = "The caller is a member of the community and its `#general`."),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is banned from the community (the sentence says until when), or the token is not a person's session.", body = ErrorBody),
        (status = 404, description = "No such invite.", body = ErrorBody),
        (status = 409, description = "The caller is a member already.", body = ErrorBody),
        (status = 410, description = "The invite is revoked, expired or used up.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn accept_invite(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    Extension(trace): Extension<TraceContext>,
    PathParam(code): PathParam<String>,
) -> Result<StatusCode> {
    if !matches!(user.credential, crate::auth::Credential::Session(_)) {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "only a person signed in can accept an invite",
        ));
    }
    let mut tx = state.db.begin().await?;
    let invite = invites::peek(&mut tx, &code).await.map_err(refusal)?;
    let community = invite.community_id;
    if let Some(until) = ajet_db::moderation::banned_until(&mut tx, community, user.id).await? {
        return Err(Error::new(
            ErrorCode::Forbidden,
            format!(
                "you are banned from this community {}",
                crate::moderation::until(until)
            ),
        ));
    }
    if ajet_db::communities::member(&mut tx, community, user.id)
        .await?
        .is_some()
    {
        return Err(Error::conflict(
            "you are a member of this community already",
        ));
    }
    invites::redeem(&mut tx, &code).await.map_err(refusal)?;
    ajet_db::communities::add_member(&mut tx, community, user.id, "member").await?;
    let me = ajet_db::users::get(&mut tx, user.id)
        .await?
        .ok_or_else(|| Error::unauthorized("this account no longer exists"))?;
    let mut events = Recorder::new(Some(trace.traceparent()));
    events
        .community(
            &mut tx,
            community,
            Some(user.id),
            EventData::MemberJoined {
                user: me.clone().into(),
            },
        )
        .await?;
    if let Some(general) = ajet_db::channels::by_name(&mut tx, community, "general").await?
        && ajet_db::channels::add_member(&mut tx, general.id, user.id).await?
    {
        events
            .channel(
                &mut tx,
                Some(community),
                general.id,
                Some(user.id),
                EventData::MemberJoined { user: me.into() },
            )
            .await?;
    }
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            community: Some(community),
            target_kind: Some("invite"),
            target_id: Some(invite.id),
            ..origin.entry(&user, "invite.accept")
        },
    )
    .await?;
    events.commit(tx, &state).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn refusal(err: invites::RedeemError) -> Error {
    match err {
        invites::RedeemError::Sqlx(err) => err.into(),
        invites::RedeemError::Unknown => Error::not_found(err.to_string()),
        other => Error::new(ErrorCode::Gone, other.to_string()),
    }
}
