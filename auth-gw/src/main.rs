use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = ajet_auth_gw::config::Config::parse();
    ajet_telemetry::init_logging(config.log_format);
    match ajet_auth_gw::serve(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ajet-auth-gw: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
