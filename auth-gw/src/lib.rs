//! The ajet-chat gateway: the only public port.
//!
//! Every request gets a trace id and the security headers here. Requests to the api and
//! the terminal session manager must carry a valid session or API token (bearer or the
//! session cookie); the gateway checks it before proxying, and the services check it
//! again themselves. Cookie-authenticated changes must come from our own origin (CSRF);
//! every caller is rate-limited. The gateway also serves sign-in and sign-up, and lets
//! webhook deliveries through. Responses stream through unbuffered, so SSE works across
//! it.

pub mod auth;
pub mod config;
pub mod hooks;
pub mod limits;
pub mod login;
pub mod oauth;
pub mod pages;
pub mod proxy;
pub mod ready;
pub mod relay;
pub mod routes;
pub mod security;
pub mod state;
pub mod upstream;

use std::sync::Arc;
use std::time::Duration;

use ajet_bus::EventBus;
use ajet_bus::nats::{NatsBus, StreamSettings};

use anyhow::Context;
use axum::serve::ListenerExt;

pub use routes::router;
pub use state::AppState;

/// Connects, serves until a shutdown signal, then drains.
pub async fn serve(config: config::Config) -> anyhow::Result<()> {
    let db = ajet_db::connect(&config.database_url, config.db_max_connections)
        .await
        .context("cannot connect to the database (set AJET_DATABASE_URL)")?;
    ajet_db::migrate(&db)
        .await
        .context("cannot apply database migrations")?;
    let hasher = {
        let mut conn = db.acquire().await?;
        ajet_db::keys::token_hasher(&mut conn, config.token_key.as_deref())
            .await
            .context("AJET_TOKEN_KEY")?
    };
    let bus: Arc<dyn EventBus> = Arc::new(
        NatsBus::connect(&config.nats_url, "ajet-auth-gw", StreamSettings::default())
            .await
            .with_context(|| {
                format!(
                    "cannot use the NATS URL {} (AJET_NATS_URL)",
                    config.nats_url
                )
            })?,
    );
    let state = AppState::new(db, hasher, bus, &config);
    let forgetting = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            forgetting.limits.forget_idle();
        }
    });
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {} (AJET_GW_ADDR)", config.addr))?
        .tap_io(|tcp| {
            // An SSE event is one small write: send it at once, not held back until the
            // client acknowledges the one before (Nagle's algorithm).
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(error = %err, "cannot set TCP_NODELAY");
            }
        });
    tracing::info!(addr = %config.addr, "gateway listening");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(ajet_telemetry::shutdown_signal())
    .await?;
    Ok(())
}
