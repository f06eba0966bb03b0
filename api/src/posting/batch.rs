//! Group commit for plain messages.
//!
//! Most messages are top-level, mention nobody and notify nobody. Those go to one writer
//! task, which stores whatever has queued up while its previous statement ran — one
//! message when the server is quiet, dozens under load — in a single statement: one round
//! trip, one commit and one flush of the write-ahead log for the lot. The writer declines
//! anything it cannot store exactly as [`super::post`] would (the author may not post
//! there, the channel is a DM, the idempotency key was used), and the caller then posts
//! that message on its own, which gives the precise answer.

use std::collections::HashMap;
use std::sync::Mutex;

use ajet_core::dto::MessageDto;
use ajet_core::{ChannelId, CommunityId, Envelope, EventData, MessageId, subjects};
use ajet_db::messages::{self, BatchInserted, BatchedMessage};
use ajet_db::{PgPool, Postgres};
use chrono::SubsecRound;
use sqlx::pool::PoolConnection;
use tokio::sync::{mpsc, oneshot};

use super::Post;
use crate::relay::{Committed, RelayHandle};

/// Messages waiting for the writer; beyond this, posters wait for room.
const QUEUE: usize = 4096;
/// The most messages one statement stores.
const MAX_BATCH: usize = 256;
/// Channels whose community the writer remembers; past this, it starts afresh.
const MAX_REMEMBERED: usize = 65_536;

/// Hands plain messages to the writer task. Cheap to share.
pub struct Writer {
    jobs: mpsc::Sender<Job>,
    /// The community of each community channel posted to through this process. A channel
    /// never changes community, so an entry never goes stale; the writer checks it anyway.
    communities: Mutex<HashMap<ChannelId, CommunityId>>,
}

struct Job {
    message: BatchedMessage,
    /// The event announcing the message, completed and published once it is stored.
    event: Envelope,
    done: oneshot::Sender<Option<Stored>>,
}

/// What the database filled in for a stored message.
struct Stored {
    seq: i64,
    author_username: String,
    author_avatar_url: Option<String>,
    author_bot: bool,
}

impl Writer {
    /// Starts the writer task, which ends when the last `Writer` is dropped.
    pub fn spawn(db: PgPool, relay: RelayHandle) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, relay, queue));
        Self {
            jobs,
            communities: Mutex::new(HashMap::new()),
        }
    }

    /// Notes that `channel` is a community channel of `community`.
    pub fn remember(&self, channel: ChannelId, community: CommunityId) {
        let mut communities = self.lock();
        if communities.len() >= MAX_REMEMBERED {
            communities.clear();
        }
        communities.insert(channel, community);
    }

    /// Stores `post` with the others queued at the moment, if it is a plain message to a
    /// community channel whose community is known. `None`: post it on its own.
    pub async fn write(&self, post: &Post<'_>) -> Option<MessageDto> {
        if post.parent.is_some() || !post.attachments.is_empty() {
            return None;
        }
        let community = self.lock().get(&post.channel).copied()?;
        let mut message = MessageDto {
            id: MessageId::new(),
            channel_id: post.channel,
            seq: 0,
            author_id: post.author,
            author_username: String::new(),
            parent_id: None,
            body: post.body.to_owned(),
            created_at: chrono::Utc::now().trunc_subsecs(6),
            edited_at: None,
            deleted: false,
            reply_count: 0,
            last_reply_at: None,
            reply_participants: Vec::new(),
            reactions: Vec::new(),
            meta: post.meta.cloned(),
            author_avatar_url: None,
            author_bot: false,
            attachments: Vec::new(),
        };
        let event = Envelope::for_channel(
            Some(community),
            post.channel,
            Some(post.author),
            EventData::MessageCreated(message.clone()),
        );
        let payload = serde_json::to_string(&event).ok()?;
        let meta = match &message.meta {
            Some(meta) => Some(serde_json::to_string(meta).ok()?),
            None => None,
        };
        let (done, stored) = oneshot::channel();
        let job = Job {
            message: BatchedMessage {
                id: message.id,
                channel: post.channel,
                community,
                author: post.author,
                body: message.body.clone(),
                idempotency_key: post.idempotency_key.map(str::to_owned),
                meta,
                created_at: message.created_at,
                event_id: event.event_id,
                subject: subjects::community(community),
                payload,
                traceparent: post.traceparent.clone(),
            },
            event,
            done,
        };
        self.jobs.send(job).await.ok()?;
        let stored = stored.await.ok()??;
        message.seq = stored.seq;
        message.author_username = stored.author_username;
        message.author_avatar_url = stored.author_avatar_url;
        message.author_bot = stored.author_bot;
        Some(message)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ChannelId, CommunityId>> {
        self.communities
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn run(db: PgPool, relay: RelayHandle, mut queue: mpsc::Receiver<Job>) {
    let mut conn = None;
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let (batch, rest): (Vec<BatchedMessage>, Vec<_>) = jobs
            .drain(..)
            .map(|job| (job.message, (job.event, job.done)))
            .unzip();
        let (mut events, waiters): (Vec<Envelope>, Vec<_>) = rest.into_iter().unzip();
        let mut answers: Vec<Option<Stored>> = waiters.iter().map(|_| None).collect();
        match store(&db, &mut conn, &batch).await {
            Ok(inserted) => {
                // In batch order, so that each channel's events are published in order.
                for row in inserted {
                    let Some(i) = usize::try_from(row.ord - 1)
                        .ok()
                        .filter(|&i| i < answers.len())
                    else {
                        continue;
                    };
                    if let EventData::MessageCreated(message) = &mut events[i].data {
                        message.seq = row.seq;
                        message.author_username.clone_from(&row.author_username);
                        message.author_avatar_url.clone_from(&row.author_avatar_url);
                        message.author_bot = row.author_bot;
                    }
                    if let Ok(payload) = serde_json::to_vec(&events[i]) {
                        relay.committed(Committed {
                            event_id: batch[i].event_id,
                            subject: batch[i].subject.clone(),
                            payload: payload.into(),
                            traceparent: batch[i].traceparent.clone(),
                        });
                    }
                    answers[i] = Some(Stored {
                        seq: row.seq,
                        author_username: row.author_username,
                        author_avatar_url: row.author_avatar_url,
                        author_bot: row.author_bot,
                    });
                }
            }
            // A key used twice, a lost connection: every message is posted on its own.
            Err(err) => tracing::debug!(error = %err, size = batch.len(), "batch not stored"),
        }
        for (waiter, answer) in waiters.into_iter().zip(answers) {
            let _ = waiter.send(answer);
        }
    }
}

/// One statement, its own transaction: one round trip and one commit for the batch.
///
/// The writer keeps one connection between batches. Taking one from the pool for each
/// batch would cost a round trip to check it before use and another to check it on
/// return, and would spread lone posts over every backend of the pool, each one cold. A
/// connection whose batch failed goes back to the pool, which checks it.
async fn store(
    db: &PgPool,
    conn: &mut Option<PoolConnection<Postgres>>,
    batch: &[BatchedMessage],
) -> Result<Vec<BatchInserted>, sqlx::Error> {
    let held = match conn {
        Some(held) => held,
        None => conn.insert(db.acquire().await?),
    };
    let stored = messages::insert_batch(held, batch).await;
    if stored.is_err() {
        *conn = None;
    }
    stored
}
