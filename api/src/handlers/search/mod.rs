//! Searching the messages the caller may read.

pub mod messages;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The search routes, nested under `/api` with the rest.
pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(messages::search_messages))
}
