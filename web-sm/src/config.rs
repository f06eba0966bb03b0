//! Configuration of the web session manager, from flags or `AJET_*` variables.

use std::net::SocketAddr;

use ajet_realtime::session::SessionConfig;
use ajet_telemetry::LogFormat;
use clap::Parser;

/// The ajet-chat web session manager.
#[derive(Clone, Debug, Parser)]
#[command(name = "ajet-web-sm", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "AJET_WEB_SM_ADDR", default_value = "127.0.0.1:8082")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub sessions: SessionConfig,
    /// The api's upload limit, in MiB (the same variable as the api's): the page refuses a
    /// larger file before sending it, with the api's sentence.
    #[arg(long, env = "AJET_MAX_UPLOAD_MB", default_value_t = ajet_core::limits::DEFAULT_MAX_UPLOAD_MB)]
    pub max_upload_mb: u64,
    /// Log format.
    #[arg(long, env = "AJET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
}
