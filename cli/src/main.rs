//! `ajet-chat`: ajet-chat on the command line.

use clap::Parser;

mod args;
mod commands;
mod docs;
mod login;
mod output;
mod settings;
mod tui;
mod webhooks;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = args::Args::parse();
    match commands::run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ajet-chat: {err:#}");
            std::process::ExitCode::from(docs::exit_code(&err))
        }
    }
}
