//! The ajet-chat web session manager: server-rendered pages, all data from the api.

pub mod config;
pub mod handlers;
pub mod routes;
pub mod state;
pub mod templates;

use anyhow::Context;

pub use routes::router;
pub use state::AppState;

/// Serves until a shutdown signal.
pub async fn serve(config: config::Config) -> anyhow::Result<()> {
    let api = ajet_sdk::Client::new(&config.api_url).context("AJET_API_URL")?;
    let state = AppState::new(api, templates::environment()?);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {} (AJET_WEB_SM_ADDR)", config.addr))?;
    tracing::info!(addr = %config.addr, "web-sm listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(ajet_telemetry::shutdown_signal())
        .await?;
    Ok(())
}
