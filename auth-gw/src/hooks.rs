//! `POST /hook/<id>/<token>`: incoming webhooks from outside tools.
//!
//! The gateway lets a delivery through only with a valid, unrevoked token (compared in
//! constant time), counts it against the webhook's rate limit, and forwards it to the
//! api's `POST /api/hooks/<id>` (with the URL's query, which may name the format) and
//! the token in a header; the api checks the token again itself, so nothing the gateway
//! forwards can be forged from outside. A body announced larger than the api accepts is
//! refused here, before any of it is read.

use ajet_core::limits::MAX_WEBHOOK_BODY_BYTES;
use ajet_core::{ErrorCode, WebhookId};
use ajet_edge::ErrorResponse;
use axum::extract::{Path, Request, State};
use axum::http::uri::PathAndQuery;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::limits::{self, Key};
use crate::proxy::{self, Service};
use crate::security::client_ip;
use crate::state::AppState;

/// The header the api reads the webhook token from.
pub const TOKEN_HEADER: &str = "x-ajet-webhook-token";

/// Checks the token and forwards the delivery.
pub async fn deliver(
    State(state): State<AppState>,
    Path((id, token)): Path<(String, String)>,
    mut req: Request,
) -> Response {
    let not_found = || {
        ErrorResponse::not_found("there is no such webhook, or its token is wrong").into_response()
    };
    let ip = client_ip(&req);
    if let Some(len) = announced_length(&req)
        && len > MAX_WEBHOOK_BODY_BYTES as u64
    {
        return ErrorResponse::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "the body is {len} bytes; a webhook accepts at most {MAX_WEBHOOK_BODY_BYTES} bytes"
            ),
        )
        .into_response();
    }
    let Ok(id) = id.parse::<WebhookId>() else {
        return match state.limits.check(&Key::Ip(ip)) {
            Ok(()) => not_found(),
            Err(wait) => limits::too_many(wait),
        };
    };
    let found = state
        .webhooks
        .resolve(state.hasher.hash(&token), || async {
            let mut conn = state.db.acquire().await?;
            ajet_db::webhooks::authenticate(&mut conn, &state.hasher, id, &token).await
        })
        .await
        .map(|found| found.filter(|webhook| webhook.id == id));
    match found {
        Ok(Some(_)) => {}
        Ok(None) => {
            // Guessing is counted against the guesser's address, not the webhook.
            return match state.limits.check(&Key::Ip(ip)) {
                Ok(()) => not_found(),
                Err(wait) => limits::too_many(wait),
            };
        }
        Err(err) => {
            tracing::error!(error = %err, "webhook lookup failed");
            return ErrorResponse::unavailable(
                "webhooks cannot be checked right now; try again shortly",
            )
            .into_response();
        }
    }
    if let Err(wait) = state.limits.check(&Key::Webhook(id)) {
        return limits::too_many(wait);
    }
    let Ok(token_value) = HeaderValue::from_str(&token) else {
        return not_found();
    };
    let headers = req.headers_mut();
    headers.remove(header::AUTHORIZATION);
    headers.remove(header::COOKIE);
    headers.insert(TOKEN_HEADER, token_value);
    let target = match req.uri().query() {
        Some(query) => format!("/api/hooks/{id}?{query}"),
        None => format!("/api/hooks/{id}"),
    };
    let Ok(path) = PathAndQuery::try_from(target) else {
        return not_found();
    };
    *req.uri_mut() = axum::http::Uri::from(path);
    proxy::forward(&state, Service::Api, req).await
}

/// The body's length as its `Content-Length` announces it.
fn announced_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}
