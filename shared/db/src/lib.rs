//! The ajet-chat database layer.
//!
//! [`connect`] opens the pool and [`migrate`] applies the embedded migrations. Each entity
//! has a module of free async functions taking `&mut PgConnection`, so that a pool
//! connection and a transaction serve alike.

pub mod access;
pub mod account;
pub mod api_tokens;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod channels;
pub mod communities;
pub mod credentials;
pub mod custom_commands;
pub mod error;
pub mod invites;
pub mod keys;
pub mod mentions;
pub mod messages;
pub mod moderation;
pub mod notifications;
pub mod oauth;
pub mod outbox;
pub mod reactions;
pub mod search;
pub mod sessions;
pub mod tokens;
pub mod users;
pub mod webhooks;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
pub use sqlx::{PgConnection, PgPool, Postgres, Transaction};

pub use error::{DbError, ResultExt};

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Opens a pool to `url`, failing fast when the server cannot be reached.
///
/// A URL that names a loopback address and says nothing of `sslmode` connects without TLS:
/// encrypting traffic that never leaves the machine protects nothing and costs CPU on both
/// sides of every query. Any explicit `sslmode` is kept as given.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let mut options: PgConnectOptions = url.parse()?;
    if is_loopback(options.get_host()) && !url.contains("sslmode=") {
        options = options.ssl_mode(PgSslMode::Disable);
    }
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
}

/// Applies every migration not yet applied. Safe to run from several processes at once:
/// sqlx serialises them with an advisory lock.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Whether `host` is this machine: a loopback address, `localhost`, or a Unix socket
/// directory.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.starts_with('/')
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether the database answers.
pub async fn ping(pool: &PgPool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "/var/run/postgresql",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["db", "10.0.0.5", "example.com", "::2"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
