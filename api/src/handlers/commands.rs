//! Slash commands: `POST /api/commands` runs one, `GET /api/commands` lists those the
//! caller may run in a channel. The language is in [`ajet_core::commands`]; running is
//! in [`crate::slash`].

use ajet_core::commands::{
    CommandAnswer, CommandDto, CreateCustomCommand, CustomCommandDto, RunCommand,
};
use ajet_core::identity::Created;
use ajet_core::{ChannelId, CommunityId, ErrorBody};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, QueryParams, Result};
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
        (status = 200, description = "The built-in commands the caller may run there, in `/help`'s order, then the community's own.", body = Vec<CommandDto>),
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
    Ok(Json(slash::list(&ctx, query.channel_id).await?))
}

/// `/{community_id}/commands/{name}`.
#[derive(Debug, Deserialize)]
pub struct CustomPath {
    pub community_id: CommunityId,
    pub name: String,
}

/// Registers a community's own slash command; the signing secret is in the answer and
/// nowhere else.
#[utoipa::path(
    post,
    path = "/communities/{community_id}/commands",
    tag = "commands",
    security(("bearer" = [])),
    params(("community_id" = CommunityId, Path, description = "The community.")),
    request_body = CreateCustomCommand,
    responses(
        (status = 201, description = "The command, with its signing secret: shown this once. Running it POSTs Slack's slash-command form to the URL, signed with `X-Slack-Signature` over `v0:<X-Slack-Request-Timestamp>:<body>`.", body = Created<CustomCommandDto>),
        (status = 400, description = "The path or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
        (status = 409, description = "The community has a command of that name already.", body = ErrorBody),
        (status = 422, description = "The name is a built-in command's or not a valid name, or the URL is not https and public (unless the operator allows private targets).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community_id))]
pub async fn create_custom_command(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(community_id): PathParam<CommunityId>,
    JsonBody(body): JsonBody<CreateCustomCommand>,
) -> Result<(StatusCode, Json<Created<CustomCommandDto>>)> {
    let name = body
        .name
        .trim()
        .trim_start_matches('/')
        .to_ascii_lowercase();
    if !ajet_core::commands::valid_name(&name) {
        return Err(Error::validation(
            "a command name is a letter, then letters, digits, _ or -, at most 32",
        ));
    }
    if ajet_core::commands::catalog::ALL
        .iter()
        .any(|c| c.command() == name)
    {
        return Err(Error::validation(format!(
            "/{name} is a built-in command; choose another name"
        )));
    }
    crate::custom_commands::check_url(&body.url, state.options.commands_allow_private)
        .map_err(|err| Error::validation(err.to_string()))?;
    for (what, text) in [("description", &body.description), ("usage", &body.usage)] {
        if text.chars().count() > 200 {
            return Err(Error::validation(format!(
                "the {what} is longer than 200 characters"
            )));
        }
    }
    let mut tx = state.db.begin().await?;
    crate::handlers::identity::require_manager(&mut tx, &user, community_id).await?;
    let secret = ajet_db::tokens::generate();
    let created = ajet_db::custom_commands::insert(
        &mut tx,
        ajet_db::custom_commands::NewCommand {
            community: community_id,
            name: &name,
            url: body.url.trim(),
            description: body.description.trim(),
            usage: body.usage.trim(),
            secret: &secret,
            created_by: user.id,
        },
    )
    .await
    .map_err(|err| {
        if ajet_db::error::is_unique_violation(&err, ajet_db::custom_commands::NAME_CONSTRAINT) {
            Error::conflict(format!("this community has a /{name} already"))
        } else {
            err.into()
        }
    })?;
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            community: Some(community_id),
            target_kind: Some("command"),
            target_id: Some(created.id),
            details: serde_json::json!({ "name": name, "url": created.url }),
            ..origin.entry(&user, "command.create")
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            item: created.into(),
            token: secret,
        }),
    ))
}

/// The community's own slash commands, by name, without their secrets.
#[utoipa::path(
    get,
    path = "/communities/{community_id}/commands",
    tag = "commands",
    security(("bearer" = [])),
    params(("community_id" = CommunityId, Path, description = "The community.")),
    responses(
        (status = 200, description = "The community's own commands.", body = Vec<CustomCommandDto>),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %community_id))]
pub async fn list_custom_commands(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(community_id): PathParam<CommunityId>,
) -> Result<Json<Vec<CustomCommandDto>>> {
    let mut conn = state.db.acquire().await?;
    crate::handlers::identity::require_manager(&mut conn, &user, community_id).await?;
    let list = ajet_db::custom_commands::list(&mut conn, community_id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Removes one of the community's own slash commands.
#[utoipa::path(
    delete,
    path = "/communities/{community_id}/commands/{name}",
    tag = "commands",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
        ("name" = String, Path, description = "The command's name, without the `/`."),
    ),
    responses(
        (status = 204, description = "Removed: typing it answers `unknown_command` from now on."),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The caller is not an owner or admin of the community, or the token lacks the `admin` scope.", body = ErrorBody),
        (status = 404, description = "No such community or command.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn delete_custom_command(
    State(state): State<AppState>,
    user: AuthUser,
    origin: Origin,
    PathParam(path): PathParam<CustomPath>,
) -> Result<StatusCode> {
    let mut tx = state.db.begin().await?;
    crate::handlers::identity::require_manager(&mut tx, &user, path.community_id).await?;
    let name = path.name.trim_start_matches('/').to_ascii_lowercase();
    if !ajet_db::custom_commands::delete(&mut tx, path.community_id, &name).await? {
        return Err(Error::not_found(format!("this community has no /{name}")));
    }
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            community: Some(path.community_id),
            target_kind: Some("command"),
            details: serde_json::json!({ "name": name }),
            ..origin.entry(&user, "command.delete")
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
