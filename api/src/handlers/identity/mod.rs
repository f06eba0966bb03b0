//! Identity and access: sessions, bots and their tokens, invites, webhooks, the account.
//!
//! Managing bots, tokens, webhooks and invites takes an owner or admin of the community
//! (and, for an API token, the `admin` scope). Every creation and revocation is written to
//! the audit log; every revocation is announced on the bus so that no gateway or api
//! instance keeps honouring the credential.

mod account;
mod audit;
pub(crate) mod bots;
pub(crate) mod common;

pub use common::{Origin, require_manager};
mod hooks;
pub(crate) mod invites;
mod sessions;
pub(crate) mod tokens;
pub(crate) mod webhooks;

use ajet_core::limits::MAX_WEBHOOK_BODY_BYTES;
use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The identity routes, nested under `/api` with the rest, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(bots::list_bots, bots::create_bot))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(webhooks::update_webhook, webhooks::revoke_webhook))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(invites::list_invites, invites::create_invite))
        .routes(routes!(invites::revoke_invite))
        .routes(routes!(invites::accept_invite))
        .routes(routes!(sessions::list_sessions))
        .routes(routes!(sessions::revoke_session))
        .routes(routes!(account::delete_me))
        .merge(
            OpenApiRouter::default()
                .routes(routes!(hooks::deliver))
                .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BODY_BYTES)),
        )
        .routes(routes!(audit::list_audit))
}
