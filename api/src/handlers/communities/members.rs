//! A community's members: list, change role or profile, leave.

use ajet_core::dto::{MemberDto, NotificationKind, Role, Scope, UpdateMember};
use ajet_core::{CommunityId, ErrorBody, ErrorCode, EventData, UserId};
use ajet_db::notifications::{self, NewNotification};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, QueryParams, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// `?after=<username>&limit=N`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// The page after this username.
    pub after: Option<String>,
    /// At most this many, 1 to 500 (default 100).
    pub limit: Option<u32>,
}

/// `GET /api/communities/{community_id}/members`: members by username, paged.
#[utoipa::path(
    get,
    operation_id = "list_community_members",
    path = "/communities/{community_id}/members",
    tag = "communities",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
        MembersQuery
    ),
    responses(
        (status = 200, description = "A page of members, by username.", body = [MemberDto]),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:read` scope; or the caller is banned from the community.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
        (status = 422, description = "`limit` is out of range.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %id))]
pub async fn list_members(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(id): PathParam<CommunityId>,
    QueryParams(query): QueryParams<MembersQuery>,
) -> Result<Json<Vec<MemberDto>>> {
    user.require(Scope::ChannelsRead)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(Error::validation("limit must be between 1 and 500"));
    }
    let mut conn = state.db.acquire().await?;
    crate::authz::community_role(&mut conn, id, user.id).await?;
    let members =
        ajet_db::communities::members(&mut conn, id, query.after.as_deref(), limit).await?;
    Ok(Json(members.into_iter().map(Into::into).collect()))
}

/// `PATCH /api/communities/{community_id}/members/{user_id}`: a member changes their own
/// nickname and avatar; moderators change roles. Ownership is handed over by making
/// someone else owner, which makes the previous owner an admin.
#[utoipa::path(
    patch,
    path = "/communities/{community_id}/members/{user_id}",
    tag = "communities",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
        ("user_id" = UserId, Path, description = "The member."),
    ),
    request_body = UpdateMember,
    responses(
        (status = 200, description = "The member as they now are.", body = MemberDto),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `admin` scope; or the caller may not make this change (someone else's nickname or avatar, or a role change beyond theirs).", body = ErrorBody),
        (status = 404, description = "No such community, or the user is not a member of it.", body = ErrorBody),
        (status = 413, description = "The body is larger than the api accepts.", body = ErrorBody),
        (status = 422, description = "A nickname or avatar URL is too long.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %id, target.id = %target))]
pub async fn update_member(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam((id, target)): PathParam<(CommunityId, UserId)>,
    JsonBody(body): JsonBody<UpdateMember>,
) -> Result<Json<MemberDto>> {
    let mut tx = state.db.begin().await?;
    let my_role = crate::authz::community_role(&mut tx, id, user.id).await?;
    let current = ajet_db::communities::member(&mut tx, id, target)
        .await?
        .ok_or_else(|| Error::not_found("that user is not a member of this community"))?;
    let current_role = current.role;
    if (body.nickname.is_some() || body.avatar_url.is_some()) && target != user.id {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "members set their own nickname and avatar",
        ));
    }
    for (field, value, max) in [
        ("nickname", &body.nickname, 100),
        ("avatar_url", &body.avatar_url, 2048),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(Error::validation(format!(
                "{field} is longer than {max} characters"
            )));
        }
    }
    let mut events = Recorder::new(Some(trace.traceparent()));
    if let Some(role) = body.role.filter(|r| *r != current_role) {
        user.require(Scope::Admin)?;
        change_role(&mut tx, id, &user, my_role, target, current_role, role).await?;
        // Identity (issue 3): role changes are security-relevant, so they are audited.
        ajet_db::audit::insert(
            &mut tx,
            ajet_db::audit::Entry {
                actor: Some(user.id),
                action: "role.change",
                community: Some(id),
                target_kind: Some("user"),
                target_id: Some(target.as_uuid()),
                trace_id: Some(trace.trace_id.clone()),
                details: json!({ "from": current_role, "to": role }),
                ..Default::default()
            },
        )
        .await?;
        events
            .community(
                &mut tx,
                id,
                Some(user.id),
                EventData::MemberRoleChanged {
                    user_id: target,
                    role,
                },
            )
            .await?;
        let notification = notifications::insert(
            &mut tx,
            NewNotification {
                user: target,
                kind: NotificationKind::System,
                source_id: Some(id.as_uuid()),
                channel_id: None,
                data: json!({ "event": "role_changed", "community_id": id, "role": role, "by": user.id }),
            },
        )
        .await?;
        events
            .user(
                &mut tx,
                target,
                Some(user.id),
                EventData::NotificationCreated(notification),
            )
            .await?;
    }
    ajet_db::communities::update_member(
        &mut tx,
        id,
        target,
        None,
        body.nickname.as_deref(),
        body.avatar_url.as_deref(),
    )
    .await?;
    let updated = ajet_db::communities::member(&mut tx, id, target)
        .await?
        .ok_or_else(|| Error::not_found("that user is not a member of this community"))?;
    events.commit(tx, &state).await?;
    Ok(Json(updated.into()))
}

async fn change_role(
    tx: &mut ajet_db::PgConnection,
    community: CommunityId,
    user: &AuthUser,
    my_role: Role,
    target: UserId,
    current: Role,
    new: Role,
) -> Result<()> {
    let forbidden = |m: &str| Error::new(ErrorCode::Forbidden, m.to_owned());
    if !my_role.moderates() {
        return Err(forbidden(
            "only the community's owner and admins change roles",
        ));
    }
    if current == Role::Owner {
        return Err(forbidden(
            "the owner's role changes only by handing ownership to someone else",
        ));
    }
    match new {
        Role::Owner if my_role != Role::Owner => {
            return Err(forbidden("only the owner hands over ownership"));
        }
        Role::Owner => {
            // Demote first: there is one owner per community at every moment.
            ajet_db::communities::update_member(tx, community, user.id, Some("admin"), None, None)
                .await?;
        }
        Role::Admin | Role::Member if current == Role::Admin && my_role != Role::Owner => {
            return Err(forbidden("only the owner changes an admin's role"));
        }
        _ => {}
    }
    ajet_db::communities::update_member(tx, community, target, Some(new.as_str()), None, None)
        .await?;
    Ok(())
}

/// `POST /api/communities/{community_id}/leave`: leave the community and all its channels.
/// The owner must hand ownership over first.
#[utoipa::path(
    post,
    path = "/communities/{community_id}/leave",
    tag = "communities",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    responses(
        (status = 204, description = "The caller has left the community and its channels."),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
        (status = 409, description = "The owner cannot leave before handing ownership over.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %id))]
pub async fn leave_community(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<CommunityId>,
) -> Result<StatusCode> {
    let mut tx = state.db.begin().await?;
    let member = ajet_db::communities::member(&mut tx, id, user.id)
        .await?
        .ok_or_else(crate::authz::no_such_community)?;
    if member.role == Role::Owner {
        return Err(Error::conflict(
            "the owner cannot leave: make someone else owner first",
        ));
    }
    ajet_db::communities::remove_member(&mut tx, id, user.id).await?;
    let mut events = Recorder::new(Some(trace.traceparent()));
    events
        .community(
            &mut tx,
            id,
            Some(user.id),
            EventData::MemberLeft { user_id: user.id },
        )
        .await?;
    events.commit(tx, &state).await?;
    Ok(StatusCode::NO_CONTENT)
}
