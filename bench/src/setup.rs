//! The people and channels the scenarios need, written straight into the benchmark's
//! database with the same `ajet-db` functions the api's operator commands use (the cli
//! would take minutes for ten thousand users).

use ajet_core::dto::Visibility;
use ajet_core::{ChannelId, CommunityId, UserId};
use ajet_db::PgPool;
use ajet_db::tokens::TokenHasher;
use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::stack::COMMUNITY;

/// Concurrent connections used to write the population.
const WRITERS: u32 = 8;

/// Users of the benchmark's community, each with a session token.
pub struct Population {
    pub db: PgPool,
    pub community: CommunityId,
    pub users: Vec<UserId>,
    pub tokens: Vec<String>,
    hasher: TokenHasher,
}

impl Population {
    /// Creates `n` users (`bench00000`…), each a member of the community and its
    /// `#general`, with one session each.
    pub async fn create(database_url: &str, n: usize) -> anyhow::Result<Self> {
        // Set-up is not what is measured: commit without waiting for the disk.
        let options: PgConnectOptions = database_url
            .parse::<PgConnectOptions>()?
            .options([("synchronous_commit", "off")]);
        let db = PgPoolOptions::new()
            .max_connections(WRITERS)
            .connect_with(options)
            .await
            .context("cannot connect to the benchmark's database")?;
        let (community, hasher) = {
            let mut conn = db.acquire().await?;
            let community =
                ajet_db::bootstrap::ensure_default_community(&mut conn, COMMUNITY).await?;
            let hasher = ajet_db::keys::token_hasher(&mut conn, None).await?;
            (community.id, hasher)
        };
        let mut people: Vec<(usize, UserId, String)> = futures::stream::iter(0..n)
            .map(|i| {
                let (db, hasher) = (db.clone(), hasher.clone());
                async move {
                    let mut conn = db.acquire().await?;
                    let name = format!("bench{i:05}");
                    let user =
                        ajet_db::bootstrap::create_member(&mut conn, community, &name, false)
                            .await
                            .with_context(|| format!("cannot create {name}"))?;
                    let (_, token) =
                        ajet_db::sessions::create(&mut conn, &hasher, user.id, Some("ajet-bench"))
                            .await?;
                    anyhow::Ok((i, user.id, token))
                }
            })
            .buffer_unordered(WRITERS as usize)
            .try_collect()
            .await?;
        people.sort_by_key(|(i, _, _)| *i);
        let (users, tokens) = people.into_iter().map(|(_, u, t)| (u, t)).unzip();
        Ok(Self {
            db,
            community,
            users,
            tokens,
            hasher,
        })
    }

    /// An incoming webhook of `channel`, as the api creates one (a bot of its own, a
    /// member of the community and the channel); its delivery path `/hook/<id>/<token>`.
    pub async fn webhook(&self, channel: ChannelId, name: &str) -> anyhow::Result<String> {
        let mut tx = self.db.begin().await?;
        let bot = ajet_db::webhooks::insert_bot_user(&mut tx, name, name).await?;
        ajet_db::communities::add_member(&mut tx, self.community, bot, "member").await?;
        ajet_db::channels::add_member(&mut tx, channel, bot).await?;
        let (webhook, token) = ajet_db::webhooks::insert(
            &mut tx,
            &self.hasher,
            ajet_db::webhooks::NewWebhook {
                community: self.community,
                channel,
                bot_user: bot,
                name,
                created_by: None,
                settings: ajet_db::webhooks::Settings {
                    post_ci_successes: true,
                    ..Default::default()
                },
            },
        )
        .await
        .with_context(|| format!("cannot create the webhook {name}"))?;
        tx.commit().await?;
        Ok(format!("/hook/{}/{token}", webhook.id))
    }

    /// A public channel `name` whose members are `members`.
    pub async fn channel(&self, name: &str, members: &[UserId]) -> anyhow::Result<ChannelId> {
        let mut conn = self.db.acquire().await?;
        let channel = ajet_db::channels::insert_text(
            &mut conn,
            self.community,
            name,
            Visibility::Public,
            members.first().copied(),
        )
        .await
        .with_context(|| format!("cannot create #{name}"))?;
        drop(conn);
        futures::stream::iter(members.iter().copied())
            .map(|user| {
                let db = self.db.clone();
                async move {
                    let mut conn = db.acquire().await?;
                    ajet_db::channels::add_member(&mut conn, channel, user).await?;
                    anyhow::Ok(())
                }
            })
            .buffer_unordered(WRITERS as usize)
            .try_collect::<()>()
            .await?;
        Ok(channel)
    }
}
