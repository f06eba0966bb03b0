//! Identity and access: sessions, bots and their tokens, invites, webhooks, the account.

use axum::Router;

use crate::state::AppState;

/// The identity routes, nested under `/api` with the rest.
pub fn routes() -> Router<AppState> {
    Router::new()
}
