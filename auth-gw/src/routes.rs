//! The gateway's own routes, and the catch-all that proxies everything else.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use crate::auth::{self, Denied};
use crate::proxy::{self, Service};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(crate::ready::ready))
        .fallback(gateway)
        .layer(axum::middleware::from_fn(
            ajet_telemetry::trace_requests_at_edge,
        ))
        .with_state(state)
}

/// Authenticates what needs it, then proxies.
async fn gateway(State(state): State<AppState>, req: Request) -> Response {
    let service = Service::for_path(req.uri().path());
    if service.requires_session() {
        match auth::authenticate(&state, req.headers()).await {
            Ok(user) => tracing::debug!(user.id = %user, "authenticated"),
            Err(Denied::Missing) => {
                return ajet_telemetry::error_response(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "sign in first: send your token as Authorization: Bearer <token>",
                );
            }
            Err(Denied::Invalid) => {
                return ajet_telemetry::error_response(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the token is not valid, or has expired or been revoked",
                );
            }
            Err(Denied::Unavailable) => {
                return ajet_telemetry::error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "sessions cannot be checked right now; try again shortly",
                );
            }
        }
    }
    proxy::forward(&state, service, req).await
}
