//! Configuration of the api, from flags or `AJET_*` environment variables.

use std::net::SocketAddr;

use ajet_telemetry::LogFormat;
use clap::{Parser, Subcommand};

/// The ajet-chat REST API.
#[derive(Debug, Parser)]
#[command(name = "ajet-api", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the binary does; serving is the default.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create a person in the default community and its #general.
    CreateUser {
        /// Their username: 1–32 letters, digits, '.', '_' or '-'.
        name: String,
        /// Make them an admin of the community.
        #[arg(long)]
        admin: bool,
    },
    /// Create a session for a user and print its token (alone, on stdout).
    CreateToken {
        /// The user's username.
        name: String,
    },
}

#[derive(Clone, Debug, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "AJET_API_ADDR", default_value = "127.0.0.1:8081")]
    pub addr: SocketAddr,
    /// PostgreSQL connection URL.
    #[arg(
        long,
        env = "AJET_DATABASE_URL",
        default_value = "postgres://ajet:ajet@127.0.0.1:5432/ajet"
    )]
    pub database_url: String,
    /// Largest number of database connections.
    #[arg(long, env = "AJET_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// NATS server URL.
    #[arg(long, env = "AJET_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,
    /// Key for hashing tokens (base64, at least 32 bytes). Default: generated once and kept
    /// in the database, shared by every api and gateway instance.
    #[arg(long, env = "AJET_TOKEN_KEY", hide_env_values = true)]
    pub token_key: Option<String>,
    /// Name of the community created on first start, with its #general.
    #[arg(long, env = "AJET_DEFAULT_COMMUNITY", default_value = "ajet")]
    pub default_community: String,
    /// How long the event stream keeps events for clients to resume from, in hours.
    #[arg(long, env = "AJET_EVENT_RETENTION_HOURS", default_value_t = 168,
          value_parser = clap::value_parser!(u64).range(24..))]
    pub event_retention_hours: u64,
    /// Log format.
    /// Let custom slash commands call private, loopback and link-local addresses, over
    /// plain http too (for endpoints on the same host or network; off by default).
    #[arg(long, env = "AJET_COMMANDS_ALLOW_PRIVATE", default_value_t = false)]
    pub commands_allow_private: bool,
    #[arg(long, env = "AJET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// Where files (attachments, thumbnails, avatars) are kept.
    #[arg(long, env = "AJET_FILES", value_enum, default_value_t = FilesDriver::Local)]
    pub files: FilesDriver,
    /// The directory of the local file store.
    #[arg(long, env = "AJET_FILES_DIR", default_value = "data/files")]
    pub files_dir: std::path::PathBuf,
    /// Largest upload, in MiB.
    #[arg(long, env = "AJET_MAX_UPLOAD_MB", default_value_t = ajet_core::limits::DEFAULT_MAX_UPLOAD_MB,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_upload_mb: u64,
    /// The S3-compatible server (`http://127.0.0.1:9000` for MinIO); AWS's own when unset.
    #[arg(long, env = "AJET_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The bucket files go in (created when missing).
    #[arg(long, env = "AJET_S3_BUCKET", default_value = "ajet-chat")]
    pub s3_bucket: String,
    #[arg(long, env = "AJET_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    #[arg(
        long,
        env = "AJET_S3_ACCESS_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub s3_access_key: String,
    #[arg(
        long,
        env = "AJET_S3_SECRET_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub s3_secret_key: String,
    /// Address buckets as `host/bucket` (MinIO and most self-hosted servers) rather than
    /// `bucket.host`.
    #[arg(long, env = "AJET_S3_PATH_STYLE", default_value_t = true, action = clap::ArgAction::Set)]
    pub s3_path_style: bool,
}

/// The file store drivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FilesDriver {
    /// A directory on this machine (`AJET_FILES_DIR`).
    Local,
    /// A bucket of any S3-compatible server (`AJET_S3_*`).
    S3,
}
