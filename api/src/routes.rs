//! Every route of the api.
//!
//! The routes under `/api` are registered with `utoipa_axum::routes!`, which takes each
//! handler together with its `#[utoipa::path]`: a route cannot be added there without its
//! OpenAPI operation, and `GET /api/openapi.json` serves the document they make up
//! ([`crate::openapi`]). `api/tests/openapi.rs` checks that every documented operation is a
//! real route and that every route the api must have is documented.

use std::sync::Arc;

use ajet_core::ErrorCode;
use ajet_core::limits::MAX_API_BODY_BYTES;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Extension, Router};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Error;
use crate::handlers::{
    channels, commands, communities, dms, files, health, identity, me, messages, moderation,
    notifications, presence, search,
};
use crate::openapi;
use crate::state::AppState;

/// The api with its middleware. `/health` and `/ready` are the operators' probes of this
/// process, outside `/api` and so outside the document.
pub fn router(state: AppState) -> Router {
    let (api, operations) = api().split_for_parts();
    let document = Arc::new(openapi::document(operations));
    let api = api
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(document));
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(health::ready))
        .nest(openapi::PREFIX, api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_API_BODY_BYTES))
        .layer(axum::middleware::from_fn(ajet_telemetry::trace_requests))
        .with_state(state)
}

/// The routes under `/api`, each with its OpenAPI operation. One `routes!` a path: the
/// handlers of one `routes!` must share their path.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(me::get_me))
        .routes(routes!(
            communities::get::list_communities,
            communities::create::create_community
        ))
        .routes(routes!(
            communities::get::get_community,
            communities::update::update_community
        ))
        .routes(routes!(channels::create::create_channel))
        .routes(routes!(communities::members::list_members))
        .routes(routes!(communities::members::update_member))
        .routes(routes!(communities::members::leave_community))
        .routes(routes!(channels::list::list_channels))
        .routes(routes!(
            channels::get::get_channel,
            channels::update::update_channel
        ))
        .routes(routes!(channels::update::archive_channel))
        .routes(routes!(channels::membership::join_channel))
        .routes(routes!(channels::membership::leave_channel))
        .routes(routes!(
            channels::membership::list_members,
            channels::membership::add_member
        ))
        .routes(routes!(channels::read::mark_read))
        .routes(routes!(channels::read::mark_unread))
        .routes(routes!(
            messages::list::list_messages,
            messages::create::create_message
        ))
        .routes(routes!(
            messages::get::get_message,
            messages::edit::edit_message,
            messages::delete::delete_message
        ))
        .routes(routes!(messages::thread::list_replies))
        .routes(routes!(
            messages::reactions::add_reaction,
            messages::reactions::remove_reaction
        ))
        .routes(routes!(dms::start_dm))
        .routes(routes!(notifications::list_notifications))
        .routes(routes!(notifications::count_notifications))
        .routes(routes!(notifications::mark_notifications_read))
        .routes(routes!(presence::heartbeat))
        .routes(routes!(presence::set_away))
        .routes(routes!(presence::get_presence))
        .routes(routes!(presence::get_contacts))
        .routes(routes!(commands::list_commands, commands::run_command))
        .routes(routes!(
            commands::list_custom_commands,
            commands::create_custom_command
        ))
        .routes(routes!(commands::delete_custom_command))
        .routes(routes!(moderation::list_bans, moderation::create_ban))
        .routes(routes!(moderation::delete_ban))
        .routes(routes!(moderation::create_kick))
        .routes(routes!(moderation::list_mutes, moderation::create_mute))
        .routes(routes!(moderation::delete_mute))
        .routes(routes!(moderation::purge_channel))
        .merge(identity::routes())
        .merge(files::routes())
        .merge(search::routes())
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
