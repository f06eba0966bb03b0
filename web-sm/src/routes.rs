//! Every route of the web session manager: its pages and static files, and the live
//! stream and its signals, shared with tui-sm.

use ajet_realtime::handlers;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;

use crate::pages::{assets, browse, channel, emoji, thread};
use crate::state::AppState;

/// The pages and static files go out gzipped to browsers that take it (the first load of a
/// channel page is mostly HTML and script, which shrink to a fifth); the event stream is
/// never compressed, so that each event leaves as soon as it is written.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(channel::home))
        .route("/c/{community}", get(channel::community_home))
        .route(
            "/c/{community}/{channel}",
            get(channel::community_channel).post(channel::post_to_community_channel),
        )
        .route(
            "/c/{community}/{channel}/t/{message}",
            get(thread::show_thread).post(thread::reply_in_thread),
        )
        .route(
            "/c/{community}/{channel}/m/{message}",
            get(channel::community_permalink),
        )
        .route(
            "/dm/{id}",
            get(channel::dm_channel).post(channel::post_to_dm),
        )
        .route("/dm/{id}/m/{message}", get(channel::dm_permalink))
        .route(
            "/browse/{community}",
            get(browse::browse).post(browse::join),
        )
        .route("/browse/{community}/channels", post(browse::create))
        .route("/dm/new", get(browse::new_dm).post(browse::start_dm))
        .route("/emoji", get(emoji::complete))
        .route("/static/{name}", get(assets::asset))
        .fallback(not_found)
        .layer(CompressionLayer::new().gzip(true));
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(handlers::ready))
        .route("/events", get(handlers::open_stream))
        .route("/events/typing", post(handlers::typing))
        .route("/events/view", post(handlers::switch_view))
        .merge(pages)
        .layer(axum::middleware::from_fn(ajet_telemetry::trace_requests))
        .with_state(state)
}

/// Pages that do not exist get the page that says so; anything else the usual JSON 404.
async fn not_found(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        channel::not_found(&state)
    } else {
        ajet_edge::not_found().await.into_response()
    }
}
