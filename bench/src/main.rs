//! `ajet-bench`: the ajet-chat benchmark. Starts its own stack (NATS, a fresh database,
//! the four services), measures the baselines and the scenarios of issue 6, prints a
//! table and, last, one JSON line. `script/bench` builds and runs it.

mod baseline;
mod config;
mod http;
mod procfs;
mod report;
mod run;
mod scenarios;
mod setup;
mod stack;
mod stats;
mod table;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = config::Config::parse();
    match run::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ajet-bench: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
