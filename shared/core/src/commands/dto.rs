//! Request and response bodies of `POST /api/commands` and `GET /api/commands`.

use serde::{Deserialize, Serialize};

use super::catalog::{ArgKind, ArgSpec, CommandSpec};
use crate::dto::MessageDto;
use crate::ids::ChannelId;

/// `POST /api/commands`: run what was typed in a channel's composer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RunCommand {
    /// The channel the command is typed in: its context (`/topic`, `/purge`, `/me`) and its
    /// community (for names, roles and moderation).
    pub channel_id: ChannelId,
    /// The text as typed, starting with `/`.
    pub text: String,
}

/// What a command did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommandAnswer {
    /// An answer for the caller only, in markdown (a token's secret is shown once, here).
    Ephemeral { markdown: String },
    /// The command posted this message (`/me`, `/msg`).
    Posted { message: Box<MessageDto> },
}

/// A command the caller may run, for autocompletion and `/help`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandDto {
    /// Without the `/`; a sub-command after a space (`"token create"`).
    pub name: String,
    pub usage: String,
    pub description: String,
    pub args: Vec<ArgDto>,
}

/// One argument of a [`CommandDto`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArgDto {
    pub name: String,
    pub kind: ArgKind,
    pub required: bool,
    /// Whether it may be given several times.
    pub repeated: bool,
    /// Whether it is an option, written `--name value`.
    pub option: bool,
    /// The values allowed, for `choice` arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

impl CommandDto {
    /// The word typed after the `/`: `"token"` for `"token create"`.
    pub fn command_word(&self) -> &str {
        self.name.split(' ').next().unwrap_or(&self.name)
    }
}

impl From<&CommandSpec> for CommandDto {
    fn from(spec: &CommandSpec) -> Self {
        Self {
            name: spec.name.to_owned(),
            usage: spec.usage.to_owned(),
            description: spec.description.to_owned(),
            args: spec.args.iter().map(ArgDto::from).collect(),
        }
    }
}

impl From<&ArgSpec> for ArgDto {
    fn from(arg: &ArgSpec) -> Self {
        Self {
            name: arg.name.to_owned(),
            kind: arg.kind,
            required: arg.required,
            repeated: arg.repeated,
            option: arg.option,
            choices: arg.choices.iter().map(|c| (*c).to_owned()).collect(),
        }
    }
}

/// `POST /api/communities/{id}/commands`: a community's own slash command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCustomCommand {
    /// Without the `/`: a letter, then letters, digits, `_` or `-`, at most 32; never a
    /// built-in command's name.
    pub name: String,
    /// Where running it posts: an `https` URL (or, when the operator allows private
    /// targets, an `http` one on a private or loopback address).
    pub url: String,
    /// One line for `/help` and autocompletion.
    #[serde(default)]
    pub description: String,
    /// How to write its arguments, as `/help` shows it (`/deploy <service> [env]`).
    #[serde(default)]
    pub usage: String,
}

/// A community's own slash command (its signing secret is only in the creation answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomCommandDto {
    pub id: uuid::Uuid,
    pub community_id: crate::ids::CommunityId,
    pub name: String,
    pub url: String,
    pub description: String,
    pub usage: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl CustomCommandDto {
    /// The command as `GET /api/commands` lists it: its text is free-form.
    pub fn to_command(&self) -> CommandDto {
        CommandDto {
            name: self.name.clone(),
            usage: if self.usage.is_empty() {
                format!("/{} [text]", self.name)
            } else {
                self.usage.clone()
            },
            description: self.description.clone(),
            args: vec![ArgDto {
                name: "text".to_owned(),
                kind: ArgKind::Text,
                required: false,
                repeated: false,
                option: false,
                choices: Vec::new(),
            }],
        }
    }
}

/// What a custom command's endpoint may answer (Slack's shape).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointAnswer {
    #[serde(default)]
    pub text: String,
    /// `in_channel` posts the text in the channel as the caller; anything else shows it to
    /// the caller only.
    #[serde(default)]
    pub response_type: Option<String>,
}
