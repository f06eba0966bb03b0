//! Recording events inside a write's transaction, and handing them to the relay after it
//! commits ([`Recorder::commit`]).

use ajet_core::{ChannelId, CommunityId, Envelope, EventData, MessageId, UserId, subjects};
use ajet_db::PgConnection;
use ajet_db::messages;
use ajet_db::outbox::{self, OutboxEvent};

use crate::state::AppState;

/// Collects the events of one transaction. Record with the transaction open, then
/// [`Recorder::commit`] it.
#[derive(Default)]
pub struct Recorder {
    traceparent: Option<String>,
    recorded: Vec<OutboxEvent>,
}

impl Recorder {
    /// A recorder whose events carry the trace context `traceparent`.
    pub fn new(traceparent: Option<String>) -> Self {
        Self {
            traceparent,
            recorded: Vec::new(),
        }
    }

    /// An event about a channel: delivered to its members only.
    pub async fn channel(
        &mut self,
        conn: &mut PgConnection,
        community: Option<CommunityId>,
        channel: ChannelId,
        actor: Option<UserId>,
        data: EventData,
    ) -> Result<(), sqlx::Error> {
        let event = Envelope::for_channel(community, channel, actor, data);
        self.record(conn, &subjects::channel_events(community, channel), &event)
            .await
    }

    /// Recounts the thread under `parent` (replies, last reply, participants) after a
    /// reply came or went, and records its `thread.updated` event.
    pub async fn thread_updated(
        &mut self,
        conn: &mut PgConnection,
        community: Option<CommunityId>,
        channel: ChannelId,
        actor: Option<UserId>,
        parent: MessageId,
    ) -> Result<(), sqlx::Error> {
        let (reply_count, last_reply_at) = messages::refresh_thread(conn, parent).await?;
        let reply_participants = messages::participants(conn, &[parent])
            .await?
            .into_iter()
            .map(|(_, u)| u)
            .collect();
        self.channel(
            conn,
            community,
            channel,
            actor,
            EventData::ThreadUpdated {
                parent_id: parent,
                reply_count,
                last_reply_at,
                reply_participants,
            },
        )
        .await
    }

    /// An event for a whole community: delivered to all its members.
    pub async fn community(
        &mut self,
        conn: &mut PgConnection,
        community: CommunityId,
        actor: Option<UserId>,
        data: EventData,
    ) -> Result<(), sqlx::Error> {
        let event = Envelope::for_community(Some(community), actor, data);
        self.record(conn, &subjects::community(community), &event)
            .await
    }

    /// An event for one user only (their notifications, their read position).
    pub async fn user(
        &mut self,
        conn: &mut PgConnection,
        user: UserId,
        actor: Option<UserId>,
        data: EventData,
    ) -> Result<(), sqlx::Error> {
        let event = Envelope::for_community(None, actor, data);
        self.record(conn, &subjects::notifications(user), &event)
            .await
    }

    async fn record(
        &mut self,
        conn: &mut PgConnection,
        subject: &str,
        event: &Envelope,
    ) -> Result<(), sqlx::Error> {
        let row = outbox::insert(conn, subject, event, self.traceparent.as_deref()).await?;
        self.recorded.push(row);
        Ok(())
    }

    /// Commits `tx`, then hands every recorded event to the relay — in that order, so
    /// that nothing is published that did not commit.
    pub async fn commit(
        self,
        tx: sqlx::Transaction<'_, sqlx::Postgres>,
        state: &AppState,
    ) -> Result<(), sqlx::Error> {
        tx.commit().await?;
        self.publish(state);
        Ok(())
    }

    fn publish(self, state: &AppState) {
        for event in self.recorded {
            state.relay.committed(event.into());
        }
    }
}
