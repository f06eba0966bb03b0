//! The ajet-chat terminal session manager: live SSE streams for terminal clients.
//!
//! It never touches the database: what a user may see comes from the api (called with the
//! user's own token), and events come from the bus through the shared [`Hub`].

pub mod config;
pub mod error;
pub mod handlers;
pub mod routes;
pub mod state;

use std::sync::Arc;

use ajet_bus::EventBus;
use ajet_bus::nats::{NatsBus, StreamSettings};
use ajet_realtime::session::Sessions;
use ajet_realtime::{Hub, HubConfig};
use anyhow::Context;
use tokio_util::sync::CancellationToken;

pub use routes::router;
pub use state::AppState;

/// Connects, serves until a shutdown signal, then closes every stream cleanly.
pub async fn serve(config: config::Config) -> anyhow::Result<()> {
    let api = ajet_sdk::Client::new(&config.api_url).context("AJET_API_URL")?;
    let bus: Arc<dyn EventBus> = Arc::new(
        NatsBus::connect(&config.nats_url, "ajet-tui-sm", StreamSettings::default())
            .await
            .with_context(|| {
                format!(
                    "cannot use the NATS URL {} (AJET_NATS_URL)",
                    config.nats_url
                )
            })?,
    );
    let stop = CancellationToken::new();
    let hub = Hub::start(
        bus,
        HubConfig {
            presence_every: std::time::Duration::from_secs(config.presence_interval_secs),
        },
    );
    let state = AppState::new(Sessions {
        api,
        hub,
        stop: stop.clone(),
    });
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {} (AJET_TUI_SM_ADDR)", config.addr))?;
    tracing::info!(addr = %config.addr, "tui-sm listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move {
            ajet_telemetry::shutdown_signal().await;
            stop.cancel();
        })
        .await?;
    Ok(())
}
