//! `ajet-chat`: ajet-chat on the command line — one-off commands, a live tail and the
//! interactive terminal client. The executable is [`main`]; the terminal client's
//! measurements ([`tui::bench`]) are public for `script/bench`.

mod args;
mod commands;
mod docs;
mod login;
mod output;
mod settings;
pub mod tui;
mod webhooks;

use clap::Parser;

/// Runs the command line given to the process; its exit status.
pub async fn main() -> std::process::ExitCode {
    let args = args::Args::parse();
    match commands::run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ajet-chat: {err:#}");
            std::process::ExitCode::from(docs::exit_code(&err))
        }
    }
}
