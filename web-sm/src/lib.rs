//! The ajet-chat web session manager: server-rendered pages, all data from the api, and
//! the browsers' live streams.
//!
//! The stream routes and start-up are those of every session manager
//! ([`ajet_realtime::handlers`], [`ajet_realtime::run`]). How the browsers are sent each
//! event is the [`Framer`](ajet_realtime::frame::Framer) given to the hub in [`serve`]:
//! it renders each event once, whatever the number of its viewers.

pub mod config;
pub mod handlers;
pub mod routes;
pub mod state;
pub mod templates;

use std::sync::Arc;

use ajet_realtime::frame::JsonFrames;
use ajet_realtime::run::Listen;

pub use routes::router;
pub use state::AppState;

/// Connects, serves until a shutdown signal, then closes every stream cleanly.
pub async fn serve(config: config::Config) -> anyhow::Result<()> {
    let listen = Listen {
        name: "ajet-web-sm",
        addr: config.addr,
        addr_variable: "AJET_WEB_SM_ADDR",
    };
    // The browsers are sent the envelopes as JSON.
    ajet_realtime::run::serve(listen, &config.sessions, Arc::new(JsonFrames), |sessions| {
        Ok(router(AppState::new(sessions, templates::environment()?)))
    })
    .await
}
