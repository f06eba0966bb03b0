//! `POST /api/dms`: start (or find) a DM or group DM.

use ajet_core::dto::{ChannelDto, Scope, StartDm};
use ajet_core::{ErrorBody, EventData, UserId};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// Most people in a group DM besides its creator.
const MAX_GROUP: usize = 15;

/// With one other person: their DM with the caller, created on first use — exactly one
/// per pair, even when both start it at the same moment (200 when it existed, 201 when
/// created). With several: a new group DM (201).
#[utoipa::path(
    post,
    path = "/dms",
    tag = "dms",
    security(("bearer" = [])),
    request_body = StartDm,
    responses(
        (status = 201, description = "Created: the DM (first time) or a new group DM.", body = ChannelDto),
        (status = 200, description = "The DM with that person existed already.", body = ChannelDto),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:write` scope.", body = ErrorBody),
        (status = 404, description = "A user named does not exist.", body = ErrorBody),
        (status = 413, description = "The body is larger than the api accepts.", body = ErrorBody),
        (status = 422, description = "Nobody else was named, or too many people for a group DM.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn start_dm(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    JsonBody(body): JsonBody<StartDm>,
) -> Result<(StatusCode, Json<ChannelDto>)> {
    user.require(Scope::MessagesWrite)?;
    let mut tx = state.db.begin().await?;
    let mut others: Vec<UserId> = body.user_ids.clone();
    if !body.usernames.is_empty() {
        let names: Vec<String> = body
            .usernames
            .iter()
            .map(|n| n.trim().trim_start_matches('@').to_owned())
            .collect();
        let found = ajet_db::users::by_usernames(&mut tx, &names).await?;
        if let Some(missing) = names
            .iter()
            .find(|n| !found.iter().any(|u| u.username.eq_ignore_ascii_case(n)))
        {
            return Err(Error::not_found(format!(
                "there is no user called @{missing}"
            )));
        }
        others.extend(found.into_iter().map(|u| u.id));
    }
    others.retain(|u| *u != user.id);
    others.sort();
    others.dedup();
    if others.is_empty() {
        return Err(Error::validation(
            "name at least one other person to message",
        ));
    }
    if others.len() > MAX_GROUP {
        return Err(Error::validation(format!(
            "a group DM has at most {MAX_GROUP} other people"
        )));
    }
    let existing = ajet_db::users::by_ids(&mut tx, &others).await?;
    if existing.len() != others.len() {
        return Err(Error::not_found("one of those users does not exist"));
    }
    let (id, created) = if let [other] = others[..] {
        ajet_db::channels::get_or_create_dm(&mut tx, user.id, other).await?
    } else {
        let mut members = others.clone();
        members.push(user.id);
        (
            ajet_db::channels::create_group_dm(&mut tx, user.id, &members).await?,
            true,
        )
    };
    let channel = ajet_db::channels::get_for_member(&mut tx, id, user.id)
        .await?
        .ok_or_else(crate::authz::no_such_channel)?;
    let mut dtos = super::channels::to_dtos(&mut tx, vec![channel], user.id).await?;
    let dto = dtos.remove(0);
    let mut events = Recorder::new(Some(trace.traceparent()));
    if created {
        // Each member learns of the new conversation on their own stream.
        let mut everyone = others;
        everyone.push(user.id);
        for member in everyone {
            events
                .user(
                    &mut tx,
                    member,
                    Some(user.id),
                    EventData::ChannelCreated(dto.clone()),
                )
                .await?;
        }
    }
    events.commit(tx, &state).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(dto)))
}
