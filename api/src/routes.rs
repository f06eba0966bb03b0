//! Every route of the api.

use ajet_core::ErrorCode;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post, put};

use crate::error::Error;
use crate::handlers::{
    channels, communities, dms, health, identity, me, messages, notifications, presence, search,
};
use crate::state::AppState;

/// Largest request body: a message of 16,000 four-byte characters with room to spare.
const BODY_LIMIT: usize = 256 * 1024;

/// The api with its middleware.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/me", get(me::get_me))
        .route(
            "/communities",
            get(communities::get::list_communities).post(communities::create::create_community),
        )
        .route(
            "/communities/{community_id}",
            get(communities::get::get_community).patch(communities::update::update_community),
        )
        .route(
            "/communities/{community_id}/channels",
            post(channels::create::create_channel),
        )
        .route(
            "/communities/{community_id}/members",
            get(communities::members::list_members),
        )
        .route(
            "/communities/{community_id}/members/{user_id}",
            patch(communities::members::update_member),
        )
        .route(
            "/communities/{community_id}/leave",
            post(communities::members::leave_community),
        )
        .route("/channels", get(channels::list::list_channels))
        .route(
            "/channels/{channel_id}",
            get(channels::get::get_channel).patch(channels::update::update_channel),
        )
        .route(
            "/channels/{channel_id}/archive",
            post(channels::update::archive_channel),
        )
        .route(
            "/channels/{channel_id}/join",
            post(channels::membership::join_channel),
        )
        .route(
            "/channels/{channel_id}/leave",
            post(channels::membership::leave_channel),
        )
        .route(
            "/channels/{channel_id}/members",
            get(channels::membership::list_members).post(channels::membership::add_member),
        )
        .route(
            "/channels/{channel_id}/read",
            post(channels::read::mark_read),
        )
        .route(
            "/channels/{channel_id}/unread",
            post(channels::read::mark_unread),
        )
        .route(
            "/channels/{channel_id}/messages",
            get(messages::list::list_messages).post(messages::create::create_message),
        )
        .route(
            "/messages/{message_id}",
            get(messages::get::get_message)
                .patch(messages::edit::edit_message)
                .delete(messages::delete::delete_message),
        )
        .route(
            "/messages/{message_id}/replies",
            get(messages::thread::list_replies),
        )
        .route(
            "/messages/{message_id}/reactions/{emoji}",
            put(messages::reactions::add_reaction).delete(messages::reactions::remove_reaction),
        )
        .route("/dms", post(dms::start_dm))
        .route("/notifications", get(notifications::list_notifications))
        .route(
            "/notifications/count",
            get(notifications::count_notifications),
        )
        .route(
            "/notifications/read",
            post(notifications::mark_notifications_read),
        )
        .route("/heartbeat", post(presence::heartbeat))
        .route("/presence", get(presence::get_presence))
        .route("/me/contacts", get(presence::get_contacts))
        .merge(identity::routes())
        .merge(search::routes())
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
