//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use ajet_bus::EventBus;
use ajet_db::PgPool;
use ajet_db::tokens::TokenHasher;
use ajet_edge::revocation::{self, AuthCache, Companion};
use axum::body::Body;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::config::Config;
use crate::limits::Limiters;
use crate::pages::Pages;
use crate::upstream::Upstream;

/// Cheap to clone; derefs to [`Inner`].
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: PgPool,
    pub hasher: TokenHasher,
    /// Pooled keep-alive connections to the services.
    pub client: Client<HttpConnector, Body>,
    /// The session managers' event streams, over shared HTTP/2 connections.
    pub streams: crate::relay::Streams,
    pub upstreams: Upstreams,
    /// Where revocations are announced and heard.
    pub bus: Arc<dyn EventBus>,
    /// Validated tokens, cleared by every revocation announced on the bus.
    pub auth_cache: Arc<AuthCache>,
    /// Webhooks by their token's hash, forgotten with the tokens.
    pub webhooks: Companion<ajet_db::webhooks::Webhook>,
    pub limits: Limiters,
    pub pages: Pages,
    /// The enabled sign-in providers.
    pub oauth: crate::oauth::Providers,
    pub settings: Settings,
    /// Origins allowed to call the API cross-origin (CORS).
    pub cors_origins: Vec<String>,
}

/// Where each service is.
#[derive(Debug)]
pub struct Upstreams {
    pub api: Upstream,
    pub web_sm: Upstream,
    pub tui_sm: Upstream,
}

/// How the gateway treats browsers.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `scheme://host[:port]` of the gateway as browsers see it.
    pub public_origin: String,
    pub cookie_secure: bool,
    pub local_accounts: bool,
    /// Whether the client's address is the last X-Forwarded-For entry (behind a proxy).
    pub trust_proxy: bool,
    /// The api's upload limit, in bytes (`AJET_MAX_UPLOAD_MB`).
    pub max_upload_bytes: u64,
}

impl AppState {
    pub fn new(db: PgPool, hasher: TokenHasher, bus: Arc<dyn EventBus>, config: &Config) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector.clone());
        let auth_cache = revocation::follow_revocations(&bus);
        Self(Arc::new(Inner {
            db,
            hasher,
            client,
            streams: crate::relay::Streams::new(connector),
            upstreams: Upstreams {
                api: Upstream::new(config.api_url.clone()),
                web_sm: Upstream::new(config.web_sm_url.clone()),
                tui_sm: Upstream::new(config.tui_sm_url.clone()),
            },
            bus,
            webhooks: Companion::new(auth_cache.clone(), revocation::CACHE_TTL),
            auth_cache,
            limits: Limiters::new(config.limits),
            pages: Pages::new(),
            oauth: crate::oauth::Providers::new(&config.oauth),
            settings: Settings {
                public_origin: config.public_url.clone(),
                cookie_secure: config.cookie_secure(),
                local_accounts: config.local_accounts,
                trust_proxy: config.trust_proxy,
                max_upload_bytes: config.max_upload_mb.saturating_mul(1024 * 1024),
            },
            cors_origins: config.cors_origins.clone(),
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
