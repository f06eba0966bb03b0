//! Searching the messages the caller may read.

pub mod messages;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The search routes, nested under `/api` with the rest, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(messages::search_messages))
}
