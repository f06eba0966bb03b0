//! Running slash commands: what `POST /api/commands` does with a parsed
//! [`Command`](ajet_core::commands::Command).
//!
//! Every command is a thin layer over the REST route that does the same thing: it calls
//! that route's handler (or, for moderation, [`crate::moderation`]) with the caller's own
//! credential, so the permissions, checks, events and audit rows are the route's. A command
//! answers the caller only ([`CommandAnswer::Ephemeral`], markdown) unless it posts
//! (`/me`, `/msg`, or text that is not a command).

use ajet_core::commands::{
    self, ChannelRef, Command, CommandAnswer, CommandDto, CommandError, CommandSpec,
    CustomCommandDto, Input, catalog,
};
use ajet_core::dto::{
    AddMember, CreateMessage, MessageDto, Role, StartDm, UpdateChannel, UpdateMember,
};
use ajet_core::identity::{CreateBot, CreateInvite, CreateToken, CreateWebhook};
use ajet_core::{ChannelId, CommunityId, ErrorCode, UserId};
use ajet_db::channels::Channel;
use ajet_db::custom_commands::CustomCommand;
use ajet_telemetry::TraceContext;
use axum::Extension;
use axum::extract::State;
use chrono::Utc;

use crate::auth::AuthUser;
use crate::authz;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::handlers::identity::{Origin, bots, invites, tokens, webhooks};
use crate::handlers::{channels, communities, dms, messages, presence};
use crate::moderation::{self, Moderator};
use crate::state::AppState;

/// One command's caller and where they typed it.
pub struct Context {
    pub state: AppState,
    pub user: AuthUser,
    pub origin: Origin,
    pub trace: TraceContext,
}

/// Where the command was typed: the channel, its community and the caller's role there.
struct Place {
    channel: Channel,
    community: Option<CommunityId>,
    role: Role,
}

/// The commands the caller may run in `channel`: the built-in ones in `/help`'s order,
/// then the community's own, by name.
pub async fn list(ctx: &Context, channel: ChannelId) -> Result<Vec<CommandDto>> {
    let place = place(ctx, channel).await?;
    let mut list: Vec<CommandDto> = available(&place).map(CommandDto::from).collect();
    list.extend(
        custom(ctx, &place)
            .await?
            .iter()
            .map(|c| CustomCommandDto::from(c.clone()).to_command()),
    );
    Ok(list)
}

/// The community's own commands (none in a DM).
async fn custom(ctx: &Context, place: &Place) -> Result<Vec<CustomCommand>> {
    let Some(community) = place.community else {
        return Ok(Vec::new());
    };
    let mut conn = ctx.state.db.acquire().await?;
    Ok(ajet_db::custom_commands::list(&mut conn, community).await?)
}

fn available(place: &Place) -> impl Iterator<Item = &'static CommandSpec> + '_ {
    catalog::ALL
        .iter()
        .filter(move |c| c.allowed_for(place.role) && (place.community.is_some() || in_dms(c)))
}

/// The commands that make sense in a direct message.
fn in_dms(spec: &CommandSpec) -> bool {
    matches!(spec.name, "msg" | "me" | "help" | "away" | "back")
}

async fn place(ctx: &Context, channel: ChannelId) -> Result<Place> {
    ctx.user.check_channel(channel)?;
    let mut conn = ctx.state.db.acquire().await?;
    let found = authz::readable_channel(&mut conn, channel, ctx.user.id).await?;
    let community = found.community();
    let role = match community {
        Some(community) => authz::community_role(&mut conn, community, ctx.user.id).await?,
        None => Role::Member,
    };
    Ok(Place {
        channel: found,
        community,
        role,
    })
}

/// Parses and runs what was typed in `channel`.
pub async fn run(ctx: &Context, channel: ChannelId, text: &str) -> Result<CommandAnswer> {
    let command = match commands::parse(text).map_err(refusal)? {
        Input::Text(text) => return post(ctx, channel, &text).await,
        Input::Command(command) => command,
    };
    let place = place(ctx, channel).await?;
    let Some(spec) = command.spec() else {
        let Command::Other { name, args } = command else {
            return Err(refusal(CommandError::unknown(command.name())));
        };
        return run_custom(ctx, &place, &name, &args).await;
    };
    if !spec.allowed_for(place.role) {
        return Err(Error::new(
            ErrorCode::Forbidden,
            format!(
                "only the community's owner and admins may run /{}",
                spec.name
            ),
        ));
    }
    if place.community.is_none() && !in_dms(spec) {
        return Err(Error::bad_request(format!(
            "/{} works in a community's channel, not in a direct message",
            spec.name
        )));
    }
    execute(ctx, &place, command).await
}

fn refusal(err: CommandError) -> Error {
    Error::new(err.code(), err.to_string())
}

fn say(markdown: impl Into<String>) -> Result<CommandAnswer> {
    Ok(CommandAnswer::Ephemeral {
        markdown: markdown.into(),
    })
}

async fn execute(ctx: &Context, place: &Place, command: Command) -> Result<CommandAnswer> {
    let here = place.channel.id;
    let by = Moderator {
        user: &ctx.user,
        origin: &ctx.origin,
        traceparent: Some(ctx.trace.traceparent()),
    };
    match command {
        Command::Join { channel } => {
            let target = channel_named(ctx, need(place)?, &channel).await?;
            channels::membership::join_channel(
                State(ctx.state.clone()),
                ctx.user.clone(),
                Extension(ctx.trace.clone()),
                PathParam(target.id),
            )
            .await?;
            say(format!("You joined #{}.", target.name.unwrap_or_default()))
        }
        Command::Leave { channel } => {
            let target = match channel {
                Some(channel) => channel_named(ctx, need(place)?, &channel).await?,
                None => place.channel.clone(),
            };
            channels::membership::leave_channel(
                State(ctx.state.clone()),
                ctx.user.clone(),
                Extension(ctx.trace.clone()),
                PathParam(target.id),
            )
            .await?;
            say(format!("You left #{}.", target.name.unwrap_or_default()))
        }
        Command::Topic { text } => {
            let axum::Json(channel) = channels::update::update_channel(
                State(ctx.state.clone()),
                ctx.user.clone(),
                Extension(ctx.trace.clone()),
                PathParam(here),
                JsonBody(UpdateChannel {
                    name: None,
                    topic: Some(text.clone()),
                }),
            )
            .await?;
            say(format!(
                "The topic of #{} is now: {}",
                channel.name.unwrap_or_default(),
                channel.topic
            ))
        }
        Command::Msg { user, text } => {
            let target = member_named(ctx, place.community, &user).await?;
            let (_, dm) = dms::start_dm(
                State(ctx.state.clone()),
                ctx.user.clone(),
                Extension(ctx.trace.clone()),
                JsonBody(StartDm {
                    user_ids: vec![target],
                    usernames: Vec::new(),
                }),
            )
            .await?;
            post(ctx, dm.0.id, &text).await
        }
        Command::Me { text } => post(ctx, here, &format!("_{}_", text.trim())).await,
        Command::Invite { user, channel } => {
            let target = member_named(ctx, place.community, &user).await?;
            let into = match channel {
                Some(channel) => channel_named(ctx, need(place)?, &channel).await?,
                None => place.channel.clone(),
            };
            channels::membership::add_member(
                State(ctx.state.clone()),
                ctx.user.clone(),
                Extension(ctx.trace.clone()),
                PathParam(into.id),
                JsonBody(AddMember { user_id: target }),
            )
            .await?;
            say(format!(
                "@{user} is now in #{}.",
                into.name.unwrap_or_default()
            ))
        }
        Command::Nick { name } => {
            let cleared = name.is_none();
            let axum::Json(member) = communities::members::update_member(
                State(ctx.state.clone()),
                ctx.user.clone(),
                Extension(ctx.trace.clone()),
                PathParam((need(place)?, ctx.user.id)),
                JsonBody(UpdateMember {
                    role: None,
                    nickname: Some(name.clone().unwrap_or_default()),
                    avatar_url: None,
                }),
            )
            .await?;
            if cleared {
                say("Your nickname is cleared.")
            } else {
                say(format!(
                    "Your nickname is now {}.",
                    member.nickname.unwrap_or_default()
                ))
            }
        }
        Command::Away | Command::Back => {
            let away = matches!(command, Command::Away);
            presence::set_away(
                State(ctx.state.clone()),
                ctx.user.clone(),
                JsonBody(presence::SetAway { away }),
            )
            .await?;
            say(if away {
                "You are marked away: others see you offline until you type /back."
            } else {
                "You are back."
            })
        }
        Command::Help { command } => {
            let own = custom(ctx, place).await?;
            help(place, &own, command.as_deref())
        }
        Command::Ban {
            user,
            duration,
            reason,
        } => {
            let target = member_named(ctx, place.community, &user).await?;
            let until = duration.map(|d| Utc::now() + d.to_time_delta());
            say(moderation::ban(
                &ctx.state,
                &by,
                need(place)?,
                target,
                reason.as_deref(),
                until,
            )
            .await?)
        }
        Command::Unban { user } => {
            let target = user_named(ctx, &user).await?;
            say(moderation::unban(&ctx.state, &by, need(place)?, target).await?)
        }
        Command::Kick { user, reason } => {
            let target = member_named(ctx, place.community, &user).await?;
            say(moderation::kick(&ctx.state, &by, need(place)?, target, reason.as_deref()).await?)
        }
        Command::Mute { user, duration } => {
            let target = member_named(ctx, place.community, &user).await?;
            let until = duration.map(|d| Utc::now() + d.to_time_delta());
            say(moderation::mute(&ctx.state, &by, need(place)?, target, until).await?)
        }
        Command::Unmute { user } => {
            let target = user_named(ctx, &user).await?;
            say(moderation::unmute(&ctx.state, &by, need(place)?, target).await?)
        }
        Command::Purge { count, user } => {
            let author = match user {
                Some(user) => Some(user_named(ctx, &user).await?),
                None => None,
            };
            let deleted =
                moderation::purge(&ctx.state, &by, here, u32::from(count), author).await?;
            say(match deleted {
                1 => "Deleted 1 message.".to_owned(),
                n => format!("Deleted {n} messages."),
            })
        }
        Command::Role { user, role } => {
            let target = member_named(ctx, place.community, &user).await?;
            let axum::Json(member) = communities::members::update_member(
                State(ctx.state.clone()),
                ctx.user.clone(),
                Extension(ctx.trace.clone()),
                PathParam((need(place)?, target)),
                JsonBody(UpdateMember {
                    role: Some(role),
                    nickname: None,
                    avatar_url: None,
                }),
            )
            .await?;
            say(format!(
                "@{} is now {} {}.",
                member.user.username,
                article(member.role),
                member.role.as_str()
            ))
        }
        Command::TokenCreate {
            name,
            scopes,
            channels,
            expires,
        } => {
            let mut channel_ids = Vec::new();
            for channel in &channels {
                channel_ids.push(channel_named(ctx, need(place)?, channel).await?.id);
            }
            let (_, bot) = bots::create_bot(
                State(ctx.state.clone()),
                ctx.user.clone(),
                ctx.origin.clone(),
                PathParam(need(place)?),
                JsonBody(CreateBot {
                    name: name.clone(),
                    channel_ids: channel_ids.clone(),
                }),
            )
            .await?;
            let (_, created) = tokens::create_token(
                State(ctx.state.clone()),
                ctx.user.clone(),
                ctx.origin.clone(),
                PathParam(bot.0.id),
                JsonBody(CreateToken {
                    name: name.clone(),
                    scopes,
                    expires_at: expires.map(|d| Utc::now() + d.to_time_delta()),
                    channel_ids: (!channel_ids.is_empty()).then_some(channel_ids),
                }),
            )
            .await?;
            say(format!(
                "Created the bot @{} with the token **{name}** (id `{}`). Its secret, shown this once:\n\n`{}`",
                bot.0.username, created.0.item.id, created.0.token
            ))
        }
        Command::TokenList => {
            let bots = bots::list_bots(
                State(ctx.state.clone()),
                ctx.user.clone(),
                PathParam(need(place)?),
            )
            .await?
            .0;
            let mut lines = Vec::new();
            for bot in bots {
                let list = tokens::list_tokens(
                    State(ctx.state.clone()),
                    ctx.user.clone(),
                    PathParam(bot.id),
                )
                .await?
                .0;
                for token in list.into_iter().filter(|t| !t.revoked) {
                    let scopes: Vec<&str> = token.scopes.iter().map(|s| s.as_str()).collect();
                    lines.push(format!(
                        "- `{}` **{}** for @{} ({})",
                        token.id,
                        token.name,
                        bot.username,
                        scopes.join(", ")
                    ));
                }
            }
            say(if lines.is_empty() {
                "This community has no API tokens.".to_owned()
            } else {
                format!("API tokens:\n{}", lines.join("\n"))
            })
        }
        Command::TokenRevoke { id } => {
            tokens::revoke_token(
                State(ctx.state.clone()),
                ctx.user.clone(),
                ctx.origin.clone(),
                PathParam(id),
            )
            .await?;
            say(format!("The token `{id}` is revoked."))
        }
        Command::WebhookCreate { channel, name } => {
            let target = channel_named(ctx, need(place)?, &channel).await?;
            let (_, created) = webhooks::create_webhook(
                State(ctx.state.clone()),
                ctx.user.clone(),
                ctx.origin.clone(),
                PathParam(need(place)?),
                JsonBody(CreateWebhook {
                    channel_id: target.id,
                    name: name.clone(),
                    secret: None,
                    events: None,
                    allow_overrides: false,
                    post_ci_successes: true,
                }),
            )
            .await?;
            say(format!(
                "The webhook **{name}** posts to #{}. Its address, shown this once:\n\n`/hook/{}/{}`",
                target.name.unwrap_or_default(),
                created.0.item.id,
                created.0.token
            ))
        }
        Command::WebhookList => {
            let list = webhooks::list_webhooks(
                State(ctx.state.clone()),
                ctx.user.clone(),
                PathParam(need(place)?),
            )
            .await?
            .0;
            let lines: Vec<String> = list
                .into_iter()
                .filter(|w| !w.revoked)
                .map(|w| format!("- `{}` **{}**", w.id, w.name))
                .collect();
            say(if lines.is_empty() {
                "This community has no incoming webhooks.".to_owned()
            } else {
                format!("Incoming webhooks:\n{}", lines.join("\n"))
            })
        }
        Command::WebhookRevoke { id } => {
            webhooks::revoke_webhook(
                State(ctx.state.clone()),
                ctx.user.clone(),
                ctx.origin.clone(),
                PathParam(id),
            )
            .await?;
            say(format!("The webhook `{id}` is revoked."))
        }
        Command::InviteCreate { max_uses, expires } => {
            let (_, invite) = invites::create_invite(
                State(ctx.state.clone()),
                ctx.user.clone(),
                ctx.origin.clone(),
                PathParam(need(place)?),
                JsonBody(CreateInvite {
                    expires_at: expires.map(|d| Utc::now() + d.to_time_delta()),
                    max_uses: max_uses.and_then(|n| i32::try_from(n).ok()),
                }),
            )
            .await?;
            say(format!(
                "Invite: `/signup?invite={}` (or `{}` for someone who has an account).",
                invite.0.code, invite.0.code
            ))
        }
        Command::Other { name, .. } => Err(refusal(CommandError::unknown(name))),
    }
}

/// The community of a command that needs one ([`run`] refuses the others in DMs).
fn need(place: &Place) -> Result<CommunityId> {
    place
        .community
        .ok_or_else(|| Error::bad_request("this command works in a community's channel"))
}

fn article(role: Role) -> &'static str {
    match role {
        Role::Admin => "an",
        Role::Member | Role::Owner => "a",
    }
}

/// Posts `text` in `channel` as the caller, through the messages route.
async fn post(ctx: &Context, channel: ChannelId, text: &str) -> Result<CommandAnswer> {
    let (_, message) = messages::create::create_message(
        State(ctx.state.clone()),
        ctx.user.clone(),
        Extension(ctx.trace.clone()),
        PathParam(channel),
        JsonBody(CreateMessage {
            body: text.to_owned(),
            idempotency_key: None,
            parent_id: None,
            attachments: Vec::new(),
        }),
    )
    .await?;
    let message: MessageDto = message.0;
    Ok(CommandAnswer::Posted {
        message: Box::new(message),
    })
}

/// `/help` and `/help name`: what the caller may run here.
fn help(place: &Place, own: &[CustomCommand], name: Option<&str>) -> Result<CommandAnswer> {
    let allowed: Vec<&CommandSpec> = available(place).collect();
    let own: Vec<CommandDto> = own
        .iter()
        .map(|c| CustomCommandDto::from(c.clone()).to_command())
        .collect();
    let Some(name) = name else {
        let lines: Vec<String> = allowed
            .iter()
            .map(|c| format!("- `{}` — {}", c.usage, c.description))
            .chain(
                own.iter()
                    .map(|c| format!("- `{}` — {}", c.usage, c.description)),
            )
            .collect();
        return say(format!(
            "Commands you can run here:\n{}\n\nStart a message with `//` to post one that begins with `/`.",
            lines.join("\n")
        ));
    };
    let found: Vec<&&CommandSpec> = catalog::help(name)
        .into_iter()
        .filter_map(|c| allowed.iter().find(|a| a.name == c.name))
        .collect();
    if found.is_empty() {
        if let Some(c) = own.iter().find(|c| c.name == name) {
            return say(format!("`{}` — {}", c.usage, c.description));
        }
        return Err(refusal(CommandError::unknown(name)));
    }
    let lines: Vec<String> = found
        .iter()
        .map(|c| format!("`{}` — {}", c.usage, c.description))
        .collect();
    say(lines.join("\n\n"))
}

/// A user by name; 404 naming them when there is none.
async fn user_named(ctx: &Context, name: &str) -> Result<UserId> {
    let mut conn = ctx.state.db.acquire().await?;
    ajet_db::users::by_username(&mut conn, name)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| Error::not_found(format!("there is nobody called @{name}")))
}

/// A member of the community (anyone, in a DM) by name; 404 naming them otherwise.
async fn member_named(ctx: &Context, community: Option<CommunityId>, name: &str) -> Result<UserId> {
    let user = user_named(ctx, name).await?;
    if let Some(community) = community {
        let mut conn = ctx.state.db.acquire().await?;
        if ajet_db::communities::member(&mut conn, community, user)
            .await?
            .is_none()
        {
            return Err(Error::not_found(format!(
                "@{name} is not a member of this community"
            )));
        }
    }
    Ok(user)
}

/// A channel of the community by name; 404 naming it otherwise.
async fn channel_named(
    ctx: &Context,
    community: CommunityId,
    channel: &ChannelRef,
) -> Result<Channel> {
    let mut conn = ctx.state.db.acquire().await?;
    let found = ajet_db::channels::by_name(&mut conn, community, &channel.name)
        .await?
        .filter(|c| {
            channel
                .community
                .as_ref()
                .is_none_or(|slug| c.community_slug.as_deref() == Some(slug.as_str()))
        });
    found.ok_or_else(|| {
        Error::not_found(format!(
            "there is no channel #{} in this community",
            channel.name
        ))
    })
}

/// Runs the community's own command `name` by calling its endpoint: its answer is posted
/// in the channel as the caller (`in_channel`) or shown to the caller only.
async fn run_custom(ctx: &Context, place: &Place, name: &str, args: &str) -> Result<CommandAnswer> {
    let found = match place.community {
        Some(community) => {
            let mut conn = ctx.state.db.acquire().await?;
            ajet_db::custom_commands::by_name(&mut conn, community, name).await?
        }
        None => None,
    };
    let Some(command) = found else {
        return Err(refusal(CommandError::unknown(name)));
    };
    let me = {
        let mut conn = ctx.state.db.acquire().await?;
        ajet_db::users::get(&mut conn, ctx.user.id)
            .await?
            .ok_or_else(|| Error::unauthorized("this account no longer exists"))?
    };
    let form = vec![
        ("command", format!("/{name}")),
        ("text", args.to_owned()),
        ("user_id", ctx.user.id.to_string()),
        ("user_name", me.username),
        ("channel_id", place.channel.id.to_string()),
        (
            "channel_name",
            place.channel.name.clone().unwrap_or_default(),
        ),
        ("team_id", command.community_id.to_string()),
        (
            "team_domain",
            place.channel.community_slug.clone().unwrap_or_default(),
        ),
        ("trigger_id", uuid::Uuid::new_v4().simple().to_string()),
    ];
    let answer = crate::custom_commands::call(
        crate::custom_commands::Call {
            url: &command.url,
            secret: &command.secret,
            form,
        },
        ctx.state.options.commands_allow_private,
    )
    .await;
    match answer {
        Ok(answer) if answer.response_type.as_deref() == Some("in_channel") => {
            if answer.text.trim().is_empty() {
                return say(format!("/{name} answered with nothing to post."));
            }
            post(ctx, place.channel.id, &answer.text).await
        }
        Ok(answer) if answer.text.trim().is_empty() => say(format!("/{name} ran.")),
        Ok(answer) => say(answer.text),
        Err(err) => say(format!("/{name} failed: {err}.")),
    }
}
