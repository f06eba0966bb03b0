//! What `ajet-api` does: serve, or run an operator command and exit.

use std::sync::Arc;
use std::time::Duration;

use ajet_bus::EventBus;
use ajet_bus::nats::{NatsBus, StreamSettings};
use ajet_db::PgPool;
use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::config::{Cli, Command, Config, FilesDriver};
use crate::files::{Files, ORPHAN_AFTER, S3Settings, Store, sweeper};
use crate::relay::{self, RelayTimings};
use crate::state::AppState;

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = database(&config).await?;
            println!("migrations applied");
            db.close().await;
            Ok(())
        }
        Command::CreateUser { name, admin } => {
            let db = database(&config).await?;
            let mut conn = db.acquire().await?;
            let community =
                ajet_db::bootstrap::ensure_default_community(&mut conn, &config.default_community)
                    .await?;
            let user =
                ajet_db::bootstrap::create_member(&mut conn, community.id, &name, admin).await?;
            println!(
                "created {} ({}) in {}",
                user.username, user.id, community.slug
            );
            Ok(())
        }
        Command::CreateToken { name } => {
            let db = database(&config).await?;
            let mut conn = db.acquire().await?;
            let user = ajet_db::bootstrap::find_user(&mut conn, &name)
                .await?
                .with_context(|| format!("there is no user called {name:?}"))?;
            let hasher =
                ajet_db::keys::token_hasher(&mut conn, config.token_key.as_deref()).await?;
            let (_, token) =
                ajet_db::sessions::create(&mut conn, &hasher, user, Some("ajet-api create-token"))
                    .await?;
            println!("{token}");
            Ok(())
        }
    }
}

/// Connects to the database and applies pending migrations.
async fn database(config: &Config) -> anyhow::Result<PgPool> {
    let db = ajet_db::connect(&config.database_url, config.db_max_connections)
        .await
        .with_context(|| {
            format!(
                "cannot connect to the database at {} (set AJET_DATABASE_URL)",
                redact(&config.database_url)
            )
        })?;
    ajet_db::migrate(&db)
        .await
        .context("cannot apply database migrations")?;
    Ok(db)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let db = database(&config).await?;
    let hasher = {
        let mut conn = db.acquire().await?;
        if !config.default_community.trim().is_empty() {
            ajet_db::bootstrap::ensure_default_community(
                &mut conn,
                config.default_community.trim(),
            )
            .await
            .context("cannot create the default community")?;
        }
        ajet_db::keys::token_hasher(&mut conn, config.token_key.as_deref())
            .await
            .context("AJET_TOKEN_KEY")?
    };
    let settings = StreamSettings {
        max_age: Duration::from_secs(config.event_retention_hours * 3600),
        ..StreamSettings::default()
    };
    let bus: Arc<dyn EventBus> = Arc::new(
        NatsBus::connect(&config.nats_url, "ajet-api", settings)
            .await
            .with_context(|| {
                format!(
                    "cannot use the NATS URL {} (AJET_NATS_URL)",
                    config.nats_url
                )
            })?,
    );
    let stop = CancellationToken::new();
    let (relay, relay_task) = relay::spawn(
        db.clone(),
        bus.clone(),
        RelayTimings::default(),
        stop.clone(),
    );
    let store = match config.files {
        FilesDriver::Local => Store::local(&config.files_dir),
        FilesDriver::S3 => Store::s3(S3Settings {
            endpoint: config.s3_endpoint.clone(),
            bucket: config.s3_bucket.clone(),
            region: config.s3_region.clone(),
            access_key: config.s3_access_key.clone(),
            secret_key: config.s3_secret_key.clone(),
            path_style: config.s3_path_style,
        })
        .await
        .context("cannot use the S3 file store (AJET_S3_*)")?,
    };
    tracing::info!(driver = store.driver(), "file store");
    let files = Files::new(store, config.max_upload_mb);
    let sweeper = sweeper::spawn(
        db.clone(),
        files.store.clone(),
        files.sweeper.clone(),
        ORPHAN_AFTER,
        stop.clone(),
    );
    let options = crate::state::Options {
        commands_allow_private: config.commands_allow_private,
        files,
    };
    let app = crate::router(AppState::with_options(
        db.clone(),
        bus,
        hasher,
        relay,
        options,
    ));
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {} (AJET_API_ADDR)", config.addr))?;
    tracing::info!(addr = %config.addr, "api listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(ajet_telemetry::shutdown_signal())
        .await?;
    stop.cancel();
    let _ = relay_task.await;
    let _ = sweeper.await;
    db.close().await;
    Ok(())
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            redact("postgres://ajet:secret@db:5432/ajet"),
            "postgres://ajet:***@db:5432/ajet"
        );
        assert_eq!(redact("postgres://db/ajet"), "postgres://db/ajet");
    }
}
