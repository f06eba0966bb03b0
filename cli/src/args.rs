//! The command line.

use clap::{Parser, Subcommand};

/// Chat from the terminal: send, read and follow channels of an ajet-chat server.
#[derive(Debug, Parser)]
#[command(name = "ajet-chat", version)]
pub struct Args {
    /// The server's URL (the gateway), e.g. http://localhost:8080.
    #[arg(long, global = true, env = "AJET_SERVER")]
    pub server: Option<String>,
    /// Your session or API token.
    #[arg(long, global = true, env = "AJET_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print JSON instead of text, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Post a message: ajet-chat send '#general' 'hello'
    Send {
        /// The channel: #name, community#name, or its id.
        channel: String,
        /// The message (markdown). Several words are joined with spaces.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Print a channel's recent messages, oldest first.
    Read {
        /// The channel: #name, community#name, or its id.
        channel: String,
        /// How many messages.
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: u32,
        /// Only messages before this message id.
        #[arg(long, conflicts_with = "after")]
        before: Option<String>,
        /// Only messages after this message id.
        #[arg(long)]
        after: Option<String>,
    },
    /// Print a channel's latest messages, then new ones as they arrive (Ctrl-C stops).
    Tail {
        /// The channel: #name, community#name, or its id.
        channel: String,
        /// How many recent messages to print first.
        #[arg(long, short = 'n', default_value_t = 10)]
        lines: u32,
    },
    /// List the channels you belong to.
    Channels,
}
