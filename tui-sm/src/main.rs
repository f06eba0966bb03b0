use clap::Parser;

// One thread. A session manager's work is fan-out: an event wakes the task of every
// subscribed stream at once. On one thread those tasks all run before the task of the
// HTTP/2 connection they share with the gateway, which then writes all their frames in
// one go (see `ajet_realtime::serve`); on several, the connection task is run straight
// after each stream's, one write per event per stream. One core fans out about 200,000
// deliveries a second (BENCHMARKS.md); more instances behind the gateway use more cores.
#[tokio::main(flavor = "current_thread")]
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
