//! Every route of the api.

use ajet_core::ErrorCode;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

use crate::error::Error;
use crate::handlers::{channels, health, identity, me, messages};
use crate::state::AppState;

/// Largest request body: a message of 16,000 four-byte characters with room to spare.
const BODY_LIMIT: usize = 256 * 1024;

/// The api with its middleware.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/me", get(me::get_me))
        .route("/channels", get(channels::list::list_channels))
        .route(
            "/channels/{channel_id}/messages",
            get(messages::list::list_messages).post(messages::create::create_message),
        )
        .merge(identity::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(health::ready))
        .nest("/api", api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(ajet_telemetry::trace_requests))
        .with_state(state)
}

async fn not_found() -> Error {
    Error::not_found("there is no such route")
}

async fn method_not_allowed() -> Error {
    Error::new(
        ErrorCode::MethodNotAllowed,
        "this route does not take that method",
    )
}
