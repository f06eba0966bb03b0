//! The moderator's tools: ban, kick, mute and purge. The REST routes and the slash commands
//! both call these, so each rule lives once.
//!
//! Who may do what: owners and admins moderate members; only the owner moderates admins;
//! nobody moderates the owner or themselves. Every act writes an audit row and tells the
//! person it concerns with a `system` notification. A ban or kick removes the person from
//! the community and all its channels with a `member.left` event, which makes every
//! session manager stop sending them the community's events at once; a ban also refuses
//! invites until it ends. Bans and mutes with an expiry end by themselves (every check
//! compares the expiry with the clock), with no job to run.

use ajet_core::dto::{NotificationKind, Role, Scope};
use ajet_core::moderation::{MAX_PURGE, MAX_REASON_CHARS};
use ajet_core::{ChannelId, CommunityId, ErrorCode, EventData, MessageId, UserId};
use ajet_db::PgConnection;
use ajet_db::notifications::{self, NewNotification};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::{AuthUser, announce_revocation};
use crate::authz;
use crate::error::{Error, Result};
use crate::events::Recorder;
use crate::handlers::identity::Origin;
use crate::state::AppState;

/// Who acts, from where.
pub struct Moderator<'a> {
    pub user: &'a AuthUser,
    pub origin: &'a Origin,
    pub traceparent: Option<String>,
}

/// The person a moderation act is about, as the community knows them.
struct Target {
    username: String,
    role: Role,
}

/// Checks that `by` moderates `community` and may act on `target` (a member).
async fn check(
    conn: &mut PgConnection,
    by: &Moderator<'_>,
    community: CommunityId,
    target: UserId,
    verb: &str,
) -> Result<Target> {
    by.user.require(Scope::Admin)?;
    let mine = authz::require_moderator(conn, community, by.user.id).await?;
    if target == by.user.id {
        return Err(Error::validation(format!("you cannot {verb} yourself")));
    }
    let member = ajet_db::communities::member(conn, community, target)
        .await?
        .ok_or_else(|| Error::not_found("that person is not a member of this community"))?;
    let role = member.role;
    if role == Role::Owner {
        return Err(Error::new(
            ErrorCode::Forbidden,
            format!("the owner of the community cannot be {}", past(verb)),
        ));
    }
    if role == Role::Admin && mine != Role::Owner {
        return Err(Error::new(
            ErrorCode::Forbidden,
            format!("only the owner may {verb} an admin"),
        ));
    }
    Ok(Target {
        username: member.username,
        role,
    })
}

fn past(verb: &str) -> &'static str {
    match verb {
        "ban" => "banned",
        "kick" => "kicked",
        "mute" => "muted",
        _ => "moderated",
    }
}

fn reason(reason: Option<&str>) -> Result<Option<String>> {
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let chars = reason.chars().count();
    if chars > MAX_REASON_CHARS {
        return Err(Error::validation(format!(
            "the reason is {chars} characters long; the limit is {MAX_REASON_CHARS}"
        )));
    }
    Ok(Some(reason.to_owned()))
}

fn future(expires_at: Option<DateTime<Utc>>) -> Result<Option<DateTime<Utc>>> {
    match expires_at {
        Some(at) if at <= Utc::now() => Err(Error::validation(
            "the end is in the past; leave it out for no end",
        )),
        other => Ok(other),
    }
}

/// "until 2026-12-05 14:00 UTC" or "until lifted".
pub fn until(expires_at: Option<DateTime<Utc>>) -> String {
    match expires_at {
        Some(at) => format!("until {}", at.format("%Y-%m-%d %H:%M UTC")),
        None => "until lifted".to_owned(),
    }
}

async fn community_name(conn: &mut PgConnection, community: CommunityId) -> Result<String> {
    Ok(ajet_db::communities::get(conn, community)
        .await?
        .map(|c| c.name)
        .unwrap_or_default())
}

/// Writes the audit row and the `system` notification of one act.
#[expect(
    clippy::too_many_arguments,
    reason = "one act's parts, named at each call"
)]
async fn record(
    conn: &mut PgConnection,
    events: &mut Recorder,
    by: &Moderator<'_>,
    community: CommunityId,
    action: &str,
    target: UserId,
    details: serde_json::Value,
    text: String,
) -> Result<()> {
    ajet_db::audit::insert(
        conn,
        ajet_db::audit::Entry {
            community: Some(community),
            target_kind: Some("user"),
            target_id: Some(target.as_uuid()),
            details: details.clone(),
            ..by.origin.entry(by.user, action)
        },
    )
    .await?;
    let notification = notifications::insert(
        conn,
        NewNotification {
            user: target,
            kind: NotificationKind::System,
            source_id: Some(community.as_uuid()),
            channel_id: None,
            data: json!({ "action": action, "text": text, "community_id": community, "details": details }),
        },
    )
    .await?;
    events
        .user(
            conn,
            target,
            Some(by.user.id),
            EventData::NotificationCreated(notification),
        )
        .await?;
    Ok(())
}

/// Removes `target` from the community and its channels, with the event that stops their
/// streams.
async fn remove(
    conn: &mut PgConnection,
    events: &mut Recorder,
    by: &Moderator<'_>,
    community: CommunityId,
    target: UserId,
) -> Result<()> {
    if ajet_db::communities::remove_member(conn, community, target).await? {
        events
            .community(
                conn,
                community,
                Some(by.user.id),
                EventData::MemberLeft { user_id: target },
            )
            .await?;
    }
    Ok(())
}

/// Bans `target` from `community` until `expires_at` (until lifted when `None`).
pub async fn ban(
    state: &AppState,
    by: &Moderator<'_>,
    community: CommunityId,
    target: UserId,
    why: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<String> {
    let why = reason(why)?;
    let expires_at = future(expires_at)?;
    let mut tx = state.db.begin().await?;
    let person = check(&mut tx, by, community, target, "ban").await?;
    ajet_db::moderation::ban(
        &mut tx,
        community,
        target,
        by.user.id,
        why.as_deref(),
        expires_at,
    )
    .await?;
    let mut events = Recorder::new(by.traceparent.clone());
    remove(&mut tx, &mut events, by, community, target).await?;
    let name = community_name(&mut tx, community).await?;
    let mut text = format!("You were banned from {name} {}.", until(expires_at));
    if let Some(why) = &why {
        text.push_str(&format!(" Reason: {why}"));
    }
    let details = json!({ "reason": why, "expires_at": expires_at, "role": person.role });
    record(
        &mut tx,
        &mut events,
        by,
        community,
        "member.ban",
        target,
        details,
        text,
    )
    .await?;
    events.commit(tx, state).await?;
    // Cached answers about the person's access go stale now.
    announce_revocation(state, "ban").await;
    Ok(format!(
        "@{} is banned {}.",
        person.username,
        until(expires_at)
    ))
}

/// Lifts the ban of `target`: they can be invited back.
pub async fn unban(
    state: &AppState,
    by: &Moderator<'_>,
    community: CommunityId,
    target: UserId,
) -> Result<String> {
    lift(state, by, community, target, Lift::Ban).await
}

/// What is lifted.
#[derive(Clone, Copy)]
enum Lift {
    Ban,
    Mute,
}

/// Lifts `target`'s ban or mute, with its audit row and notice.
async fn lift(
    state: &AppState,
    by: &Moderator<'_>,
    community: CommunityId,
    target: UserId,
    what: Lift,
) -> Result<String> {
    by.user.require(Scope::Admin)?;
    let mut tx = state.db.begin().await?;
    authz::require_moderator(&mut tx, community, by.user.id).await?;
    let user = ajet_db::users::get(&mut tx, target)
        .await?
        .ok_or_else(|| Error::not_found("there is no such user"))?;
    let (lifted, missing) = match what {
        Lift::Ban => (
            ajet_db::moderation::unban(&mut tx, community, target).await?,
            "is not banned from this community",
        ),
        Lift::Mute => (
            ajet_db::moderation::unmute(&mut tx, community, target).await?,
            "is not muted in this community",
        ),
    };
    if !lifted {
        return Err(Error::not_found(format!("@{} {missing}", user.username)));
    }
    let name = community_name(&mut tx, community).await?;
    let (action, text, answer) = match what {
        Lift::Ban => (
            "member.unban",
            format!("Your ban from {name} was lifted; an invite brings you back."),
            format!("@{}'s ban is lifted.", user.username),
        ),
        Lift::Mute => (
            "member.unmute",
            format!("You can post in {name} again."),
            format!("@{} can post again.", user.username),
        ),
    };
    let mut events = Recorder::new(by.traceparent.clone());
    record(
        &mut tx,
        &mut events,
        by,
        community,
        action,
        target,
        json!({}),
        text,
    )
    .await?;
    events.commit(tx, state).await?;
    Ok(answer)
}

/// Removes `target` from the community and all its channels; an invite brings them back.
pub async fn kick(
    state: &AppState,
    by: &Moderator<'_>,
    community: CommunityId,
    target: UserId,
    why: Option<&str>,
) -> Result<String> {
    let why = reason(why)?;
    let mut tx = state.db.begin().await?;
    let person = check(&mut tx, by, community, target, "kick").await?;
    let mut events = Recorder::new(by.traceparent.clone());
    remove(&mut tx, &mut events, by, community, target).await?;
    let name = community_name(&mut tx, community).await?;
    let mut text = format!("You were removed from {name}; an invite brings you back.");
    if let Some(why) = &why {
        text.push_str(&format!(" Reason: {why}"));
    }
    let details = json!({ "reason": why, "role": person.role });
    record(
        &mut tx,
        &mut events,
        by,
        community,
        "member.kick",
        target,
        details,
        text,
    )
    .await?;
    events.commit(tx, state).await?;
    announce_revocation(state, "kick").await;
    Ok(format!(
        "@{} is removed from the community.",
        person.username
    ))
}

/// Mutes `target` in `community` until `expires_at` (until lifted when `None`): they read
/// but cannot post, react or run commands that post.
pub async fn mute(
    state: &AppState,
    by: &Moderator<'_>,
    community: CommunityId,
    target: UserId,
    expires_at: Option<DateTime<Utc>>,
) -> Result<String> {
    let expires_at = future(expires_at)?;
    let mut tx = state.db.begin().await?;
    let person = check(&mut tx, by, community, target, "mute").await?;
    ajet_db::moderation::mute(&mut tx, community, target, by.user.id, expires_at).await?;
    let name = community_name(&mut tx, community).await?;
    let mut events = Recorder::new(by.traceparent.clone());
    let text = format!("You are muted in {name} {}.", until(expires_at));
    let details = json!({ "expires_at": expires_at });
    record(
        &mut tx,
        &mut events,
        by,
        community,
        "member.mute",
        target,
        details,
        text,
    )
    .await?;
    events.commit(tx, state).await?;
    Ok(format!(
        "@{} is muted {}.",
        person.username,
        until(expires_at)
    ))
}

/// Lifts the mute of `target`.
pub async fn unmute(
    state: &AppState,
    by: &Moderator<'_>,
    community: CommunityId,
    target: UserId,
) -> Result<String> {
    lift(state, by, community, target, Lift::Mute).await
}

/// Deletes the newest `count` messages of `channel` (of `author` only, when given), each
/// becoming a tombstone with its `message.deleted` event, in one transaction.
pub async fn purge(
    state: &AppState,
    by: &Moderator<'_>,
    channel: ChannelId,
    count: u32,
    author: Option<UserId>,
) -> Result<u32> {
    by.user.require(Scope::Admin)?;
    by.user.check_channel(channel)?;
    if !(1..=MAX_PURGE).contains(&count) {
        return Err(Error::validation(format!(
            "a purge deletes 1 to {MAX_PURGE} messages, not {count}"
        )));
    }
    let mut tx = state.db.begin().await?;
    let found = authz::readable_channel(&mut tx, channel, by.user.id).await?;
    let Some(community) = found.community() else {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "direct messages cannot be purged",
        ));
    };
    authz::require_moderator(&mut tx, community, by.user.id).await?;
    let purged = ajet_db::moderation::purge(&mut tx, channel, author, i64::from(count)).await?;
    let mut events = Recorder::new(by.traceparent.clone());
    let mut parents: Vec<MessageId> = Vec::new();
    // Oldest first, so that clients apply them in the channel's order.
    for message in purged.iter().rev() {
        let parent_id = message.parent_id.map(MessageId);
        events
            .channel(
                &mut tx,
                Some(community),
                channel,
                Some(by.user.id),
                EventData::MessageDeleted {
                    message_id: message.id,
                    parent_id,
                },
            )
            .await?;
        if let Some(parent) = parent_id
            && !parents.contains(&parent)
        {
            parents.push(parent);
        }
    }
    for parent in parents {
        events
            .thread_updated(&mut tx, Some(community), channel, Some(by.user.id), parent)
            .await?;
    }
    let deleted = u32::try_from(purged.len()).unwrap_or(u32::MAX);
    ajet_db::audit::insert(
        &mut tx,
        ajet_db::audit::Entry {
            community: Some(community),
            target_kind: Some("channel"),
            target_id: Some(channel.as_uuid()),
            details: json!({ "count": count, "deleted": deleted, "user_id": author }),
            ..by.origin.entry(by.user, "channel.purge")
        },
    )
    .await?;
    if let Some(author) = author
        && deleted > 0
    {
        let name = found.name.clone().unwrap_or_default();
        let text = format!("A moderator deleted {deleted} of your messages in #{name}.");
        let notification = notifications::insert(
            &mut tx,
            NewNotification {
                user: author,
                kind: NotificationKind::System,
                source_id: Some(channel.as_uuid()),
                channel_id: Some(channel),
                data: json!({ "action": "channel.purge", "text": text, "deleted": deleted }),
            },
        )
        .await?;
        events
            .user(
                &mut tx,
                author,
                Some(by.user.id),
                EventData::NotificationCreated(notification),
            )
            .await?;
    }
    events.commit(tx, state).await?;
    Ok(deleted)
}
