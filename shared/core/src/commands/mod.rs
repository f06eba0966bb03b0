//! Slash commands: the language typed in the composer, parsed into a [`Command`].
//!
//! [`parse`] reads what a user typed in a channel's composer (or gave `ajet-chat send`):
//!
//! - Text that does not start with `/` is a message ([`Input::Text`]), unchanged.
//! - Text that starts with `//` is a message too, with one `/` removed: `//shrug` posts
//!   `/shrug`.
//! - Otherwise `/name args…` is a command. The name is case-insensitive; the arguments are
//!   words separated by whitespace, `"double"` or `'single'` quotes group words, and
//!   commands that end in free text (`/topic`, `/me`, `/msg`, a reason) take the rest of
//!   the line as written.
//!
//! Arguments: users as `@alice` (the `@` may be left out where only a user fits, except
//! in `/purge`, where a bare number is the count); channels as `#general`,
//! `community#general` or `general`; durations as `10m`, `2h`, `7d`, `1w`, `1h30m`, up to
//! 365 days ([`Duration`]); options as `--expires 30d` or `--expires=30d`, and an option a
//! command does not have is refused. A name that is not built in gives
//! [`Command::Other`] for the api to look up among the community's custom commands.
//!
//! Decisions where users could expect either:
//! - A word that looks like a duration where a duration may stand (`/ban @bob 5x spam`) is
//!   read as one and refused if it is not valid, rather than silently becoming the start
//!   of the reason; quote the reason (`/ban @bob "5x spam"`) to keep it.
//! - `/purge` deletes [`catalog::DEFAULT_PURGE`] (10) messages when no count is given,
//!   and at most [`catalog::MAX_PURGE`] (1000).
//! - `/token create` needs at least one scope: a token that may do nothing is a mistake.
//! - `/nick` alone clears the nickname.
//!
//! Nothing here does I/O: the api resolves the names and checks the roles.

pub mod catalog;
mod dto;
mod duration;
mod error;
mod lex;
mod parse;

#[cfg(test)]
mod tests;

pub use crate::search::ChannelRef;
pub use catalog::{ArgKind, ArgSpec, CommandSpec};
pub use dto::{
    ArgDto, CommandAnswer, CommandDto, CreateCustomCommand, CustomCommandDto, EndpointAnswer,
    RunCommand,
};
pub use duration::{Duration, DurationError, MAX_DURATION_SECS};
pub use error::CommandError;

use crate::dto::{Role, Scope};
use crate::ids::{TokenId, WebhookId};
use crate::limits::MAX_MESSAGE_CHARS;

/// Longest command name, custom ones included.
pub const MAX_COMMAND_NAME_LEN: usize = 32;

/// What a composer's text is: a message to post, or a command to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Post this text as a message (a `//` already reduced to `/`).
    Text(String),
    Command(Command),
}

/// A parsed command. Users are usernames as written, without the `@`; the api resolves
/// them (and channels) in the community of the channel the command was typed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `/join #channel`
    Join { channel: ChannelRef },
    /// `/leave [#channel]`: this channel when `None`.
    Leave { channel: Option<ChannelRef> },
    /// `/topic text`
    Topic { text: String },
    /// `/msg @user text`
    Msg { user: String, text: String },
    /// `/me text`
    Me { text: String },
    /// `/invite @user [#channel]`: into this channel when `None`.
    Invite {
        user: String,
        channel: Option<ChannelRef>,
    },
    /// `/nick [name]`: `None` clears it.
    Nick { name: Option<String> },
    /// `/away`
    Away,
    /// `/back`
    Back,
    /// `/help [command]`: the command's name, lower-case, without `/` (`"token create"`).
    Help { command: Option<String> },
    /// `/ban @user [duration] [reason]`: until lifted when `duration` is `None`.
    Ban {
        user: String,
        duration: Option<Duration>,
        reason: Option<String>,
    },
    /// `/unban @user`
    Unban { user: String },
    /// `/kick @user [reason]`
    Kick {
        user: String,
        reason: Option<String>,
    },
    /// `/mute @user [duration]`: until lifted when `duration` is `None`.
    Mute {
        user: String,
        duration: Option<Duration>,
    },
    /// `/unmute @user`
    Unmute { user: String },
    /// `/purge [count] [@user]`: `count` is 1 to [`catalog::MAX_PURGE`].
    Purge { count: u16, user: Option<String> },
    /// `/role @user admin|member`
    Role { user: String, role: Role },
    /// `/token create <name> <scope…> [#channel…] [--expires 30d]`: `channels` empty
    /// means every channel; at least one scope, each once.
    TokenCreate {
        name: String,
        scopes: Vec<Scope>,
        channels: Vec<ChannelRef>,
        expires: Option<Duration>,
    },
    /// `/token list`
    TokenList,
    /// `/token revoke <id>`
    TokenRevoke { id: TokenId },
    /// `/webhook create #channel <name>`
    WebhookCreate { channel: ChannelRef, name: String },
    /// `/webhook list`
    WebhookList,
    /// `/webhook revoke <id>`
    WebhookRevoke { id: WebhookId },
    /// `/invite create [uses] [duration]`: unlimited uses, no expiry when `None`.
    InviteCreate {
        max_uses: Option<u32>,
        expires: Option<Duration>,
    },
    /// A command that is not built in: `name` lower-case, `args` the rest of the line as
    /// written (trimmed). The api looks it up among the community's custom commands and
    /// answers [`CommandError::unknown`] when there is none.
    Other { name: String, args: String },
}

impl Command {
    /// The built-in command's catalog entry; `None` for [`Command::Other`].
    pub fn spec(&self) -> Option<&'static CommandSpec> {
        use catalog as c;
        Some(match self {
            Self::Join { .. } => &c::JOIN,
            Self::Leave { .. } => &c::LEAVE,
            Self::Topic { .. } => &c::TOPIC,
            Self::Msg { .. } => &c::MSG,
            Self::Me { .. } => &c::ME,
            Self::Invite { .. } => &c::INVITE,
            Self::Nick { .. } => &c::NICK,
            Self::Away => &c::AWAY,
            Self::Back => &c::BACK,
            Self::Help { .. } => &c::HELP,
            Self::Ban { .. } => &c::BAN,
            Self::Unban { .. } => &c::UNBAN,
            Self::Kick { .. } => &c::KICK,
            Self::Mute { .. } => &c::MUTE,
            Self::Unmute { .. } => &c::UNMUTE,
            Self::Purge { .. } => &c::PURGE,
            Self::Role { .. } => &c::ROLE,
            Self::TokenCreate { .. } => &c::TOKEN_CREATE,
            Self::TokenList => &c::TOKEN_LIST,
            Self::TokenRevoke { .. } => &c::TOKEN_REVOKE,
            Self::WebhookCreate { .. } => &c::WEBHOOK_CREATE,
            Self::WebhookList => &c::WEBHOOK_LIST,
            Self::WebhookRevoke { .. } => &c::WEBHOOK_REVOKE,
            Self::InviteCreate { .. } => &c::INVITE_CREATE,
            Self::Other { .. } => return None,
        })
    }

    /// The command's name without `/`: `"ban"`, `"token create"`, or a custom name.
    pub fn name(&self) -> &str {
        match self {
            Self::Other { name, .. } => name,
            built_in => built_in.spec().map_or("", |s| s.name),
        }
    }
}

/// Parses what was typed in a composer. See the module documentation for the language.
pub fn parse(text: &str) -> Result<Input, CommandError> {
    let Some(after_slash) = text.strip_prefix('/') else {
        return message(text);
    };
    if after_slash.starts_with('/') {
        return message(after_slash);
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(CommandError::TooLong { chars });
    }
    let name_len = after_slash
        .find(char::is_whitespace)
        .unwrap_or(after_slash.len());
    let (name, args) = after_slash.split_at(name_len);
    if name.is_empty() {
        return Err(CommandError::MissingName);
    }
    if !valid_name(name) {
        return Err(CommandError::unknown(shortened(name)));
    }
    parse::command(&name.to_ascii_lowercase(), args).map(Input::Command)
}

fn message(text: &str) -> Result<Input, CommandError> {
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(CommandError::TooLong { chars });
    }
    Ok(Input::Text(text.to_owned()))
}

/// `[A-Za-z][A-Za-z0-9_-]*`, at most [`MAX_COMMAND_NAME_LEN`] long: what a command name,
/// built in or custom, can be.
pub fn valid_name(name: &str) -> bool {
    name.len() <= MAX_COMMAND_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `name`, cut to a readable length for an error sentence.
fn shortened(name: &str) -> String {
    match name.char_indices().nth(MAX_COMMAND_NAME_LEN) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_owned(),
    }
}
