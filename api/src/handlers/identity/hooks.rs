//! `POST /api/hooks/{webhook_id}`: a delivery to an incoming webhook, forwarded by the
//! gateway from the public `POST /hook/<id>/<token>` with the token in
//! [`TOKEN_HEADER`]. The token is checked here again, so the route opens nothing to
//! whoever calls it without one.

use ajet_core::ErrorBody;
use ajet_core::ErrorCode;
use ajet_core::WebhookId;
use ajet_core::dto::MessageDto;
use ajet_core::identity::WebhookPost;
use ajet_core::limits::MAX_MESSAGE_CHARS;
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};

use crate::error::{Error, JsonBody, PathParam, Result};
use crate::posting::{self, Post, Posted};
use crate::state::AppState;

/// The header the gateway passes the webhook token in.
pub const TOKEN_HEADER: &str = "x-ajet-webhook-token";

/// Posts `{"text": …}` to the webhook's channel as the webhook's bot.
#[utoipa::path(
    post,
    path = "/hooks/{webhook_id}",
    tag = "identity",
    security(()),
    params(
        ("webhook_id" = WebhookId, Path, description = "The webhook."),
        ("x-ajet-webhook-token" = String, Header, description = "The webhook's token (the gateway moves it here from `/hook/<id>/<token>`)."),
    ),
    request_body = WebhookPost,
    responses(
        (status = 201, description = "Posted to the webhook's channel as its bot.", body = MessageDto),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 404, description = "No such webhook, or the token is wrong or revoked.", body = ErrorBody),
        (status = 413, description = "The text is too long.", body = ErrorBody),
        (status = 422, description = "The text is empty.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(webhook.id = %webhook_id))]
pub async fn deliver(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    PathParam(webhook_id): PathParam<WebhookId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<WebhookPost>,
) -> Result<(StatusCode, Json<MessageDto>)> {
    let token = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut conn = state.db.acquire().await?;
    let webhook = ajet_db::webhooks::authenticate(&mut conn, &state.hasher, webhook_id, token)
        .await?
        .ok_or_else(|| Error::not_found("there is no such webhook, or its token is wrong"))?;
    drop(conn);
    if body.text.trim().is_empty() {
        return Err(Error::validation("the text is empty"));
    }
    let chars = body.text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            format!("the text is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}"),
        ));
    }
    let posted = posting::post(
        &state,
        Post {
            channel: webhook.channel_id,
            author: webhook.user_id,
            body: &body.text,
            idempotency_key: None,
            parent: None,
            traceparent: Some(trace.traceparent()),
        },
    )
    .await?;
    let (Posted::Created(message) | Posted::Replayed(message)) = posted;
    Ok((StatusCode::CREATED, Json(message)))
}
