//! The command line.

use clap::{Parser, Subcommand};

/// Chat from the terminal: send, read and follow channels of an ajet-chat server.
#[derive(Debug, Parser)]
#[command(name = "ajet-chat", version, after_help = EXAMPLES)]
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
    /// Use the server and login of `[profiles.NAME]` in the config file.
    #[arg(long, global = true, env = "AJET_PROFILE")]
    pub profile: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  ajet-chat --server http://localhost:8080 login --password
  ajet-chat send '#general' 'hello'
  echo 'from a script' | ajet-chat send acme#ops -
  ajet-chat read '#general' -n 50
  ajet-chat send '#ci' 'nightly build' --file build.log --file report.pdf
  ajet-chat download 0193c1de-7a55-7c10-9f5e-3a1c6f0e2b44 -o ~/Downloads
  ajet-chat --json unread
  ajet-chat tui
  ajet-chat webhook create '#deploys' GitHub --secret \"$SECRET\" --events push
  ajet-chat completions bash > ~/.local/share/bash-completion/completions/ajet-chat

Exit status:
  0  done
  1  the server refused or failed (the line on stderr says why)
  2  the command line is wrong
  3  not signed in, or the session expired: run `ajet-chat login`
  4  not found (a channel, message or user)
  5  the server cannot be reached";

/// The shells `completions` writes scripts for.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Post a message, or run a slash command: ajet-chat send '#general' 'hello';
    /// ajet-chat send '#general' '/topic Release day' (start with // to post a leading /);
    /// ajet-chat send '#ci' 'build log' --file build.log
    Send {
        /// The channel: #name, community#name, @user (a DM), or its id.
        channel: String,
        /// The message (markdown), or a slash command (`/help` lists them). Several words
        /// are joined with spaces; `-` reads stdin. May be left out with --file.
        #[arg(required_unless_present = "file", num_args = 0..)]
        text: Vec<String>,
        /// Reply in the thread of this message id.
        #[arg(long)]
        thread: Option<String>,
        /// Attach a file (repeat for several, up to 10).
        #[arg(long, short = 'f', value_name = "PATH")]
        file: Vec<std::path::PathBuf>,
    },
    /// Download a file posted in a channel (`read` shows file ids):
    /// ajet-chat download FILE_ID -o ~/Downloads
    Download {
        /// The file's id.
        id: String,
        /// Where to save it: a file, or a directory to save it in under its own name.
        /// Default: the current directory.
        #[arg(long, short = 'o', value_name = "PATH")]
        output: Option<std::path::PathBuf>,
    },
    /// List the slash commands you may run in a channel: ajet-chat commands '#general'
    Commands {
        /// The channel: #name, community#name, @user (a DM), or its id.
        channel: String,
    },
    /// Open (or find) a direct message with one person, or a group DM with several, and
    /// optionally send a first message: ajet-chat dm @bob 'hi'
    Dm {
        /// @username (one or more, comma-separated for a group).
        users: String,
        /// A message to send.
        text: Vec<String>,
    },
    /// Replace the text of one of your messages: ajet-chat edit MESSAGE_ID 'the new text'
    /// (`read` and `--json` show message ids)
    Edit {
        /// The message id.
        message: String,
        /// The new text.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Delete a message (yours, or anyone's if you moderate): ajet-chat delete MESSAGE_ID
    Delete {
        /// The message id.
        message: String,
    },
    /// React to a message with an emoji; --remove takes it back:
    /// ajet-chat react MESSAGE_ID 👍
    React {
        /// The message id.
        message: String,
        /// The emoji, e.g. 👍
        emoji: String,
        /// Remove the reaction instead.
        #[arg(long)]
        remove: bool,
    },
    /// Search messages: words, "phrases", -excluded, from:@user, in:#channel,
    /// before:/after:/on:YYYY-MM-DD, has:link, has:file:
    /// ajet-chat search deploy from:@ada in:#ops after:2026-01-01
    Search {
        /// The query.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// How many results.
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: u32,
    },
    /// Your notifications, newest first: ajet-chat notifications --unread --mark-read
    Notifications {
        /// Only unread ones.
        #[arg(long)]
        unread: bool,
        /// Mark them all read afterwards.
        #[arg(long)]
        mark_read: bool,
        /// How many.
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: u32,
    },
    /// Channels with unread messages, and your unread notification count: ajet-chat unread
    Unread,
    /// Print a channel's recent messages, oldest first: ajet-chat read '#general' -n 50
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
    /// Print a channel's latest messages, then new ones as they arrive (Ctrl-C stops):
    /// ajet-chat tail '#deploys'
    Tail {
        /// The channel: #name, community#name, or its id.
        channel: String,
        /// How many recent messages to print first.
        #[arg(long, short = 'n', default_value_t = 10)]
        lines: u32,
    },
    /// List the channels you belong to, with unread counts: ajet-chat channels
    Channels,
    /// The interactive terminal client: every channel live, vim-style keys (? lists them):
    /// ajet-chat tui, or ajet-chat --profile work tui
    Tui,
    /// Print a shell completion script: ajet-chat completions bash
    Completions {
        /// The shell.
        shell: Shell,
    },
    /// Print the man page (roff): ajet-chat man | man -l -
    Man,
    /// Incoming webhooks, for community admins: create, list, set, deliveries, revoke.
    #[command(subcommand)]
    Webhook(crate::webhooks::WebhookCommand),
    #[command(flatten)]
    Identity(IdentityCommand),
}

/// Signing in and out.
#[derive(Clone, Debug, Subcommand)]
pub enum IdentityCommand {
    /// Sign in and save the session: in the browser (default), with --password for a local
    /// account, or by storing a given --token. Use with --server URL:
    /// ajet-chat --server https://chat.example.com login
    Login {
        /// Sign in with a local account's username and password (prompted for).
        #[arg(long)]
        password: bool,
        /// The username for --password (prompted for when left out).
        #[arg(long, requires = "password")]
        username: Option<String>,
    },
    /// End the saved session on the server and forget it here: ajet-chat logout
    Logout,
    /// Show who the saved (or given) token signs in as: ajet-chat whoami
    Whoami,
}
