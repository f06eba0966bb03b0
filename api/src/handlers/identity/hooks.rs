//! `POST /api/hooks/{webhook_id}`: a delivery to an incoming webhook, forwarded by the
//! gateway from the public `POST /hook/<id>/<token>` with the token in
//! [`TOKEN_HEADER`]. The token is checked here again, so the route opens nothing to
//! whoever calls it without one.
//!
//! The body is read by [`ajet_webhooks::render`] (Slack-compatible, GitHub, Gitea/Forgejo,
//! Alertmanager/Grafana or plain), posted as the webhook's bot, and every delivery that
//! gets past the token — posted, skipped or refused — is written to the webhook's log.

use ajet_core::dto::{MessageDto, MessageMeta};
use ajet_core::identity::HookReceipt;
use ajet_core::limits::{MAX_MESSAGE_CHARS, MAX_WEBHOOK_BODY_BYTES};
use ajet_core::{ChannelId, ErrorBody, ErrorCode, EventData, WebhookId};
use ajet_db::webhooks::{self, Webhook};
use ajet_telemetry::TraceContext;
use ajet_webhooks::{Delivery, Format, Incoming, Options, Outcome, Rejected, WebhookMessage};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;

use crate::error::{Error, ErrorResponse, PathParam, QueryParams, Result};
use crate::events::Recorder;
use crate::posting::{self, Post, Posted};
use crate::state::AppState;

/// The header the gateway passes the webhook token in.
pub const TOKEN_HEADER: &str = "x-ajet-webhook-token";

/// The query of a delivery URL.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HookQuery {
    /// Reads the body as this format instead of detecting it: `slack`, `github`, `gitea`,
    /// `alertmanager` or `plain`.
    pub format: Option<String>,
}

/// Reads a delivery in whatever format the sending tool uses and posts it to the
/// webhook's channel as its bot.
#[utoipa::path(
    post,
    path = "/hooks/{webhook_id}",
    tag = "identity",
    security(()),
    params(
        ("webhook_id" = WebhookId, Path, description = "The webhook."),
        ("x-ajet-webhook-token" = String, Header, description = "The webhook's token (the gateway moves it here from `/hook/<id>/<token>`)."),
        HookQuery,
    ),
    request_body(
        description = "What the tool sends, unchanged: a Slack-compatible message (`text`, `attachments`, `blocks`), a GitHub event (`X-GitHub-Event`), a Gitea or Forgejo event (`X-Gitea-Event`), an Alertmanager or Grafana notification (`version` and `alerts`), or `{\"text\": …}` / `text/plain` in markdown. JSON, or a form with the JSON in its `payload` field.",
        content(
            (serde_json::Value = "application/json"),
            (String = "application/x-www-form-urlencoded"),
            (String = "text/plain"),
        ),
    ),
    responses(
        (status = 200, description = "A Slack-compatible delivery was accepted (body `ok`, as Slack answers), or a delivery posted nothing new: a ping, an event the webhook leaves out or cannot render, a redelivery.", body = HookReceipt),
        (status = 201, description = "Posted to the webhook's channel as its bot.", body = MessageDto),
        (status = 400, description = "The body cannot be read, or has no shape a webhook knows; the sentence names the problem.", body = ErrorBody),
        (status = 401, description = "The webhook has a secret and the signature is missing or wrong.", body = ErrorBody),
        (status = 404, description = "No such webhook, or the token is wrong or revoked.", body = ErrorBody),
        (status = 413, description = "The body is larger than 4 MiB.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(webhook.id = %webhook_id))]
pub async fn deliver(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    PathParam(webhook_id): PathParam<WebhookId>,
    QueryParams(query): QueryParams<HookQuery>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::new(
            ErrorCode::PayloadTooLarge,
            format!("a webhook accepts at most {MAX_WEBHOOK_BODY_BYTES} bytes"),
        ),
        _ => Error::bad_request(format!(
            "the body could not be read: {}",
            rejection.body_text()
        )),
    })?;
    let token = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let webhook = state
        .webhooks
        .resolve(state.hasher.hash(token), || async {
            let mut conn = state.db.acquire().await?;
            webhooks::authenticate(&mut conn, &state.hasher, webhook_id, token).await
        })
        .await?
        .filter(|webhook| webhook.id == webhook_id)
        .ok_or_else(|| Error::not_found("there is no such webhook, or its token is wrong"))?;
    let query_format = query.format.as_deref();
    let rendered = ajet_webhooks::render(
        &Incoming {
            headers: &headers,
            query_format,
            body: &body,
        },
        &Options {
            secret: webhook.secret.as_deref().map(str::as_bytes),
            events: webhook.events.as_deref(),
            ci_successes: webhook.post_ci_successes,
        },
    );
    let delivery = match rendered {
        Ok(delivery) => delivery,
        Err(rejected) => return refuse(&state, &webhook, rejected).await,
    };
    let answer = handle(&state, &webhook, &delivery, trace)
        .await
        .map_err(ErrorResponse::from);
    let (status, note, message) = match &answer {
        Ok(Handled::Posted(m)) => (StatusCode::CREATED, None, Some(m.id)),
        Ok(Handled::Replayed(m)) => (StatusCode::OK, Some(REDELIVERED), Some(m.id)),
        Ok(Handled::Skipped(reason)) => (StatusCode::OK, Some(reason.describe()), None),
        Err(err) => (err.status(), Some(err.message.as_str()), None),
    };
    state
        .delivery_log
        .write(webhooks::Delivery {
            webhook: webhook.id,
            format: Some(delivery.format.as_str().to_owned()),
            event: Some(delivery.event.clone()),
            action: delivery.action.clone(),
            delivery_id: delivery.idempotency_key.clone(),
            status: status.as_u16(),
            note: note.map(str::to_owned),
            message,
        })
        .await;
    let handled = answer?;
    Ok(match (delivery.format, handled) {
        // Slack's own answer, which the tools that speak its format check for.
        (Format::Slack, _) => (StatusCode::OK, "ok").into_response(),
        (_, Handled::Posted(message)) => (StatusCode::CREATED, Json(message)).into_response(),
        (_, Handled::Replayed(message)) => Json(HookReceipt {
            posted: false,
            message_id: Some(message.id),
            note: REDELIVERED.to_owned(),
        })
        .into_response(),
        (_, Handled::Skipped(reason)) => Json(HookReceipt {
            posted: false,
            message_id: None,
            note: reason.describe().to_owned(),
        })
        .into_response(),
    })
}

/// The note on a delivery whose id was seen before.
const REDELIVERED: &str = "A redelivery: it was posted before; nothing new is posted.";

/// What a delivery that was read came to.
enum Handled {
    Posted(MessageDto),
    Replayed(MessageDto),
    Skipped(ajet_webhooks::Skip),
}

/// Posts a delivery that was read, or says why it posts nothing.
async fn handle(
    state: &AppState,
    webhook: &Webhook,
    delivery: &Delivery,
    trace: TraceContext,
) -> Result<Handled> {
    let message = match &delivery.outcome {
        Outcome::Post(message) => message,
        Outcome::Skip { reason } => return Ok(Handled::Skipped(*reason)),
    };
    let chars = message.body.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            format!("the message is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}"),
        ));
    }
    let channel = match message.overrides.channel.as_deref() {
        Some(name) if webhook.allow_overrides => {
            other_channel(state, webhook, name, &trace).await?
        }
        _ => webhook.channel_id,
    };
    let meta = meta(webhook, message);
    let posted = posting::post(
        state,
        Post {
            channel,
            author: webhook.user_id,
            body: &message.body,
            idempotency_key: delivery.idempotency_key.as_deref(),
            parent: None,
            traceparent: Some(trace.traceparent()),
            meta: (!meta.is_empty()).then_some(&meta),
            attachments: &[],
        },
    )
    .await?;
    Ok(match posted {
        Posted::Created(message) => Handled::Posted(message),
        Posted::Replayed(message) => Handled::Replayed(message),
    })
}

/// The sender name, icon and cards a message shows besides its body. A delivery's own
/// name and icon count only where the webhook allows overrides.
fn meta(webhook: &Webhook, message: &WebhookMessage) -> MessageMeta {
    let overrides = &message.overrides;
    let mut meta = MessageMeta::default();
    if webhook.allow_overrides {
        meta.display_name.clone_from(&overrides.username);
        meta.icon_url.clone_from(&overrides.icon_url);
        meta.icon_emoji.clone_from(&overrides.icon_emoji);
    }
    if !message.cards.is_empty() {
        meta.text = Some(message.text.clone()).filter(|t| !t.is_empty());
        meta.cards.clone_from(&message.cards);
    }
    meta
}

/// The public channel of the webhook's community a delivery names (`#deploys` or
/// `deploys`); the webhook's bot joins it on its first message there.
async fn other_channel(
    state: &AppState,
    webhook: &Webhook,
    name: &str,
    trace: &TraceContext,
) -> Result<ChannelId> {
    let name = name.trim().trim_start_matches('#');
    let unknown = || {
        Error::validation(format!(
            "the delivery names the channel #{name}, which is not a public channel of this webhook's community"
        ))
    };
    let mut tx = state.db.begin().await?;
    let channel = ajet_db::channels::by_name(&mut tx, webhook.community_id, name)
        .await?
        .filter(|c| !c.is_private() && !c.is_dm())
        .ok_or_else(unknown)?;
    if channel.id == webhook.channel_id {
        return Ok(channel.id);
    }
    if ajet_db::channels::add_member(&mut tx, channel.id, webhook.user_id).await? {
        let bot = ajet_db::users::get(&mut tx, webhook.user_id)
            .await?
            .ok_or_else(|| Error::not_found("this webhook's bot no longer exists"))?;
        let mut events = Recorder::new(Some(trace.traceparent()));
        events
            .channel(
                &mut tx,
                Some(webhook.community_id),
                channel.id,
                Some(webhook.user_id),
                EventData::MemberJoined { user: bot.into() },
            )
            .await?;
        events.commit(tx, state).await?;
    } else {
        tx.commit().await?;
    }
    Ok(channel.id)
}

/// Answers a delivery that could not be read, after logging it.
async fn refuse(state: &AppState, webhook: &Webhook, rejected: Rejected) -> Result<Response> {
    let refusal = ErrorResponse::new(rejected.error.code(), rejected.error.to_string());
    state
        .delivery_log
        .write(webhooks::Delivery {
            webhook: webhook.id,
            format: rejected.format.map(|f| f.as_str().to_owned()),
            event: rejected.event,
            action: None,
            delivery_id: rejected.idempotency_key,
            status: refusal.status().as_u16(),
            note: Some(refusal.message.clone()),
            message: None,
        })
        .await;
    Ok(refusal.into_response())
}
