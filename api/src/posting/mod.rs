//! Posting a message: shared by the REST handler, webhooks and slash commands.
//!
//! One transaction stores the message, its mentions, the thread's new counts and the
//! notifications it causes, and records an event for each; the events go to the relay
//! after the commit. Plain messages (top-level, mentioning nobody) are stored in batches by
//! the [`batch::Writer`] instead, which is equivalent and much cheaper under load.

pub mod batch;

use std::collections::HashSet;

use ajet_core::dto::{AttachmentDto, MessageDto, MessageMeta, NotificationKind};
use ajet_core::mentions::{self, Mention};
use ajet_core::{AttachmentId, ChannelId, ErrorCode, EventData, MessageId, UserId};
use ajet_db::PgConnection;
use ajet_db::channels::Channel;
use ajet_db::mentions::Target;
use ajet_db::messages::{self, NewMessage};
use ajet_db::notifications::{self, NewNotification};
use ajet_db::users;
use serde_json::json;

use crate::authz;
use crate::error::{Error, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// A message to post, already validated.
pub struct Post<'a> {
    pub channel: ChannelId,
    pub author: UserId,
    pub body: &'a str,
    pub idempotency_key: Option<&'a str>,
    /// Posts a reply in the thread of this top-level message.
    pub parent: Option<MessageId>,
    /// The W3C trace context of the request, passed on with the events.
    pub traceparent: Option<String>,
    /// A webhook message's sender name, icon and cards.
    pub meta: Option<&'a MessageMeta>,
    /// Files the author uploaded to the channel, posted with the message.
    pub attachments: &'a [AttachmentId],
}

/// What posting did.
pub enum Posted {
    /// A new message was stored and its events recorded.
    Created(MessageDto),
    /// The idempotency key was used before: this is the first message, nothing was stored.
    Replayed(MessageDto),
}

/// Stores the message, then hands its events to the relay. The author must be allowed to
/// post in the channel (404 for outsiders, 403 when archived or muted).
pub async fn post(state: &AppState, post: Post<'_>) -> Result<Posted> {
    let parsed = mentions::parse(post.body);
    if parsed.is_empty()
        && let Some(message) = state.writer.write(&post).await
    {
        return Ok(Posted::Created(message));
    }
    let mut tx = state.db.begin().await?;
    let channel = authz::postable_channel(&mut tx, post.channel, post.author).await?;
    if let Some(community) = channel.community()
        && !channel.is_dm()
    {
        state.writer.remember(channel.id, community);
    }
    // A retry with a used idempotency key fails the insert on the key's unique index; the
    // rollback undoes the position it took, and the first message is answered instead.
    // Checking first would cost every post a query for the rare retry.
    let parent = match post.parent {
        Some(id) => Some(thread_parent(&mut tx, id, post.channel).await?),
        None => None,
    };
    let files = take_uploads(&mut tx, &post).await?;
    let inserted = messages::insert(
        &mut tx,
        NewMessage {
            channel: post.channel,
            author: post.author,
            body: post.body,
            idempotency_key: post.idempotency_key,
            parent: post.parent,
            meta: post.meta,
            files: &files,
        },
    )
    .await;
    let message: MessageDto = match inserted {
        Ok(message) => message.into(),
        // A concurrent retry with the same key committed first: answer with its message.
        Err(err) if ajet_db::error::is_unique_violation(&err, messages::IDEMPOTENCY_CONSTRAINT) => {
            drop(tx);
            let mut conn = state.db.acquire().await?;
            let existing = messages::by_idempotency_key(
                &mut conn,
                post.author,
                post.idempotency_key.unwrap_or_default(),
            )
            .await?
            .ok_or(Error::Sqlx(err))?;
            return replay(existing, post.channel);
        }
        Err(err) => return Err(err.into()),
    };
    if !post.attachments.is_empty() {
        ajet_db::attachments::attach(&mut tx, post.attachments, message.id).await?;
    }

    let mut events = Recorder::new(post.traceparent);
    let community = channel.community();
    events
        .channel(
            &mut tx,
            community,
            channel.id,
            Some(post.author),
            EventData::MessageCreated(message.clone()),
        )
        .await?;
    let mentioned = store_parsed_mentions(&mut tx, &message, parsed, true).await?;
    if let Some(parent) = &parent {
        events
            .thread_updated(&mut tx, community, channel.id, Some(post.author), parent.id)
            .await?;
    }
    notify(
        &mut tx,
        &mut events,
        &channel,
        &message,
        parent.as_ref(),
        &mentioned,
    )
    .await?;
    events.commit(tx, state).await?;
    Ok(Posted::Created(message))
}

/// The uploads a message takes, locked until it commits: each must be the author's, in
/// this channel, and not posted yet.
async fn take_uploads(conn: &mut PgConnection, post: &Post<'_>) -> Result<Vec<AttachmentDto>> {
    if post.attachments.is_empty() {
        return Ok(Vec::new());
    }
    let rows =
        ajet_db::attachments::lock_unposted(conn, post.attachments, post.channel, post.author)
            .await?;
    if let Some(missing) = post
        .attachments
        .iter()
        .find(|id| !rows.iter().any(|r| r.id == **id))
    {
        return Err(Error::validation(format!(
            "the attachment {missing} is not a file you uploaded to this channel, or it was posted already"
        )));
    }
    Ok(rows.iter().map(AttachmentDto::from).collect())
}

/// The message a reply goes under: a live top-level message of the same channel.
async fn thread_parent(
    conn: &mut PgConnection,
    id: MessageId,
    channel: ChannelId,
) -> Result<messages::Message> {
    let parent = messages::get(conn, id)
        .await?
        .filter(|p| p.channel_id == channel)
        .ok_or_else(|| Error::not_found("the message to reply to is not in this channel"))?;
    if parent.parent_id.is_some() {
        return Err(Error::validation(
            "threads are one level deep: reply to the thread's first message instead",
        ));
    }
    if parent.deleted_at.is_some() {
        return Err(Error::new(
            ErrorCode::Conflict,
            "the message to reply to has been deleted",
        ));
    }
    Ok(parent)
}

/// Parses and stores the message's mentions (replacing those stored before, unless the
/// message is `new`); the mentioned users who exist.
pub(crate) async fn store_mentions(
    conn: &mut PgConnection,
    message: &MessageDto,
    new: bool,
) -> Result<Mentioned> {
    store_parsed_mentions(conn, message, mentions::parse(&message.body), new).await
}

async fn store_parsed_mentions(
    conn: &mut PgConnection,
    message: &MessageDto,
    parsed: Vec<Mention>,
    new: bool,
) -> Result<Mentioned> {
    if parsed.is_empty() && new {
        return Ok(Mentioned {
            users: Vec::new(),
            channel: false,
            here: false,
        });
    }
    let names: Vec<String> = parsed
        .iter()
        .filter_map(|m| match m {
            Mention::User(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    let users = if names.is_empty() {
        Vec::new()
    } else {
        users::by_usernames(conn, &names).await?
    };
    let mut targets: Vec<Target> = users.iter().map(|u| Target::User(u.id)).collect();
    let channel = parsed.contains(&Mention::Channel);
    let here = parsed.contains(&Mention::Here);
    if channel {
        targets.push(Target::Channel);
    }
    if here {
        targets.push(Target::Here);
    }
    ajet_db::mentions::replace(conn, message.id, &targets).await?;
    Ok(Mentioned {
        users: users.into_iter().map(|u| u.id).collect(),
        channel,
        here,
    })
}

/// Who a message mentions.
pub(crate) struct Mentioned {
    pub users: Vec<UserId>,
    pub channel: bool,
    pub here: bool,
}

/// One notification per person the message concerns, most specific reason first: a
/// mention, then a DM, then a reply in a thread they wrote or replied in. Nobody is
/// notified of their own message, nor twice for one message.
async fn notify(
    conn: &mut PgConnection,
    events: &mut Recorder,
    channel: &Channel,
    message: &MessageDto,
    parent: Option<&messages::Message>,
    mentioned: &Mentioned,
) -> Result<()> {
    let nobody = mentioned.users.is_empty() && !mentioned.channel && !mentioned.here;
    if nobody && !channel.is_dm() && parent.is_none() {
        // A plain channel message notifies no one: spare the member lookup.
        return Ok(());
    }
    let members: HashSet<UserId> = ajet_db::channels::member_ids(conn, channel.id)
        .await?
        .into_iter()
        .collect();
    let mut done: HashSet<UserId> = HashSet::from([message.author_id]);
    let mut targets: Vec<(UserId, NotificationKind)> = Vec::new();
    let mut add = |user: UserId, kind: NotificationKind, targets: &mut Vec<_>| {
        if members.contains(&user) && done.insert(user) {
            targets.push((user, kind));
        }
    };
    for user in &mentioned.users {
        add(*user, NotificationKind::Mention, &mut targets);
    }
    if mentioned.channel || mentioned.here {
        let everyone: Vec<UserId> = members.iter().copied().collect();
        let wanted: Vec<UserId> = if mentioned.channel {
            everyone
        } else {
            users::presence(conn, &everyone)
                .await?
                .into_iter()
                .filter(|p| p.online)
                .map(|p| p.user_id)
                .collect()
        };
        for user in wanted {
            add(user, NotificationKind::Mention, &mut targets);
        }
    }
    if channel.is_dm() {
        for user in members.iter().copied() {
            add(user, NotificationKind::Dm, &mut targets);
        }
    }
    if let Some(parent) = parent {
        add(
            parent.author_id,
            NotificationKind::ThreadReply,
            &mut targets,
        );
        for (_, user) in messages::participants(conn, &[parent.id]).await? {
            add(user.id, NotificationKind::ThreadReply, &mut targets);
        }
    }
    let preview: String = message.body.chars().take(200).collect();
    for (user, kind) in targets {
        let notification = notifications::insert(
            conn,
            NewNotification {
                user,
                kind,
                source_id: Some(message.id.as_uuid()),
                channel_id: Some(channel.id),
                data: json!({
                    "message_id": message.id,
                    "parent_id": message.parent_id,
                    "author_id": message.author_id,
                    "author_username": message.author_username,
                    "channel_name": channel.name,
                    "community_slug": channel.community_slug,
                    "preview": preview,
                }),
            },
        )
        .await?;
        events
            .user(
                conn,
                user,
                Some(message.author_id),
                EventData::NotificationCreated(notification),
            )
            .await?;
    }
    Ok(())
}

fn replay(existing: messages::Message, channel: ChannelId) -> Result<Posted> {
    if existing.channel_id != channel {
        return Err(Error::conflict(
            "this idempotency key was already used for a message in another channel",
        ));
    }
    Ok(Posted::Replayed(existing.into()))
}
