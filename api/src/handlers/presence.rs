//! Presence: heartbeats in, online/offline out.

use ajet_core::dto::{PresenceDto, Scope};
use ajet_core::{Envelope, ErrorBody, EventData, UserId, subjects};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, QueryParams, Result};
use crate::state::AppState;

/// `POST /api/heartbeat`: answered at once; the write happens in the background. Each
/// heartbeat is announced on the user's communities' presence subjects (ephemeral): the
/// session managers turn them into batched online/offline changes for their clients.
#[utoipa::path(
    post,
    path = "/heartbeat",
    tag = "presence",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Noted; the caller counts as online for two minutes."),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn heartbeat(State(state): State<AppState>, user: AuthUser) -> StatusCode {
    let id = user.id;
    tokio::spawn(async move {
        if let Err(err) = record(&state, id).await {
            tracing::warn!(error = %err, user.id = %id, "heartbeat not recorded");
        }
    });
    StatusCode::NO_CONTENT
}

async fn record(state: &AppState, user: UserId) -> Result<(), sqlx::Error> {
    let mut conn = state.db.acquire().await?;
    let away = ajet_db::users::touch(&mut conn, user).await?;
    announce(state, &mut conn, user, away).await
}

/// Announces `user`'s presence (online, or away) to the session managers of their
/// communities.
async fn announce(
    state: &AppState,
    conn: &mut ajet_db::PgConnection,
    user: UserId,
    away: bool,
) -> Result<(), sqlx::Error> {
    let channel_ids = ajet_db::channels::ids_of_member(&mut *conn, user).await?;
    let event = Envelope::for_community(
        None,
        Some(user),
        EventData::PresenceHeartbeat {
            user_id: user,
            channel_ids,
            away,
        },
    );
    let payload = serde_json::to_vec(&event).unwrap_or_default();
    for community in ajet_db::communities::list_for_user(conn, user).await? {
        let subject = subjects::presence(community.id);
        if let Err(err) = state
            .bus
            .publish_signal(subject, payload.clone().into())
            .await
        {
            tracing::debug!(error = %err, "presence not announced");
        }
    }
    Ok(())
}

/// `PUT /api/me/away`: whether the caller is away.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetAway {
    pub away: bool,
}

/// Marks the caller away (`/away`: shown offline to everyone, whatever their clients do)
/// or back (`/back`).
#[utoipa::path(
    put,
    path = "/me/away",
    tag = "presence",
    security(("bearer" = [])),
    request_body = SetAway,
    responses(
        (status = 204, description = "Noted; the session managers show the change at their next presence batch."),
        (status = 400, description = "The body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn set_away(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(body): JsonBody<SetAway>,
) -> Result<StatusCode> {
    let mut conn = state.db.acquire().await?;
    ajet_db::users::set_away(&mut conn, user.id, body.away).await?;
    announce(&state, &mut conn, user.id, body.away).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/me/contacts`: the people who share a channel or DM with the caller, whose
/// presence matters to them.
#[utoipa::path(
    get,
    path = "/me/contacts",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ids of the people who share a channel or DM with the caller.", body = [UserId]),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:read` scope.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn get_contacts(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<UserId>>> {
    user.require(Scope::ChannelsRead)?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(ajet_db::users::contacts(&mut conn, user.id).await?))
}

/// `?user_ids=<id>,<id>…`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PresenceQuery {
    /// 1 to 200 user ids, separated by commas.
    pub user_ids: String,
}

/// `GET /api/presence?user_ids=…`: who of these is online (at most 200 at once).
#[utoipa::path(
    get,
    path = "/presence",
    tag = "presence",
    security(("bearer" = [])),
    params(
        PresenceQuery
    ),
    responses(
        (status = 200, description = "Whether each of these users is online.", body = [PresenceDto]),
        (status = 400, description = "The query is missing, or an entry is not a user id.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:read` scope.", body = ErrorBody),
        (status = 422, description = "Fewer than 1 or more than 200 ids.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn get_presence(
    State(state): State<AppState>,
    user: AuthUser,
    QueryParams(query): QueryParams<PresenceQuery>,
) -> Result<Json<Vec<PresenceDto>>> {
    user.require(Scope::ChannelsRead)?;
    let ids: Vec<UserId> = query
        .user_ids
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| Error::bad_request(format!("{s:?} is not a user id")))
        })
        .collect::<Result<_>>()?;
    if ids.is_empty() || ids.len() > 200 {
        return Err(Error::validation("ask for 1 to 200 user ids"));
    }
    let mut conn = state.db.acquire().await?;
    Ok(Json(ajet_db::users::presence(&mut conn, &ids).await?))
}
