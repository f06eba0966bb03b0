//! The ajet-chat terminal session manager: live SSE streams for terminal clients.
//!
//! It never touches the database: what a user may see comes from the api (called with the
//! user's own token), and events come from the bus through the shared
//! [`ajet_realtime::Hub`].

pub mod config;
pub mod handlers;
pub mod routes;
pub mod state;

use ajet_realtime::session::Sessions;
use anyhow::Context;

pub use routes::router;
pub use state::AppState;

/// Connects, serves until a shutdown signal, then closes every stream cleanly.
pub async fn serve(config: config::Config) -> anyhow::Result<()> {
    let sessions = Sessions::connect(&config.sessions, "ajet-tui-sm").await?;
    let stop = sessions.stop.clone();
    let state = AppState::new(sessions);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {} (AJET_TUI_SM_ADDR)", config.addr))?;
    tracing::info!(addr = %config.addr, "tui-sm listening");
    ajet_realtime::serve::serve(listener, router(state), async move {
        ajet_telemetry::shutdown_signal().await;
        stop.cancel();
    })
    .await;
    Ok(())
}
