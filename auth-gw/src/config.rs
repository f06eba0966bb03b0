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
    /// The largest upload, in MiB, as the api is told: a larger announced upload is
    /// refused here before any of it is read.
    #[arg(long, env = "AJET_MAX_UPLOAD_MB", default_value_t = ajet_core::limits::DEFAULT_MAX_UPLOAD_MB,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_upload_mb: u64,
    /// The api, which serves `/api/*`; several instances comma-separated.
    #[arg(long, env = "AJET_API_URL", default_value = "http://127.0.0.1:8081", value_parser = upstream, value_delimiter = ',', num_args = 1..)]
    pub api_url: Vec<Uri>,
    /// The web session manager, which serves every path no other service claims; several instances comma-separated.
    #[arg(long, env = "AJET_WEB_SM_URL", default_value = "http://127.0.0.1:8082", value_parser = upstream, value_delimiter = ',', num_args = 1..)]
    pub web_sm_url: Vec<Uri>,
    /// The terminal session manager, which serves `/tui/*`; several instances comma-separated.
    #[arg(long, env = "AJET_TUI_SM_URL", default_value = "http://127.0.0.1:8083", value_parser = upstream, value_delimiter = ',', num_args = 1..)]
    pub tui_sm_url: Vec<Uri>,
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
    /// NATS server URL: revocations are announced there, so every instance forgets a
    /// revoked session or token at once.
    #[arg(long, env = "AJET_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,
    /// The gateway's public URL, as browsers see it: the only origin whose cookie-carrying
    /// requests may change anything (CSRF), and the base of links.
    #[arg(long, env = "AJET_PUBLIC_URL", default_value = "http://localhost:8080", value_parser = origin)]
    pub public_url: String,
    /// Other origins whose pages may call the API from a browser with a bearer token
    /// (CORS), comma-separated, e.g. https://dash.example.com.
    #[arg(long, env = "AJET_CORS_ORIGINS", value_delimiter = ',', value_parser = origin)]
    pub cors_origins: Vec<String>,
    /// Mark the session cookie Secure (sent over HTTPS only). Default: on, unless the
    /// public URL is plain http on localhost. Turn it off only for plain-http development.
    #[arg(long, env = "AJET_COOKIE_SECURE", action = clap::ArgAction::Set)]
    pub cookie_secure: Option<bool>,
    /// Allow local username/password accounts (sign-up and login).
    #[arg(long, env = "AJET_LOCAL_ACCOUNTS", default_value_t = true, action = clap::ArgAction::Set)]
    pub local_accounts: bool,
    /// The gateway runs behind a reverse proxy (nginx for TLS) that appends the client's
    /// address to X-Forwarded-For: take the client's address from there, for rate limits
    /// and the audit log. Leave off when clients connect directly.
    #[arg(long, env = "AJET_TRUST_PROXY", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_proxy: bool,
    #[command(flatten)]
    pub limits: RateLimits,
    #[command(flatten)]
    pub oauth: OAuthConfig,
}

/// Sign-in providers; each is enabled by giving its client id (and secret). The redirect
/// URI to register with a provider is `<public URL>/auth/oauth/<github|gitea|oidc>/callback`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct OAuthConfig {
    /// GitHub OAuth app client id.
    #[arg(long, env = "AJET_GITHUB_CLIENT_ID")]
    pub github_client_id: Option<String>,
    /// GitHub OAuth app client secret.
    #[arg(long, env = "AJET_GITHUB_CLIENT_SECRET", hide_env_values = true)]
    pub github_client_secret: Option<String>,
    /// GitHub's web address (GitHub Enterprise has its own).
    #[arg(long, env = "AJET_GITHUB_URL", default_value = "https://github.com")]
    pub github_url: String,
    /// GitHub's API address.
    #[arg(
        long,
        env = "AJET_GITHUB_API_URL",
        default_value = "https://api.github.com"
    )]
    pub github_api_url: String,
    /// A Gitea (or Forgejo) server's base URL, e.g. https://gitea.example.com.
    #[arg(long, env = "AJET_GITEA_URL")]
    pub gitea_url: Option<String>,
    /// Gitea OAuth2 application client id.
    #[arg(long, env = "AJET_GITEA_CLIENT_ID")]
    pub gitea_client_id: Option<String>,
    /// Gitea OAuth2 application client secret.
    #[arg(long, env = "AJET_GITEA_CLIENT_SECRET", hide_env_values = true)]
    pub gitea_client_secret: Option<String>,
    /// An OpenID Connect issuer (its discovery document is read from
    /// `<issuer>/.well-known/openid-configuration`).
    #[arg(long, env = "AJET_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// OpenID Connect client id.
    #[arg(long, env = "AJET_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// OpenID Connect client secret.
    #[arg(long, env = "AJET_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The OpenID Connect provider's name on the sign-in button.
    #[arg(long, env = "AJET_OIDC_NAME", default_value = "OpenID Connect")]
    pub oidc_name: String,
}

/// Requests allowed per minute (a burst of that many, refilled evenly).
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct RateLimits {
    /// Per client address, for requests without valid credentials.
    #[arg(
        long = "rate-limit-ip",
        env = "AJET_RATE_LIMIT_IP",
        default_value_t = 300
    )]
    pub ip: u32,
    /// Per signed-in person (all their sessions together).
    #[arg(
        long = "rate-limit-user",
        env = "AJET_RATE_LIMIT_USER",
        default_value_t = 1200
    )]
    pub user: u32,
    /// Per API token.
    #[arg(
        long = "rate-limit-token",
        env = "AJET_RATE_LIMIT_TOKEN",
        default_value_t = 600
    )]
    pub token: u32,
    /// Per incoming webhook.
    #[arg(
        long = "rate-limit-webhook",
        env = "AJET_RATE_LIMIT_WEBHOOK",
        default_value_t = 60
    )]
    pub webhook: u32,
    /// Login attempts per account name.
    #[arg(
        long = "rate-limit-login-account",
        env = "AJET_RATE_LIMIT_LOGIN_ACCOUNT",
        default_value_t = 10
    )]
    pub login_account: u32,
    /// Login and sign-up attempts per client address.
    #[arg(
        long = "rate-limit-login-ip",
        env = "AJET_RATE_LIMIT_LOGIN_IP",
        default_value_t = 30
    )]
    pub login_ip: u32,
}

impl Config {
    /// Whether the session cookie is marked Secure.
    pub fn cookie_secure(&self) -> bool {
        self.cookie_secure.unwrap_or_else(|| {
            !["http://localhost", "http://127.0.0.1"]
                .iter()
                .any(|local| {
                    self.public_url == *local || self.public_url.starts_with(&format!("{local}:"))
                })
        })
    }
}

/// An origin: `scheme://host[:port]`, without a path; returned without a trailing slash.
fn origin(value: &str) -> Result<String, String> {
    let value = value.trim().trim_end_matches('/');
    let uri: Uri = value
        .parse()
        .map_err(|err| format!("{value:?} is not a URL: {err}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none() {
        return Err(format!("{value:?} must be an http(s)://host[:port] URL"));
    }
    if !matches!(uri.path(), "" | "/") {
        return Err(format!("{value:?} must not have a path"));
    }
    Ok(value.to_ascii_lowercase())
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
    use super::*;

    #[test]
    fn upstreams_are_plain_http_origins() {
        assert!(upstream("http://127.0.0.1:8081").is_ok());
        assert!(upstream("http://api:8081/").is_ok());
        assert!(upstream("127.0.0.1:8081").is_err());
        assert!(upstream("https://api:8081").is_err());
        assert!(upstream("http://api:8081/v1").is_err());
    }

    #[test]
    fn origins_and_the_secure_cookie_default() {
        assert_eq!(
            origin("https://Chat.example.com/").unwrap(),
            "https://chat.example.com"
        );
        assert!(origin("chat.example.com").is_err());
        assert!(origin("https://chat.example.com/app").is_err());
        let config = |url: &str| Config::parse_from(["gw", "--public-url", url]);
        assert!(!config("http://localhost:8080").cookie_secure());
        assert!(!config("http://127.0.0.1").cookie_secure());
        assert!(config("https://chat.example.com").cookie_secure());
        assert!(config("http://localhost.example.com").cookie_secure());
    }
}
