//! The built-in commands: for each its name, usage line, description, arguments and the
//! role it needs. `GET /api/commands` and `/help` answer from here, and the parser takes
//! its usage lines from here, so the three never disagree.
//!
//! Commands with sub-commands (`/token create`, `/token list`, …) have one entry per
//! sub-command, named with a space (`"token create"`); `/invite @user` and
//! `/invite create` are two entries, `"invite"` and `"invite create"`.

use serde::{Deserialize, Serialize};

use crate::dto::Role;

/// What an argument is, so that a client can complete it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArgKind {
    /// `@username`.
    User,
    /// `#channel` or `community#channel`.
    Channel,
    /// `10m`, `2h`, `7d`, `1h30m`: see [`super::Duration`].
    Duration,
    /// Free text to the end of the line.
    Text,
    /// A whole number.
    Number,
    /// One of the argument's `choices`.
    Choice,
    /// One word, or several in quotes: a name.
    Name,
    /// An id, as listed by the matching `list` command.
    Id,
    /// The name of a command (for `/help`).
    Command,
}

/// One argument of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgSpec {
    /// As in the usage line: `user`, `duration`, `--expires`.
    pub name: &'static str,
    pub kind: ArgKind,
    pub required: bool,
    /// Whether it may be given several times (`scope…`).
    pub repeated: bool,
    /// Whether it is an option, written `--name value`.
    pub option: bool,
    /// For [`ArgKind::Choice`]: the values allowed.
    pub choices: &'static [&'static str],
}

impl ArgSpec {
    const fn new(name: &'static str, kind: ArgKind, required: bool) -> Self {
        Self {
            name,
            kind,
            required,
            repeated: false,
            option: false,
            choices: &[],
        }
    }

    const fn repeated(self) -> Self {
        Self {
            repeated: true,
            ..self
        }
    }
}

/// A built-in command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandSpec {
    /// Without the `/`; a sub-command after a space (`"token create"`).
    pub name: &'static str,
    /// How to write it, with the `/`: `/ban @user [duration] [reason]`.
    pub usage: &'static str,
    /// One sentence.
    pub description: &'static str,
    pub args: &'static [ArgSpec],
    /// The least role that may run it: [`Role::Member`] or [`Role::Admin`] (owners and
    /// admins, who moderate).
    pub min_role: Role,
    /// Whether running it posts a message (so a muted member may not).
    pub posts: bool,
}

impl CommandSpec {
    /// Whether someone with `role` in the community may run it.
    pub fn allowed_for(&self, role: Role) -> bool {
        role >= self.min_role
    }

    /// The command's first word: `"token"` for `"token create"`.
    pub fn command(&self) -> &'static str {
        self.name.split(' ').next().unwrap_or(self.name)
    }
}

const fn member(
    name: &'static str,
    usage: &'static str,
    description: &'static str,
    args: &'static [ArgSpec],
) -> CommandSpec {
    CommandSpec {
        name,
        usage,
        description,
        args,
        min_role: Role::Member,
        posts: false,
    }
}

const fn moderator(
    name: &'static str,
    usage: &'static str,
    description: &'static str,
    args: &'static [ArgSpec],
) -> CommandSpec {
    CommandSpec {
        min_role: Role::Admin,
        ..member(name, usage, description, args)
    }
}

const USER: ArgSpec = ArgSpec::new("user", ArgKind::User, true);
const CHANNEL: ArgSpec = ArgSpec::new("channel", ArgKind::Channel, true);
const OPT_CHANNEL: ArgSpec = ArgSpec::new("channel", ArgKind::Channel, false);
const TEXT: ArgSpec = ArgSpec::new("text", ArgKind::Text, true);
const OPT_DURATION: ArgSpec = ArgSpec::new("duration", ArgKind::Duration, false);
const REASON: ArgSpec = ArgSpec::new("reason", ArgKind::Text, false);
const NAME: ArgSpec = ArgSpec::new("name", ArgKind::Name, true);
const ID: ArgSpec = ArgSpec::new("id", ArgKind::Id, true);

/// The names of the token scopes, as [`crate::dto::Scope::as_str`] writes them.
pub const SCOPE_NAMES: &[&str] = &[
    "messages:read",
    "messages:write",
    "channels:read",
    "channels:write",
    "files:read",
    "files:write",
    "admin",
];

/// The roles `/role` can give: ownership is handed over in the community's settings.
pub const ROLE_CHOICES: &[&str] = &["admin", "member"];

/// How many messages `/purge` deletes when no count is given.
pub const DEFAULT_PURGE: u16 = 10;
/// The most messages one `/purge` deletes.
pub const MAX_PURGE: u16 = 1_000;

pub const JOIN: CommandSpec = member(
    "join",
    "/join #channel",
    "Join a public channel of this community.",
    &[CHANNEL],
);
pub const LEAVE: CommandSpec = member(
    "leave",
    "/leave [#channel]",
    "Leave this channel, or the one named.",
    &[OPT_CHANNEL],
);
pub const TOPIC: CommandSpec = member("topic", "/topic text", "Set this channel's topic.", &[TEXT]);
pub const MSG: CommandSpec = CommandSpec {
    posts: true,
    ..member(
        "msg",
        "/msg @user text",
        "Send someone a direct message.",
        &[USER, TEXT],
    )
};
pub const ME: CommandSpec = CommandSpec {
    posts: true,
    ..member(
        "me",
        "/me text",
        "Post an action in this channel: /me waves reads as *you wave*.",
        &[TEXT],
    )
};
pub const INVITE: CommandSpec = member(
    "invite",
    "/invite @user [#channel]",
    "Add a member of the community to this channel, or to the one named.",
    &[USER, OPT_CHANNEL],
);
pub const NICK: CommandSpec = member(
    "nick",
    "/nick [name]",
    "Set your nickname in this community; without a name, clear it.",
    &[ArgSpec::new("name", ArgKind::Text, false)],
);
pub const AWAY: CommandSpec = member(
    "away",
    "/away",
    "Show everyone that you are away, until /back.",
    &[],
);
pub const BACK: CommandSpec = member("back", "/back", "Show everyone that you are back.", &[]);
pub const HELP: CommandSpec = member(
    "help",
    "/help [command]",
    "List the commands you can run here, or explain one.",
    &[ArgSpec::new("command", ArgKind::Command, false)],
);
pub const BAN: CommandSpec = moderator(
    "ban",
    "/ban @user [duration] [reason]",
    "Ban someone from the community, for a while (10m, 2h, 7d, up to 365d) or until lifted.",
    &[USER, OPT_DURATION, REASON],
);
pub const UNBAN: CommandSpec = moderator("unban", "/unban @user", "Lift a ban.", &[USER]);
pub const KICK: CommandSpec = moderator(
    "kick",
    "/kick @user [reason]",
    "Remove someone from the community and its channels; an invite brings them back.",
    &[USER, REASON],
);
pub const MUTE: CommandSpec = moderator(
    "mute",
    "/mute @user [duration]",
    "Stop someone posting in the community, for a while (10m, 2h, 7d, up to 365d) or until lifted.",
    &[USER, OPT_DURATION],
);
pub const UNMUTE: CommandSpec = moderator("unmute", "/unmute @user", "Lift a mute.", &[USER]);
pub const PURGE: CommandSpec = moderator(
    "purge",
    "/purge [count] [@user]",
    "Delete the last messages of this channel, or only someone's: 10 unless a count from 1 to 1000 is given.",
    &[
        ArgSpec::new("count", ArgKind::Number, false),
        ArgSpec::new("user", ArgKind::User, false),
    ],
);
pub const ROLE: CommandSpec = moderator(
    "role",
    "/role @user admin|member",
    "Make a member an admin, or an admin a member.",
    &[
        USER,
        ArgSpec {
            choices: ROLE_CHOICES,
            ..ArgSpec::new("role", ArgKind::Choice, true)
        },
    ],
);
pub const TOKEN_CREATE: CommandSpec = moderator(
    "token create",
    "/token create <name> <scope…> [#channel…] [--expires 30d]",
    "Create an API token for a script or bot, limited to some channels if named; its secret is shown once, here.",
    &[
        NAME,
        ArgSpec {
            choices: SCOPE_NAMES,
            ..ArgSpec::new("scope", ArgKind::Choice, true).repeated()
        },
        OPT_CHANNEL.repeated(),
        ArgSpec {
            option: true,
            ..ArgSpec::new("--expires", ArgKind::Duration, false)
        },
    ],
);
pub const TOKEN_LIST: CommandSpec = moderator(
    "token list",
    "/token list",
    "List this community's API tokens.",
    &[],
);
pub const TOKEN_REVOKE: CommandSpec = moderator(
    "token revoke",
    "/token revoke <id>",
    "Revoke an API token.",
    &[ID],
);
pub const WEBHOOK_CREATE: CommandSpec = moderator(
    "webhook create",
    "/webhook create #channel <name>",
    "Create an incoming webhook that posts to a channel; its address is shown once, here.",
    &[CHANNEL, ArgSpec::new("name", ArgKind::Text, true)],
);
pub const WEBHOOK_LIST: CommandSpec = moderator(
    "webhook list",
    "/webhook list",
    "List this community's incoming webhooks.",
    &[],
);
pub const WEBHOOK_REVOKE: CommandSpec = moderator(
    "webhook revoke",
    "/webhook revoke <id>",
    "Revoke an incoming webhook.",
    &[ID],
);
pub const INVITE_CREATE: CommandSpec = moderator(
    "invite create",
    "/invite create [uses] [duration]",
    "Create an invite to the community, good for a number of uses, for a while, or both.",
    &[
        ArgSpec::new("uses", ArgKind::Number, false),
        ArgSpec::new("duration", ArgKind::Duration, false),
    ],
);

/// Every built-in command, members' first, in the order `/help` lists them.
pub const ALL: &[CommandSpec] = &[
    JOIN,
    LEAVE,
    TOPIC,
    MSG,
    ME,
    INVITE,
    NICK,
    AWAY,
    BACK,
    HELP,
    BAN,
    UNBAN,
    KICK,
    MUTE,
    UNMUTE,
    PURGE,
    ROLE,
    TOKEN_CREATE,
    TOKEN_LIST,
    TOKEN_REVOKE,
    WEBHOOK_CREATE,
    WEBHOOK_LIST,
    WEBHOOK_REVOKE,
    INVITE_CREATE,
];

/// The command called `name` (`"ban"`, `"token create"`), ignoring a leading `/`, case and
/// extra spaces.
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    let name = normalise(name);
    ALL.iter().find(|c| c.name == name)
}

/// What `/help name` explains: the command called `name`, or, for the first word of
/// commands with sub-commands (`token`), all of them. `invite` gives both `/invite` and
/// `/invite create`. Empty when nothing is called that.
pub fn help(name: &str) -> Vec<&'static CommandSpec> {
    let name = normalise(name);
    ALL.iter()
        .filter(|c| c.name == name || (!name.contains(' ') && c.command() == name))
        .collect()
}

/// The commands someone with `role` may run, in [`ALL`]'s order.
pub fn allowed_for(role: Role) -> impl Iterator<Item = &'static CommandSpec> {
    ALL.iter().filter(move |c| c.allowed_for(role))
}

fn normalise(name: &str) -> String {
    let name = name.trim();
    let name = name.strip_prefix('/').unwrap_or(name);
    name.split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::Scope;

    #[test]
    fn names_are_unique_and_usage_lines_start_with_them() {
        for (i, c) in ALL.iter().enumerate() {
            assert!(
                ALL[..i].iter().all(|d| d.name != c.name),
                "{} listed twice",
                c.name
            );
            assert!(
                c.usage.starts_with(&format!("/{}", c.name)),
                "{}: {}",
                c.name,
                c.usage
            );
            assert!(c.description.ends_with('.'), "{}", c.name);
        }
    }

    #[test]
    fn scope_names_match_the_scopes() {
        let names: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, SCOPE_NAMES);
    }

    #[test]
    fn members_and_moderators() {
        let member: Vec<&str> = allowed_for(Role::Member).map(|c| c.name).collect();
        assert_eq!(
            member,
            [
                "join", "leave", "topic", "msg", "me", "invite", "nick", "away", "back", "help"
            ]
        );
        assert_eq!(allowed_for(Role::Admin).count(), ALL.len());
        assert_eq!(allowed_for(Role::Owner).count(), ALL.len());
        assert!(!BAN.allowed_for(Role::Member));
        assert!(BAN.allowed_for(Role::Admin));
        const { assert!(ME.posts && MSG.posts && !BAN.posts) };
    }

    #[test]
    fn find_and_help() {
        assert_eq!(find("/BAN").map(|c| c.name), Some("ban"));
        assert_eq!(
            find(" token   create ").map(|c| c.name),
            Some("token create")
        );
        assert_eq!(find("token"), None);
        assert_eq!(find("deploy"), None);
        let names = |v: Vec<&CommandSpec>| v.into_iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(
            names(help("token")),
            ["token create", "token list", "token revoke"]
        );
        assert_eq!(names(help("/invite")), ["invite", "invite create"]);
        assert_eq!(names(help("invite create")), ["invite create"]);
        assert_eq!(names(help("ban")), ["ban"]);
        assert!(help("nope").is_empty());
        assert!(help("").is_empty());
    }
}
