//! One user's side of a session manager: opening their stream, and the signals their
//! client sends — typing, and switching the viewed community. Shared by tui-sm and web-sm.
//!
//! Everything a user may see is asked of the api with the user's own token; a session
//! manager never decides entitlement from anything the client claims.

use ajet_core::{ChannelId, CommunityId, Envelope, ErrorBody, ErrorCode, EventData, subjects};
use ajet_sdk::Client;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use std::sync::Arc;
use std::time::Duration;

use ajet_bus::nats::{NatsBus, StreamSettings};

use crate::access::Access;
use crate::frame::Framer;
use crate::hub::{Hub, HubConfig, ViewSignal};
use crate::sse::EventStream;

/// Body of a typing signal: `{"channel_id": …, "typing": true}`.
#[derive(Debug, Deserialize)]
pub struct TypingSignal {
    pub channel_id: ChannelId,
    /// `false` when the user sent or cleared their message.
    #[serde(default = "yes")]
    pub typing: bool,
}

fn yes() -> bool {
    true
}

/// Body of a view switch: `{"connection_id": …, "community_id": … | null}`.
#[derive(Debug, Deserialize)]
pub struct ViewRequest {
    pub connection_id: Uuid,
    pub community_id: Option<CommunityId>,
}

/// What a session manager needs to serve live streams, from flags or `AJET_*` variables.
#[derive(Clone, Debug, clap::Args)]
pub struct SessionConfig {
    /// The api, called directly with each user's own token.
    #[arg(long, env = "AJET_API_URL", default_value = "http://127.0.0.1:8081")]
    pub api_url: String,
    /// NATS server URL.
    #[arg(long, env = "AJET_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,
    /// How often each client is sent the presence changes relevant to it, in seconds.
    #[arg(long, env = "AJET_PRESENCE_INTERVAL_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub presence_interval_secs: u64,
}

/// The api (without a token) and the hub of one session manager.
#[derive(Clone)]
pub struct Sessions {
    pub api: Client,
    pub hub: Hub,
    /// Cancelled at shutdown: every open stream ends.
    pub stop: CancellationToken,
}

impl Sessions {
    /// Connects to the bus (in the background: the process starts while NATS is down and
    /// reports itself not ready) and starts the hub, which sends each event as `framer`
    /// renders it. `name` names the NATS connection.
    pub async fn connect(
        config: &SessionConfig,
        name: &str,
        framer: Arc<dyn Framer>,
    ) -> anyhow::Result<Self> {
        use anyhow::Context;
        let api = Client::new(&config.api_url).context("AJET_API_URL")?;
        let bus = NatsBus::connect(&config.nats_url, name, StreamSettings::default())
            .await
            .with_context(|| {
                format!(
                    "cannot use the NATS URL {} (AJET_NATS_URL)",
                    config.nats_url
                )
            })?;
        let hub = Hub::start_with_framer(
            Arc::new(bus),
            HubConfig {
                presence_every: Duration::from_secs(config.presence_interval_secs),
            },
            framer,
        );
        Ok(Self {
            api,
            hub,
            stop: CancellationToken::new(),
        })
    }

    /// Opens the live stream of the user `api` acts for: every channel and DM they are in
    /// (of the `view` community only, when given), their communities' events and their
    /// notifications; resumed after `resume` when given.
    pub async fn open_stream(
        &self,
        api: Client,
        view: Option<CommunityId>,
        resume: Option<u64>,
    ) -> Result<EventStream, ajet_sdk::Error> {
        // Where the stream stood before asking the api: a membership change after this
        // position may be missing from the answer.
        let asked_at = self.hub.position();
        let access = fetch_access(&api).await?;
        if let Some(community) = view
            && !access.communities.contains(&community)
        {
            return Err(refusal(
                ErrorCode::NotFound,
                "you are not a member of that community",
            ));
        }
        let user = access.user;
        let subscription = self.hub.subscribe(access, view, resume).await;
        let connection = subscription.connection_id;
        tracing::info!(user.id = %user, ?resume, ?view, "stream opened");
        // From registration on, membership events update the connection themselves. If one
        // came between the api's answer and the registration, ask again (the usual case,
        // none, costs nothing more).
        if self.hub.membership_changed_since(user, asked_at) {
            let hub = self.hub.clone();
            tokio::spawn(async move {
                match fetch_access(&api).await {
                    Ok(fresh) => hub.reconcile(connection, fresh),
                    Err(err) => tracing::warn!(error = %err, "cannot refresh a stream's access"),
                }
            });
        }
        Ok(crate::sse::respond(subscription, self.stop.clone()))
    }

    /// Publishes that the user is (or stopped) typing in a channel they are in.
    pub async fn typing(&self, api: Client, signal: TypingSignal) -> Result<(), ajet_sdk::Error> {
        let (me, channel) = tokio::try_join!(api.me(), api.channel(signal.channel_id))?;
        let envelope = Envelope::for_channel(
            channel.community_id,
            channel.id,
            Some(me.user.id),
            EventData::Typing {
                user_id: me.user.id,
                typing: signal.typing,
            },
        );
        let payload = serde_json::to_vec(&envelope).unwrap_or_default();
        self.hub
            .signal(
                subjects::channel_typing(channel.community_id, channel.id),
                payload,
            )
            .await
            .map_err(|err| refusal(ErrorCode::Unavailable, &err.to_string()))
    }

    /// Switches the community a connection of the user views, on whichever instance
    /// holds it.
    pub async fn switch_view(
        &self,
        api: Client,
        request: ViewRequest,
    ) -> Result<(), ajet_sdk::Error> {
        let me = api.me().await?;
        if let Some(community) = request.community_id
            && !me.communities.iter().any(|c| c.id == community)
        {
            return Err(refusal(
                ErrorCode::NotFound,
                "you are not a member of that community",
            ));
        }
        let signal = ViewSignal {
            connection_id: request.connection_id,
            community_id: request.community_id,
        };
        let payload = serde_json::to_vec(&signal).unwrap_or_default();
        self.hub
            .signal(subjects::session(me.user.id), payload)
            .await
            .map_err(|err| refusal(ErrorCode::Unavailable, &err.to_string()))
    }
}

/// What the user behind `api` may see, as the api says now.
async fn fetch_access(api: &Client) -> Result<Access, ajet_sdk::Error> {
    let (me, channels) = tokio::try_join!(api.me(), api.channels())?;
    Ok(Access::new(
        me.user.id,
        &channels,
        me.communities.iter().map(|c| c.id),
    ))
}

/// A refusal in the shape of an api error, so that callers answer all errors alike.
fn refusal(code: ErrorCode, message: &str) -> ajet_sdk::Error {
    ajet_sdk::Error::Api {
        status: code.status(),
        body: ErrorBody::new(code, message),
    }
}
