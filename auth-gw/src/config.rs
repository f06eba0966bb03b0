//! Configuration of the gateway, from flags or `AJET_*` environment variables.

use std::net::SocketAddr;

use ajet_telemetry::LogFormat;
use axum::http::Uri;
use clap::Parser;

/// The ajet-chat gateway: the one public port.
#[derive(Clone, Debug, Parser)]
#[command(name = "ajet-auth-gw", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "AJET_GW_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The api, which serves `/api/*`.
    #[arg(long, env = "AJET_API_URL", default_value = "http://127.0.0.1:8081", value_parser = upstream)]
    pub api_url: Uri,
    /// The web session manager, which serves every path no other service claims.
    #[arg(long, env = "AJET_WEB_SM_URL", default_value = "http://127.0.0.1:8082", value_parser = upstream)]
    pub web_sm_url: Uri,
    /// The terminal session manager, which serves `/tui/*`.
    #[arg(long, env = "AJET_TUI_SM_URL", default_value = "http://127.0.0.1:8083", value_parser = upstream)]
    pub tui_sm_url: Uri,
    /// PostgreSQL connection URL (sessions and tokens).
    #[arg(
        long,
        env = "AJET_DATABASE_URL",
        default_value = "postgres://ajet:ajet@127.0.0.1:5432/ajet"
    )]
    pub database_url: String,
    /// Largest number of database connections.
    #[arg(long, env = "AJET_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
    /// Key for hashing tokens; must match the api's (see `ajet-api --help`).
    #[arg(long, env = "AJET_TOKEN_KEY", hide_env_values = true)]
    pub token_key: Option<String>,
    /// Log format.
    #[arg(long, env = "AJET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
}

/// An upstream base URL: `http://host:port`, without a path.
fn upstream(value: &str) -> Result<Uri, String> {
    let uri: Uri = value
        .parse()
        .map_err(|err| format!("{value:?} is not a URL: {err}"))?;
    if uri.scheme_str() != Some("http") || uri.authority().is_none() {
        return Err(format!("{value:?} must be an http://host:port URL"));
    }
    if !matches!(uri.path(), "" | "/") {
        return Err(format!("{value:?} must not have a path"));
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::upstream;

    #[test]
    fn upstreams_are_plain_http_origins() {
        assert!(upstream("http://127.0.0.1:8081").is_ok());
        assert!(upstream("http://api:8081/").is_ok());
        assert!(upstream("127.0.0.1:8081").is_err());
        assert!(upstream("https://api:8081").is_err());
        assert!(upstream("http://api:8081/v1").is_err());
    }
}
