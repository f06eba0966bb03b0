//! `GET /api/communities/{community_id}/audit`: the community's audit log.

use ajet_core::identity::{AuditEntryDto, AuditPage};
use ajet_core::{CommunityId, ErrorBody};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use uuid::Uuid;

use super::common::require_manager;
use crate::auth::AuthUser;
use crate::error::{PathParam, QueryParams, Result};
use crate::state::AppState;

/// Entries a page holds when the caller does not say, and at most.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;

/// `?before=<id>&limit=N`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries older than this one.
    before: Option<Uuid>,
    /// How many (1 to 200, default 50).
    limit: Option<u32>,
}

/// Lists the community's audit log, newest first: bots, tokens, webhooks, invites and role
/// changes, who did them and when.
#[utoipa::path(
    get,
    path = "/communities/{community_id}/audit",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
        AuditQuery,
    ),
    responses(
        (status = 200, description = "A page of entries, newest first.", body = AuditPage),
        (status = 400, description = "The path or query string could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community_id))]
pub async fn list_audit(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(community_id): PathParam<CommunityId>,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<Json<AuditPage>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut conn = state.db.acquire().await?;
    require_manager(&mut conn, &user, community_id).await?;
    let mut rows =
        ajet_db::audit::list_for_community(&mut conn, community_id, q.before, i64::from(limit) + 1)
            .await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok(Json(AuditPage {
        entries: rows
            .into_iter()
            .map(|r| AuditEntryDto {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id.map(Into::into),
                action: r.action,
                target_kind: r.target_kind,
                target_id: r.target_id,
                details: r.details,
            })
            .collect(),
        has_more,
    }))
}
