//! The ajet-chat web session manager: server-rendered pages, all data from the api.

pub mod config;
pub mod handlers;
pub mod routes;
pub mod state;
pub mod templates;

use ajet_realtime::session::Sessions;
use anyhow::Context;

pub use routes::router;
pub use state::AppState;

/// Serves until a shutdown signal.
pub async fn serve(config: config::Config) -> anyhow::Result<()> {
    let sessions = Sessions::connect(&config.sessions, "ajet-web-sm").await?;
    let stop = sessions.stop.clone();
    let state = AppState::new(sessions, templates::environment()?);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {} (AJET_WEB_SM_ADDR)", config.addr))?;
    tracing::info!(addr = %config.addr, "web-sm listening");
    ajet_realtime::serve::serve(listener, router(state), async move {
        ajet_telemetry::shutdown_signal().await;
        stop.cancel();
    })
    .await;
    Ok(())
}
