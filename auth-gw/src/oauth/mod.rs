//! Sign-in with OAuth 2.0 (GitHub, Gitea) and OpenID Connect providers.

mod accounts;
pub mod flow;
pub mod providers;

use axum::Router;
use axum::routing::get;

pub use providers::Providers;

use crate::state::AppState;

/// The provider routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/oauth/{provider}/start", get(flow::start))
        .route("/auth/oauth/{provider}/callback", get(flow::callback))
}
