//! Configuration of the terminal session manager, from flags or `AJET_*` variables.

use std::net::SocketAddr;

use ajet_telemetry::LogFormat;
use clap::Parser;

/// The ajet-chat terminal session manager.
#[derive(Clone, Debug, Parser)]
#[command(name = "ajet-tui-sm", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "AJET_TUI_SM_ADDR", default_value = "127.0.0.1:8083")]
    pub addr: SocketAddr,
    /// The api, called directly with each user's own token.
    #[arg(long, env = "AJET_API_URL", default_value = "http://127.0.0.1:8081")]
    pub api_url: String,
    /// NATS server URL.
    #[arg(long, env = "AJET_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,
    /// How often each client is sent the presence changes relevant to it, in seconds.
    #[arg(long, env = "AJET_PRESENCE_INTERVAL_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub presence_interval_secs: u64,
    /// Log format.
    #[arg(long, env = "AJET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
}
