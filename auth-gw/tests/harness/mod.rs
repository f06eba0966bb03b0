//! The gateway and the api, both in-process on free ports, against a fresh database and
//! the real NATS: the gateway proxies to the real api, and revocations travel over NATS.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ajet_api::relay::{self, RelayTimings};
use ajet_bus::EventBus;
use ajet_bus::nats::{NatsBus, StreamSettings};
use ajet_core::{ChannelId, UserId};
use ajet_db::PgPool;
use ajet_db::communities::Community;
use ajet_db::tokens::TokenHasher;
use clap::Parser;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// The origin the gateway believes it is served from.
pub const PUBLIC: &str = "http://chat.test";

pub fn nats_url() -> String {
    std::env::var("AJET_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

pub async fn nats() -> Arc<dyn EventBus> {
    let bus = NatsBus::connect(&nats_url(), "ajet-gw-tests", StreamSettings::default())
        .await
        .unwrap();
    bus.ensure_stream().await.unwrap();
    Arc::new(bus)
}

pub struct TestGateway {
    /// The gateway's base URL.
    pub base: String,
    pub api_base: String,
    pub pool: PgPool,
    pub hasher: TokenHasher,
    pub community: Community,
    pub general: ChannelId,
    stop: CancellationToken,
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn serve(router: axum::Router, stop: CancellationToken) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop.cancelled_owned())
        .await
        .unwrap();
    });
    base
}

impl TestGateway {
    /// Starts both with the gateway flags `args` (e.g. `["--rate-limit-ip", "3"]`).
    pub async fn start(pool: PgPool, args: &[&str]) -> Self {
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
        drop(conn);
        let stop = CancellationToken::new();

        let api_bus = nats().await;
        let timings = RelayTimings {
            sweep_every: Duration::from_millis(100),
            flush_every: Duration::from_millis(20),
        };
        let (relay, _) = relay::spawn(pool.clone(), api_bus.clone(), timings, stop.clone());
        let api = ajet_api::router(ajet_api::AppState::new(
            pool.clone(),
            api_bus,
            hasher.clone(),
            relay,
        ));
        let api_base = serve(api, stop.clone()).await;

        let defaults = [
            ("--api-url", api_base.as_str()),
            // Nothing listens there: pages answer 502, which no test here needs.
            ("--web-sm-url", "http://127.0.0.1:9"),
            ("--tui-sm-url", "http://127.0.0.1:9"),
            ("--public-url", PUBLIC),
            ("--cookie-secure", "false"),
        ];
        let mut argv = vec!["ajet-auth-gw"];
        for (flag, value) in defaults {
            if !args.contains(&flag) {
                argv.extend([flag, value]);
            }
        }
        argv.extend_from_slice(args);
        let config = ajet_auth_gw::config::Config::try_parse_from(argv).unwrap();
        let gw_bus = nats().await;
        let state = ajet_auth_gw::AppState::new(pool.clone(), hasher.clone(), gw_bus, &config);
        // Give both caches time to subscribe to revocations.
        let base = serve(ajet_auth_gw::router(state), stop.clone()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        Self {
            base,
            api_base,
            pool,
            hasher,
            community,
            general,
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A person in the community and its #general (admin when `admin`), with a session.
    pub async fn person(&self, name: &str, admin: bool) -> (String, UserId) {
        let mut conn = self.pool.acquire().await.unwrap();
        let user = ajet_db::bootstrap::create_member(&mut conn, self.community.id, name, admin)
            .await
            .unwrap();
        let (_, token) = ajet_db::sessions::create(&mut conn, &self.hasher, user.id, None)
            .await
            .unwrap();
        (token, user.id)
    }

    /// A bot token with `scopes`, made through the api by the admin `admin_token`.
    pub async fn bot_token(&self, admin_token: &str, scopes: Value) -> Value {
        self.bot_token_for(admin_token, scopes, None).await
    }

    /// A bot token with `scopes`, restricted to `channels` when given.
    pub async fn bot_token_for(
        &self,
        admin_token: &str,
        scopes: Value,
        channels: Option<Value>,
    ) -> Value {
        let http = reqwest::Client::new();
        let bot: Value = http
            .post(self.url(&format!("/api/communities/{}/bots", self.community.id)))
            .bearer_auth(admin_token)
            .json(&serde_json::json!({ "name": format!("bot-{}", uuid::Uuid::new_v4().simple()) }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut body = serde_json::json!({ "name": "t", "scopes": scopes });
        if let Some(channels) = channels {
            body["channel_ids"] = channels;
        }
        http.post(self.url(&format!("/api/bots/{}/tokens", bot["id"].as_str().unwrap())))
            .bearer_auth(admin_token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY at, id")
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

/// A client that follows no redirects, so tests see them.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
