//! The ajet-chat gateway: the only public port.
//!
//! Every request gets a trace id here. Requests to the api and the terminal session
//! manager must carry a valid session token; the gateway checks it before proxying, and
//! the services check it again themselves. Responses stream through unbuffered, so SSE
//! works across it.

pub mod auth;
pub mod config;
pub mod proxy;
pub mod ready;
pub mod routes;
pub mod state;

use anyhow::Context;

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
    let state = AppState::new(db, hasher, &config);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {} (AJET_GW_ADDR)", config.addr))?;
    tracing::info!(addr = %config.addr, "gateway listening");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(ajet_telemetry::shutdown_signal())
    .await?;
    Ok(())
}
