//! Incoming webhooks: `POST|GET /api/communities/{community_id}/webhooks`,
//! `PATCH|DELETE /api/webhooks/{webhook_id}`, `GET /api/webhooks/{webhook_id}/deliveries`.

use ajet_core::ErrorBody;
use ajet_core::identity::{CreateWebhook, Created, UpdateWebhook, WebhookDeliveryDto, WebhookDto};
use ajet_core::limits::MAX_WEBHOOK_SECRET_LEN;
use ajet_core::{CommunityId, WebhookId};
use ajet_db::{access, channels, communities, webhooks};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::common::{Origin, require_manager, valid_name};
use crate::auth::{AuthUser, announce_revocation};
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::state::AppState;

/// Creates a webhook bound to a channel, with a bot user of its own; the token is in the
/// answer and nowhere else.
#[utoipa::path(
    post,
    path = "/communities/{community_id}/webhooks",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "The webhook, with its token: shown this once. Outside tools post what they send (Slack-compatible, GitHub, Gitea, Alertmanager, plain) to `/hook/<id>/<token>`.", body = Created<WebhookDto>),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
        (status = 422, description = "The name, secret or events are not valid, or the channel is not the community's.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community_id))]
pub async fn create_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(community_id): PathParam<CommunityId>,
    JsonBody(body): JsonBody<CreateWebhook>,
) -> Result<(StatusCode, Json<Created<WebhookDto>>)> {
    let name = valid_name(&body.name, "webhook")?;
    let settings = webhooks::Settings {
        secret: body.secret.as_deref().map(valid_secret).transpose()?,
        events: body.events.as_deref().map(valid_events).transpose()?,
        allow_overrides: body.allow_overrides,
        post_ci_successes: body.post_ci_successes,
    };
    let mut tx = state.db.begin().await?;
    require_manager(&mut tx, &user, community_id).await?;
    if !access::channel_in_community(&mut tx, community_id, body.channel_id).await? {
        return Err(Error::validation(
            "the channel is not a channel of this community",
        ));
    }
    let username = access::free_username(&mut tx, &name).await?;
    let bot = webhooks::insert_bot_user(&mut tx, &username, &name).await?;
    communities::add_member(&mut tx, community_id, bot, "member").await?;
    channels::add_member(&mut tx, body.channel_id, bot).await?;
    let (webhook, secret) = webhooks::insert(
        &mut tx,
        &state.hasher,
        webhooks::NewWebhook {
            community: community_id,
            channel: body.channel_id,
            bot_user: bot,
            name: &name,
            created_by: Some(user.id),
            settings,
        },
    )
    .await?;
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            community: Some(community_id),
            target_kind: Some("webhook"),
            target_id: Some(webhook.id.as_uuid()),
            details: json!({ "name": name, "channel_id": body.channel_id }),
            ..origin.entry(&user, "webhook.create")
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            item: webhook.into(),
            token: secret,
        }),
    ))
}

/// Lists the community's webhooks, revoked ones included, without their tokens.
#[utoipa::path(
    get,
    path = "/communities/{community_id}/webhooks",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    responses(
        (status = 200, description = "The community's webhooks, revoked ones included, without tokens.", body = Vec<WebhookDto>),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community_id))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(community_id): PathParam<CommunityId>,
) -> Result<Json<Vec<WebhookDto>>> {
    let mut conn = state.db.acquire().await?;
    require_manager(&mut conn, &user, community_id).await?;
    let list = webhooks::list(&mut conn, community_id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Revokes a webhook: its URL stops working at once.
#[utoipa::path(
    delete,
    path = "/webhooks/{webhook_id}",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("webhook_id" = WebhookId, Path, description = "The webhook."),
    ),
    responses(
        (status = 204, description = "Revoked: its URL stops working at once."),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such webhook.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, webhook.id = %webhook_id))]
pub async fn revoke_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(webhook_id): PathParam<WebhookId>,
) -> Result<StatusCode> {
    let mut tx = state.db.begin().await?;
    let webhook = webhooks::get(&mut tx, webhook_id)
        .await?
        .ok_or_else(|| Error::not_found("there is no such webhook"))?;
    require_manager(&mut tx, &user, webhook.community_id).await?;
    if webhooks::revoke(&mut tx, webhook_id).await? {
        ajet_db::audit::insert(
            &mut tx,
            ajet_db::audit::Entry {
                community: Some(webhook.community_id),
                target_kind: Some("webhook"),
                target_id: Some(webhook_id.as_uuid()),
                ..origin.entry(&user, "webhook.revoke")
            },
        )
        .await?;
    }
    tx.commit().await?;
    announce_revocation(&state, "webhook").await;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes a webhook's name or settings: its secret, the events it posts, whether
/// deliveries may override its name, icon and channel, whether CI successes post.
#[utoipa::path(
    patch,
    path = "/webhooks/{webhook_id}",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("webhook_id" = WebhookId, Path, description = "The webhook."),
    ),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "The webhook as it now is.", body = WebhookDto),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such webhook.", body = ErrorBody),
        (status = 422, description = "The name, secret or events are not valid.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, webhook.id = %webhook_id))]
pub async fn update_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(webhook_id): PathParam<WebhookId>,
    JsonBody(body): JsonBody<UpdateWebhook>,
) -> Result<Json<WebhookDto>> {
    let mut tx = state.db.begin().await?;
    let webhook = webhooks::get(&mut tx, webhook_id)
        .await?
        .ok_or_else(|| Error::not_found("there is no such webhook"))?;
    require_manager(&mut tx, &user, webhook.community_id).await?;
    let name = match &body.name {
        Some(name) => valid_name(name, "webhook")?,
        None => webhook.name.clone(),
    };
    let settings = webhooks::Settings {
        secret: match &body.secret {
            Some(secret) => secret.as_deref().map(valid_secret).transpose()?,
            None => webhook.secret.clone(),
        },
        events: match &body.events {
            Some(events) => events.as_deref().map(valid_events).transpose()?,
            None => webhook.events.clone(),
        },
        allow_overrides: body.allow_overrides.unwrap_or(webhook.allow_overrides),
        post_ci_successes: body.post_ci_successes.unwrap_or(webhook.post_ci_successes),
    };
    let updated = webhooks::update(&mut tx, webhook_id, &name, &settings)
        .await?
        .ok_or_else(|| Error::not_found("there is no such webhook"))?;
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            community: Some(webhook.community_id),
            target_kind: Some("webhook"),
            target_id: Some(webhook_id.as_uuid()),
            // What changed, never the secret itself.
            details: json!({
                "name": name,
                "secret_changed": body.secret.is_some(),
                "events": settings.events,
                "allow_overrides": settings.allow_overrides,
                "post_ci_successes": settings.post_ci_successes,
            }),
            ..origin.entry(&user, "webhook.update")
        },
    )
    .await?;
    tx.commit().await?;
    // Every cached copy (here and in the gateway) goes, so that a new secret or filter
    // holds from the next delivery.
    announce_revocation(&state, "webhook").await;
    Ok(Json(updated.into()))
}

/// The webhook's last 100 deliveries, newest first: when each came, what it was read as,
/// how it was answered and why — so that an admin can see why a tool's deliveries fail.
#[utoipa::path(
    get,
    path = "/webhooks/{webhook_id}/deliveries",
    tag = "identity",
    security(("bearer" = [])),
    params(
        ("webhook_id" = WebhookId, Path, description = "The webhook."),
    ),
    responses(
        (status = 200, description = "The last 100 deliveries, newest first.", body = Vec<WebhookDeliveryDto>),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such webhook.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, webhook.id = %webhook_id))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(webhook_id): PathParam<WebhookId>,
) -> Result<Json<Vec<WebhookDeliveryDto>>> {
    let mut conn = state.db.acquire().await?;
    let webhook = webhooks::get(&mut conn, webhook_id)
        .await?
        .ok_or_else(|| Error::not_found("there is no such webhook"))?;
    require_manager(&mut conn, &user, webhook.community_id).await?;
    Ok(Json(webhooks::deliveries(&mut conn, webhook_id).await?))
}

/// A webhook secret: 1 to 256 characters, no surrounding spaces.
fn valid_secret(secret: &str) -> Result<String> {
    let len = secret.chars().count();
    if secret.trim().is_empty() || len > MAX_WEBHOOK_SECRET_LEN || secret.trim() != secret {
        return Err(Error::validation(format!(
            "the secret must be 1 to {MAX_WEBHOOK_SECRET_LEN} characters, with no spaces around it"
        )));
    }
    Ok(secret.to_owned())
}

/// The events a webhook posts: event names as the tools send them (`push`,
/// `pull_request`, `workflow_run`, `alert`, `message`, …), lower case, at most 64.
fn valid_events(events: &[String]) -> Result<Vec<String>> {
    const MAX: usize = 64;
    if events.len() > MAX {
        return Err(Error::validation(format!(
            "a webhook can name at most {MAX} events"
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(events.len());
    for event in events {
        let event = event.trim().to_ascii_lowercase();
        let fine = !event.is_empty()
            && event.len() <= 64
            && event
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !fine {
            return Err(Error::validation(format!(
                "{event:?} is not an event name; use names such as push, pull_request, workflow_run, alert or message"
            )));
        }
        if !out.contains(&event) {
            out.push(event);
        }
    }
    Ok(out)
}
