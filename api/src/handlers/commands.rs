//! Slash commands: `POST /api/commands` runs one, `GET /api/commands` lists those the
//! caller may run in a channel. The language is in [`ajet_core::commands`]; running is
//! in [`crate::slash`].

use ajet_core::commands::{CommandAnswer, CommandDto, RunCommand};
use ajet_core::{ChannelId, ErrorBody};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::{JsonBody, QueryParams, Result};
use crate::handlers::identity::Origin;
use crate::slash::{self, Context};
use crate::state::AppState;

/// `?channel_id=`: the channel the commands would run in.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommandsQuery {
    pub channel_id: ChannelId,
}

/// Runs a slash command typed in a channel (text that does not start with `/`, or starts
/// with `//`, is posted as a message).
#[utoipa::path(
    post,
    path = "/commands",
    tag = "commands",
    security(("bearer" = [])),
    request_body = RunCommand,
    responses(
        (status = 200, description = "What the command did: an answer for the caller only (`ephemeral`, markdown; a new token's secret is shown once, here), or the message it posted (`posted`).", body = CommandAnswer),
        (status = 400, description = "Not a command that can run: `unknown_command` (\"unknown command /foo — /help lists the commands you can run\"), or `bad_request` with the usage line.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller may not run it (only owners and admins moderate), is banned, muted (for commands that post; the sentence says until when), or the token lacks the scope.", body = ErrorBody),
        (status = 404, description = "The channel, or a user or channel the command names, does not exist or is not in the community; the sentence names it.", body = ErrorBody),
        (status = 409, description = "The command conflicts with the current state (a name in use).", body = ErrorBody),
        (status = 413, description = "The text is longer than a message may be.", body = ErrorBody),
        (status = 422, description = "An argument is not valid (a reason too long, yourself as the target).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %body.channel_id))]
pub async fn run_command(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    Extension(trace): Extension<TraceContext>,
    JsonBody(body): JsonBody<RunCommand>,
) -> Result<Json<CommandAnswer>> {
    let ctx = Context {
        state,
        user,
        origin,
        trace,
    };
    Ok(Json(slash::run(&ctx, body.channel_id, &body.text).await?))
}

/// The commands the caller may run in a channel, for autocompletion and `/help`.
#[utoipa::path(
    get,
    path = "/commands",
    tag = "commands",
    security(("bearer" = [])),
    params(CommandsQuery),
    responses(
        (status = 200, description = "The built-in commands the caller may run there, in `/help`'s order.", body = Vec<CommandDto>),
        (status = 400, description = "The query has no valid `channel_id`.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is banned from the channel's community.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not in it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn list_commands(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    Extension(trace): Extension<TraceContext>,
    QueryParams(query): QueryParams<CommandsQuery>,
) -> Result<Json<Vec<CommandDto>>> {
    let ctx = Context {
        state,
        user,
        origin,
        trace,
    };
    let list = slash::list(&ctx, query.channel_id).await?;
    Ok(Json(list.into_iter().map(CommandDto::from).collect()))
}
