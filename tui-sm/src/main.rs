use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = ajet_tui_sm::config::Config::parse();
    ajet_telemetry::init_logging(config.log_format);
    match ajet_tui_sm::serve(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ajet-tui-sm: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
