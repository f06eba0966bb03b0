//! The ajet-chat terminal session manager: live SSE streams for terminal clients.
//!
//! It never touches the database: what a user may see comes from the api (called with the
//! user's own token), and events come from the bus through the shared
//! [`ajet_realtime::Hub`], which sends each as the envelope's JSON
//! ([`JsonFrames`](ajet_realtime::frame::JsonFrames)). Its routes and start-up are those
//! of every session manager ([`ajet_realtime::handlers`], [`ajet_realtime::run`]).

pub mod config;
pub mod routes;
pub mod state;

use std::sync::Arc;

use ajet_realtime::frame::JsonFrames;
use ajet_realtime::run::Listen;

pub use routes::router;
pub use state::AppState;

/// Connects, serves until a shutdown signal, then closes every stream cleanly.
pub async fn serve(config: config::Config) -> anyhow::Result<()> {
    let listen = Listen {
        name: "ajet-tui-sm",
        addr: config.addr,
        addr_variable: "AJET_TUI_SM_ADDR",
    };
    ajet_realtime::run::serve(listen, &config.sessions, Arc::new(JsonFrames), |sessions| {
        Ok(router(AppState::new(sessions)))
    })
    .await
}
