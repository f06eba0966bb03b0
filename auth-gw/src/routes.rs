//! The gateway's own routes, and the catch-all that authenticates, rate-limits and
//! proxies everything else.

use ajet_core::auth::{Grant, Identity};
use ajet_edge::ErrorResponse;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::auth::{self, Denied};
use crate::limits::{self, Key};
use crate::proxy::{self, Service};
use crate::security::{self, client_ip};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    let cors = security::cors(&state.cors_origins);
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(crate::ready::ready))
        .route("/hook/{id}/{token}", post(crate::hooks::deliver))
        .merge(crate::login::routes())
        .merge(crate::oauth::routes())
        .fallback(gateway)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf_guard,
        ))
        .layer(cors)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::resolve_client,
        ))
        .layer(axum::middleware::from_fn(
            ajet_telemetry::trace_requests_at_edge,
        ))
        .with_state(state)
}

/// What a request is counted against: its token's owner, else its address.
fn limit_key(identity: &Identity) -> Key {
    match &identity.grant {
        Grant::Session(_) => Key::User(identity.user_id),
        Grant::ApiToken { token_id, .. } => Key::Token(*token_id),
    }
}

/// Authenticates what needs it, rate-limits, then proxies.
async fn gateway(State(state): State<AppState>, req: Request) -> Response {
    let service = Service::for_path(req.uri().path());
    if service == Service::Api
        && let Some(refused) = too_large(&state, &req)
    {
        return refused;
    }
    let ip = client_ip(&req);
    let presents_token = ajet_edge::presented_token(req.headers()).is_some();
    let needs_session = service.requires_session() && !is_public(&req);
    let key = if needs_session || presents_token {
        match auth::authenticate(&state, req.headers()).await {
            Ok(identity) => {
                tracing::debug!(user.id = %identity.user_id, "authenticated");
                limit_key(&identity)
            }
            // The web pages decide for themselves what an anonymous visitor sees.
            Err(Denied::Missing | Denied::Invalid) if !needs_session => Key::Ip(ip),
            Err(denied) => {
                // Failed attempts count against the address, so guessing is slowed too.
                if let Err(wait) = state.limits.check(&Key::Ip(ip)) {
                    return limits::too_many(wait);
                }
                return refused(denied);
            }
        }
    } else {
        Key::Ip(ip)
    };
    if let Err(wait) = state.limits.check(&key) {
        return limits::too_many(wait);
    }
    proxy::forward(&state, service, req).await
}

/// A 413 for an api request whose announced body is larger than the api takes at its
/// path. Refused here, before any of it is read: the api would refuse it too, but
/// closing a connection with a body still arriving can cost the answer on its way back.
fn too_large(state: &AppState, req: &Request) -> Option<Response> {
    let len: u64 = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let path = req.uri().path();
    let limit = ajet_core::limits::api_body_limit(path, state.settings.max_upload_bytes);
    if len <= limit {
        return None;
    }
    let message = if path.ends_with("/attachments") {
        format!(
            "the upload is larger than this server accepts ({} MiB at most)",
            state.settings.max_upload_bytes / (1024 * 1024)
        )
    } else {
        format!("the body is {len} bytes; this route accepts at most {limit}")
    };
    Some(ErrorResponse::new(ajet_core::ErrorCode::PayloadTooLarge, message).into_response())
}

/// Api routes anyone may call: the OpenAPI document.
fn is_public(req: &Request) -> bool {
    req.method() == axum::http::Method::GET && req.uri().path() == "/api/openapi.json"
}

fn refused(denied: Denied) -> Response {
    ErrorResponse::from(denied).into_response()
}
