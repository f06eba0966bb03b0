//! Identity and access: sessions, bots and their tokens, invites, webhooks, the account.
//!
//! Managing bots, tokens, webhooks and invites takes an owner or admin of the community
//! (and, for an API token, the `admin` scope). Every creation and revocation is written to
//! the audit log; every revocation is announced on the bus so that no gateway or api
//! instance keeps honouring the credential.

mod account;
mod bots;
mod common;
mod hooks;
mod invites;
mod sessions;
mod tokens;
mod webhooks;

use axum::Router;
use axum::routing::{delete, get, post};

use crate::state::AppState;

/// The identity routes, nested under `/api` with the rest.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/communities/{community_id}/bots",
            get(bots::list_bots).post(bots::create_bot),
        )
        .route(
            "/bots/{bot_id}/tokens",
            get(tokens::list_tokens).post(tokens::create_token),
        )
        .route("/tokens/{token_id}", delete(tokens::revoke_token))
        .route(
            "/communities/{community_id}/webhooks",
            get(webhooks::list_webhooks).post(webhooks::create_webhook),
        )
        .route("/webhooks/{webhook_id}", delete(webhooks::revoke_webhook))
        .route(
            "/communities/{community_id}/invites",
            get(invites::list_invites).post(invites::create_invite),
        )
        .route("/invites/{invite_id}", delete(invites::revoke_invite))
        .route("/sessions", get(sessions::list_sessions))
        .route("/sessions/{session_id}", delete(sessions::revoke_session))
        .route("/me", delete(account::delete_me))
        .route(hooks::PATH, post(hooks::deliver))
}
