use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = ajet_api::config::Cli::parse();
    ajet_telemetry::init_logging(cli.config.log_format);
    match ajet_api::commands::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ajet-api: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
