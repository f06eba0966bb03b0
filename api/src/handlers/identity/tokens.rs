//! A bot's API tokens: `POST|GET /api/bots/{bot_id}/tokens`, `DELETE /api/tokens/{token_id}`.

use ajet_core::ErrorBody;
use ajet_core::identity::{CreateToken, Created, TokenDto};
use ajet_core::{TokenId, UserId};
use ajet_db::{access, api_tokens};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde_json::json;

use super::common::{Origin, require_manager, valid_name};
use crate::auth::{AuthUser, announce_revocation};
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::state::AppState;

/// Creates a token for the bot; the secret is in the answer and nowhere else.
#[utoipa::path(
    post,
    path = "/bots/{bot_id}/tokens",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("bot_id" = UserId, Path, description = "The bot (its user id)."),
    ),
    request_body = CreateToken,
    responses(
        (status = 201, description = "The token, with its secret: shown this once, stored only as a keyed hash.", body = Created<TokenDto>),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such bot.", body = ErrorBody),
        (status = 422, description = "No scopes, an unknown scope, a bad name, an expiry in the past, or a channel outside the bot's community.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, bot.id = %bot_id))]
pub async fn create_token(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(bot_id): PathParam<UserId>,
    JsonBody(body): JsonBody<CreateToken>,
) -> Result<(StatusCode, Json<Created<TokenDto>>)> {
    let name = valid_name(&body.name, "token")?;
    if body.scopes.is_empty() {
        return Err(Error::validation("a token needs at least one scope"));
    }
    if body.expires_at.is_some_and(|e| e <= Utc::now()) {
        return Err(Error::validation("the expiry must be in the future"));
    }
    if body.channel_ids.as_ref().is_some_and(Vec::is_empty) {
        return Err(Error::validation(
            "list at least one channel, or leave channel_ids out for all of the bot's channels",
        ));
    }
    let mut tx = state.db.begin().await?;
    let bot = api_tokens::get_bot(&mut tx, bot_id)
        .await?
        .ok_or_else(|| Error::not_found("there is no such bot"))?;
    require_manager(&mut tx, &user, bot.community_id).await?;
    for channel in body.channel_ids.iter().flatten() {
        if !access::channel_in_community(&mut tx, bot.community_id, *channel).await? {
            return Err(Error::validation(format!(
                "the channel {channel} is not a channel of the bot's community"
            )));
        }
    }
    let (token, secret) = api_tokens::insert_token(
        &mut tx,
        &state.hasher,
        api_tokens::NewToken {
            bot: &bot,
            name: &name,
            scopes: &body.scopes,
            channels: body.channel_ids.as_deref(),
            expires_at: body.expires_at,
            created_by: Some(user.id),
        },
    )
    .await?;
    let scopes: Vec<&str> = body.scopes.iter().map(|s| s.as_str()).collect();
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            community: Some(bot.community_id),
            target_kind: Some("token"),
            target_id: Some(token.id.as_uuid()),
            details: json!({ "bot_id": bot.user_id, "name": name, "scopes": scopes }),
            ..origin.entry(&user, "token.create")
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            item: token.into(),
            token: secret,
        }),
    ))
}

/// Lists the bot's tokens, revoked ones included, without their secrets.
#[utoipa::path(
    get,
    path = "/bots/{bot_id}/tokens",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("bot_id" = UserId, Path, description = "The bot (its user id)."),
    ),
    responses(
        (status = 200, description = "The bot's tokens, revoked ones included, without secrets.", body = Vec<TokenDto>),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such bot.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, bot.id = %bot_id))]
pub async fn list_tokens(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(bot_id): PathParam<UserId>,
) -> Result<Json<Vec<TokenDto>>> {
    let mut conn = state.db.acquire().await?;
    let bot = api_tokens::get_bot(&mut conn, bot_id)
        .await?
        .ok_or_else(|| Error::not_found("there is no such bot"))?;
    require_manager(&mut conn, &user, bot.community_id).await?;
    let tokens = api_tokens::list_tokens(&mut conn, bot_id).await?;
    Ok(Json(tokens.into_iter().map(Into::into).collect()))
}

/// Revokes a token; it stops working on every instance at once.
#[utoipa::path(
    delete,
    path = "/tokens/{token_id}",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("token_id" = TokenId, Path, description = "The token."),
    ),
    responses(
        (status = 204, description = "Revoked: it stops working on every instance at once."),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such token.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, token.id = %token_id))]
pub async fn revoke_token(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(token_id): PathParam<TokenId>,
) -> Result<StatusCode> {
    let mut tx = state.db.begin().await?;
    let token = api_tokens::get_token(&mut tx, token_id)
        .await?
        .ok_or_else(|| Error::not_found("there is no such token"))?;
    require_manager(&mut tx, &user, token.community_id).await?;
    if api_tokens::revoke_token(&mut tx, token_id).await? {
        ajet_db::audit::insert(
            &mut tx,
            ajet_db::audit::Entry {
                community: Some(token.community_id),
                target_kind: Some("token"),
                target_id: Some(token_id.as_uuid()),
                details: json!({ "bot_id": token.bot_id }),
                ..origin.entry(&user, "token.revoke")
            },
        )
        .await?;
    }
    tx.commit().await?;
    announce_revocation(&state, "token").await;
    Ok(StatusCode::NO_CONTENT)
}
