//! The api, running in-process on a free port against a fresh database and the real NATS.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use ajet_api::relay::{self, RelayTimings};
use ajet_api::state::Options;
use ajet_api::{AppState, router};
use ajet_bus::EventBus;
use ajet_bus::nats::{NatsBus, StreamSettings};
use ajet_core::{ChannelId, UserId};
use ajet_db::PgPool;
use ajet_db::communities::Community;
use ajet_db::tokens::TokenHasher;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub fn nats_url() -> String {
    std::env::var("AJET_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// A bus on the real NATS, with the stream in place.
pub async fn nats() -> Arc<NatsBus> {
    let bus = NatsBus::connect(&nats_url(), "ajet-api-tests", StreamSettings::default())
        .await
        .unwrap();
    bus.ensure_stream().await.unwrap();
    Arc::new(bus)
}

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub hasher: TokenHasher,
    pub community: Community,
    pub general: ChannelId,
    stop: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl TestApp {
    pub async fn new(pool: PgPool) -> Self {
        let bus = nats().await;
        Self::with_bus(pool, bus).await
    }

    pub async fn with_bus(pool: PgPool, bus: Arc<dyn EventBus>) -> Self {
        Self::with(pool, bus, Options::default()).await
    }

    /// An api whose operator allows what `options` says.
    pub async fn with_options(pool: PgPool, options: Options) -> Self {
        let bus = nats().await;
        Self::with(pool, bus, options).await
    }

    async fn with(pool: PgPool, bus: Arc<dyn EventBus>, options: Options) -> Self {
        let mut conn = pool.acquire().await.unwrap();
        let community = ajet_db::bootstrap::ensure_default_community(&mut conn, "Test Org")
            .await
            .unwrap();
        let general = ajet_db::channels::by_name(&mut conn, community.id, "general")
            .await
            .unwrap()
            .unwrap()
            .id;
        let hasher = ajet_db::keys::token_hasher(&mut conn, None).await.unwrap();
        let stop = CancellationToken::new();
        let timings = RelayTimings {
            sweep_every: Duration::from_millis(100),
            flush_every: Duration::from_millis(20),
        };
        let (relay, _) = relay::spawn(pool.clone(), bus.clone(), timings, stop.clone());
        let app = router(AppState::with_options(
            pool.clone(),
            bus,
            hasher.clone(),
            relay,
            options,
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let serve_stop = stop.clone();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(serve_stop.cancelled_owned())
                .await
                .unwrap();
        });
        Self {
            base,
            pool,
            hasher,
            community,
            general,
            stop,
        }
    }

    /// A member of the community and its #general, with a client holding their token.
    pub async fn user(&self, name: &str) -> (ajet_sdk::Client, UserId) {
        let id = self.member(name, false).await;
        let token = self.token_for(id).await;
        (self.client().with_token(&token).unwrap(), id)
    }

    /// An admin of the community, in its #general, with a session token.
    pub async fn admin(&self, name: &str) -> (String, UserId) {
        let id = self.member(name, true).await;
        (self.token_for(id).await, id)
    }

    /// Bans `user` from the community, with no end (there is no API for it yet).
    pub async fn ban(&self, user: UserId) {
        self.restrict("bans", user).await;
    }

    /// Mutes `user` in the community, with no end (there is no API for it yet).
    pub async fn mute(&self, user: UserId) {
        self.restrict("mutes", user).await;
    }

    async fn restrict(&self, table: &str, user: UserId) {
        sqlx::query(&format!(
            "INSERT INTO {table} (community_id, user_id) VALUES ($1, $2)"
        ))
        .bind(self.community.id.as_uuid())
        .bind(user.as_uuid())
        .execute(&self.pool)
        .await
        .unwrap();
    }

    async fn member(&self, name: &str, admin: bool) -> UserId {
        let mut conn = self.pool.acquire().await.unwrap();
        ajet_db::bootstrap::create_member(&mut conn, self.community.id, name, admin)
            .await
            .unwrap()
            .id
    }

    pub async fn token_for(&self, user: UserId) -> String {
        let mut conn = self.pool.acquire().await.unwrap();
        let (_, token) = ajet_db::sessions::create(&mut conn, &self.hasher, user, None)
            .await
            .unwrap();
        token
    }

    /// A client without a token.
    pub fn client(&self) -> ajet_sdk::Client {
        ajet_sdk::Client::new(&self.base).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn message_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM messages")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

/// A bare HTTP caller with an optional bearer token.
pub struct Caller {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Caller {
    pub fn new(app: &TestApp, token: Option<&str>) -> Self {
        Self {
            base: app.base.clone(),
            token: token.map(str::to_owned),
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let response = req.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }
}
