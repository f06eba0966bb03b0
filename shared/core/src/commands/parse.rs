//! Reading the arguments of each built-in command, by its catalog entry.

use super::catalog::{self as c, CommandSpec, DEFAULT_PURGE, MAX_PURGE};
use super::error::CommandError;
use super::lex::{Lexer, Word};
use super::{ChannelRef, Command, Duration};
use crate::dto::{Role, Scope};
use crate::search::{channel_ref, valid_username};

/// The command `name` (lower-case, without `/`) with the arguments `args`.
pub(super) fn command(name: &str, args: &str) -> Result<Command, CommandError> {
    let mut a = Args::new(args);
    let command = match name {
        "join" => Command::Join {
            channel: a.channel(&c::JOIN)?,
        },
        "leave" => Command::Leave {
            channel: a.opt_channel(&c::LEAVE)?,
        },
        "topic" => Command::Topic {
            text: a.text(&c::TOPIC, "write the topic")?,
        },
        "msg" => Command::Msg {
            user: a.user(&c::MSG)?,
            text: a.text(&c::MSG, "write the message after the name")?,
        },
        "me" => Command::Me {
            text: a.text(&c::ME, "write what you do")?,
        },
        "invite" => match a.peek_plain()?.as_deref() {
            Some("create") => {
                a.next()?;
                invite_create(&mut a)?
            }
            _ => Command::Invite {
                user: a.user(&c::INVITE)?,
                channel: a.opt_channel(&c::INVITE)?,
            },
        },
        "nick" => Command::Nick {
            name: a.opt_text(&c::NICK)?,
        },
        "away" => Command::Away,
        "back" => Command::Back,
        "help" => Command::Help {
            command: a.rest().map(|name| {
                name.trim_start_matches('/')
                    .split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
        },
        "ban" => Command::Ban {
            user: a.user(&c::BAN)?,
            duration: a.opt_duration()?,
            reason: a.opt_text(&c::BAN)?,
        },
        "unban" => Command::Unban {
            user: a.user(&c::UNBAN)?,
        },
        "kick" => Command::Kick {
            user: a.user(&c::KICK)?,
            reason: a.opt_text(&c::KICK)?,
        },
        "mute" => Command::Mute {
            user: a.user(&c::MUTE)?,
            duration: a.opt_duration()?,
        },
        "unmute" => Command::Unmute {
            user: a.user(&c::UNMUTE)?,
        },
        "purge" => purge(&mut a)?,
        "role" => Command::Role {
            user: a.user(&c::ROLE)?,
            role: match a.next()?.map(|w| w.text.to_ascii_lowercase()).as_deref() {
                Some("admin") => Role::Admin,
                Some("member") => Role::Member,
                Some(other) => {
                    return Err(CommandError::usage(
                        format!("{other:?} is not a role you can give; use admin or member"),
                        c::ROLE.usage,
                    ));
                }
                None => return Err(CommandError::usage("name the role", c::ROLE.usage)),
            },
        },
        "token" => match a.next()?.map(|w| w.text.to_ascii_lowercase()).as_deref() {
            Some("create") => token_create(&mut a)?,
            Some("list") => Command::TokenList,
            Some("revoke") => Command::TokenRevoke {
                id: a.id(&c::TOKEN_REVOKE)?,
            },
            _ => return Err(sub_command("token", &["create", "list", "revoke"])),
        },
        "webhook" => match a.next()?.map(|w| w.text.to_ascii_lowercase()).as_deref() {
            Some("create") => Command::WebhookCreate {
                channel: a.channel(&c::WEBHOOK_CREATE)?,
                name: a.text(&c::WEBHOOK_CREATE, "name the webhook")?,
            },
            Some("list") => Command::WebhookList,
            Some("revoke") => Command::WebhookRevoke {
                id: a.id(&c::WEBHOOK_REVOKE)?,
            },
            _ => return Err(sub_command("webhook", &["create", "list", "revoke"])),
        },
        other => {
            return Ok(Command::Other {
                name: other.to_owned(),
                args: args.trim().to_owned(),
            });
        }
    };
    let spec = command.spec().unwrap_or(&c::HELP);
    a.finish(spec)?;
    Ok(command)
}

fn sub_command(name: &'static str, subs: &[&str]) -> CommandError {
    let usage = c::ALL
        .iter()
        .find(|s| s.command() == name)
        .map_or("", |s| s.usage);
    CommandError::usage(
        format!(
            "/{name} needs one of: {}",
            subs.iter()
                .map(|s| format!("/{name} {s}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        usage,
    )
}

/// `/purge [count] [@user]`, in either order.
fn purge(a: &mut Args<'_>) -> Result<Command, CommandError> {
    let mut count = None;
    let mut user = None;
    while let Some(word) = a.next()? {
        if count.is_none()
            && !word.quoted
            && word
                .text
                .starts_with(|c: char| c.is_ascii_digit() || c == '-')
        {
            let n: i64 = word.text.parse().map_err(|_| {
                CommandError::usage(format!("{:?} is not a count", word.text), c::PURGE.usage)
            })?;
            count = Some(
                u16::try_from(n)
                    .ok()
                    .filter(|n| (1..=MAX_PURGE).contains(n))
                    .ok_or_else(|| {
                        CommandError::usage(
                            format!("a purge deletes 1 to {MAX_PURGE} messages, not {n}"),
                            c::PURGE.usage,
                        )
                    })?,
            );
        } else if user.is_none() && word.text.starts_with('@') {
            user = Some(username(&word.text, &c::PURGE)?);
        } else {
            return Err(CommandError::usage(
                format!("{:?} is neither a count nor an @user", word.text),
                c::PURGE.usage,
            ));
        }
    }
    Ok(Command::Purge {
        count: count.unwrap_or(DEFAULT_PURGE),
        user,
    })
}

/// `/token create <name> <scope…> [#channel…] [--expires 30d]`.
fn token_create(a: &mut Args<'_>) -> Result<Command, CommandError> {
    let spec = &c::TOKEN_CREATE;
    let name = a
        .next()?
        .filter(|w| w.quoted || !w.is_option())
        .map(|w| w.text)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| CommandError::usage("name the token", spec.usage))?;
    let mut scopes: Vec<Scope> = Vec::new();
    let mut channels: Vec<ChannelRef> = Vec::new();
    let mut expires = None;
    while let Some(word) = a.next()? {
        if word.is_option() {
            let (option, inline) = match word.text.split_once('=') {
                Some((o, v)) => (o.to_owned(), Some(v.to_owned())),
                None => (word.text.clone(), None),
            };
            if option != "--expires" {
                return Err(CommandError::UnknownOption {
                    command: spec.name,
                    option,
                    usage: spec.usage,
                });
            }
            let value = match inline {
                Some(v) => v,
                None => a.next()?.map(|w| w.text).ok_or_else(|| {
                    CommandError::usage("give --expires a duration, as in 30d", spec.usage)
                })?,
            };
            expires = Some(duration(&value)?);
        } else if let Some(scope) = Scope::parse(&word.text.to_ascii_lowercase()) {
            if scopes.contains(&scope) {
                return Err(CommandError::usage(
                    format!("the scope {} is named twice", scope.as_str()),
                    spec.usage,
                ));
            }
            scopes.push(scope);
        } else if word.text.starts_with('#') {
            channels.push(channel(&word.text, spec)?);
        } else {
            return Err(CommandError::usage(
                format!(
                    "{:?} is not a scope ({}) or a #channel",
                    word.text,
                    c::SCOPE_NAMES.join(", ")
                ),
                spec.usage,
            ));
        }
    }
    if scopes.is_empty() {
        return Err(CommandError::usage(
            format!("name at least one scope: {}", c::SCOPE_NAMES.join(", ")),
            spec.usage,
        ));
    }
    Ok(Command::TokenCreate {
        name,
        scopes,
        channels,
        expires,
    })
}

/// `/invite create [uses] [duration]`.
fn invite_create(a: &mut Args<'_>) -> Result<Command, CommandError> {
    let spec = &c::INVITE_CREATE;
    let mut max_uses = None;
    let mut expires = None;
    while let Some(word) = a.next()? {
        if max_uses.is_none() && expires.is_none() && word.text.chars().all(|c| c.is_ascii_digit())
        {
            let uses: u32 = word
                .text
                .parse()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or_else(|| {
                    CommandError::usage(
                        format!("an invite is good for 1 to 1000000 uses, not {}", word.text),
                        spec.usage,
                    )
                })?;
            max_uses = Some(uses);
        } else if expires.is_none() && Duration::looks_like(&word.text) {
            expires = Some(duration(&word.text)?);
        } else {
            return Err(CommandError::usage(
                format!("{:?} is neither a number of uses nor a duration", word.text),
                spec.usage,
            ));
        }
    }
    Ok(Command::InviteCreate { max_uses, expires })
}

fn duration(text: &str) -> Result<Duration, CommandError> {
    Duration::parse(text).map_err(|reason| CommandError::Duration {
        input: text.to_owned(),
        reason,
    })
}

/// `@name` or `name`, a valid username, without the `@`.
fn username(text: &str, spec: &CommandSpec) -> Result<String, CommandError> {
    let name = text.strip_prefix('@').unwrap_or(text);
    if valid_username(name) {
        Ok(name.to_owned())
    } else {
        Err(CommandError::usage(
            format!("{text:?} is not a username"),
            spec.usage,
        ))
    }
}

fn channel(text: &str, spec: &CommandSpec) -> Result<ChannelRef, CommandError> {
    channel_ref(text)
        .ok_or_else(|| CommandError::usage(format!("{text:?} is not a channel name"), spec.usage))
}

/// The arguments of one command, read word by word or as free text.
struct Args<'a> {
    lexer: Lexer<'a>,
}

impl<'a> Args<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            lexer: Lexer::new(src),
        }
    }

    fn next(&mut self) -> Result<Option<Word>, CommandError> {
        self.lexer.next_word()
    }

    /// The next word's text when it is unquoted, lower-case, without consuming it.
    fn peek_plain(&self) -> Result<Option<String>, CommandError> {
        Ok(self
            .lexer
            .peek()?
            .filter(|w| !w.quoted)
            .map(|w| w.text.to_ascii_lowercase()))
    }

    fn user(&mut self, spec: &CommandSpec) -> Result<String, CommandError> {
        match self.next()? {
            Some(word) => username(&word.text, spec),
            None => Err(CommandError::usage("name a user", spec.usage)),
        }
    }

    fn channel(&mut self, spec: &CommandSpec) -> Result<ChannelRef, CommandError> {
        match self.next()? {
            Some(word) => channel(&word.text, spec),
            None => Err(CommandError::usage("name a channel", spec.usage)),
        }
    }

    fn opt_channel(&mut self, spec: &CommandSpec) -> Result<Option<ChannelRef>, CommandError> {
        match self.next()? {
            Some(word) => channel(&word.text, spec).map(Some),
            None => Ok(None),
        }
    }

    /// A duration when the next word is written like one (and then it must be valid).
    fn opt_duration(&mut self) -> Result<Option<Duration>, CommandError> {
        match self.lexer.peek()? {
            Some(word) if !word.quoted && Duration::looks_like(&word.text) => {
                self.next()?;
                duration(&word.text).map(Some)
            }
            _ => Ok(None),
        }
    }

    fn id<T: std::str::FromStr>(&mut self, spec: &CommandSpec) -> Result<T, CommandError> {
        let word = self
            .next()?
            .ok_or_else(|| CommandError::usage("give the id, as the list shows it", spec.usage))?;
        word.text
            .parse()
            .map_err(|_| CommandError::usage(format!("{:?} is not an id", word.text), spec.usage))
    }

    /// Free text to the end of the line, which must not be empty.
    fn text(&mut self, spec: &CommandSpec, missing: &str) -> Result<String, CommandError> {
        self.opt_text(spec)?
            .ok_or_else(|| CommandError::usage(missing.to_owned(), spec.usage))
    }

    /// Free text to the end of the line, if any. An unquoted `--option` first is refused:
    /// no built-in command that ends in text has options.
    fn opt_text(&mut self, spec: &CommandSpec) -> Result<Option<String>, CommandError> {
        // An unclosed quote in free text is just a character.
        if let Ok(Some(word)) = self.lexer.peek()
            && word.is_option()
        {
            return Err(CommandError::UnknownOption {
                command: spec.name,
                option: word.text.split('=').next().unwrap_or_default().to_owned(),
                usage: spec.usage,
            });
        }
        Ok(self.rest())
    }

    fn rest(&mut self) -> Option<String> {
        self.lexer.rest()
    }

    /// Refuses anything left over.
    fn finish(&mut self, spec: &CommandSpec) -> Result<(), CommandError> {
        match self.next()? {
            None => Ok(()),
            Some(word) if word.is_option() => Err(CommandError::UnknownOption {
                command: spec.name,
                option: word.text,
                usage: spec.usage,
            }),
            Some(word) => Err(CommandError::usage(
                format!("{:?} is one argument too many", word.text),
                spec.usage,
            )),
        }
    }
}
