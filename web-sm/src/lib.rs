//! The ajet-chat web session manager: server-rendered pages, all data from the api, and
//! the browsers' live streams.
//!
//! The stream routes and start-up are those of every session manager
//! ([`ajet_realtime::handlers`], [`ajet_realtime::run`]). How the browsers are sent each
//! event is the [`Framer`](ajet_realtime::frame::Framer) given to the hub in [`serve`]:
//! it renders each event once, whatever the number of its viewers.

pub mod cards;
pub mod config;
pub mod live;
pub mod pages;
pub mod render;
pub mod routes;
pub mod state;

use std::sync::Arc;

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
    let renderer = Arc::new(render::Renderer::new()?.with_max_upload_mb(config.max_upload_mb));
    let frames = Arc::new(live::PageFrames::new(renderer.clone()));
    ajet_realtime::run::serve(listen, &config.sessions, frames, |sessions| {
        Ok(router(AppState::new(sessions, renderer)))
    })
    .await
}
