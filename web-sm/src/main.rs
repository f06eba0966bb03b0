use clap::Parser;

fn main() -> std::process::ExitCode {
    let config = ajet_web_sm::config::Config::parse();
    ajet_telemetry::init_logging(config.log_format);
    ajet_realtime::run::main("ajet-web-sm", ajet_web_sm::serve(config))
}
