use clap::Parser;

fn main() -> std::process::ExitCode {
    let config = ajet_tui_sm::config::Config::parse();
    ajet_telemetry::init_logging(config.log_format);
    ajet_realtime::run::main("ajet-tui-sm", ajet_tui_sm::serve(config))
}
