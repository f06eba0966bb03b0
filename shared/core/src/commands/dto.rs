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
