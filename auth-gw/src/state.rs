//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use ajet_db::PgPool;
use ajet_db::tokens::TokenHasher;
use axum::body::Body;
use axum::http::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::config::Config;

/// Cheap to clone; derefs to [`Inner`].
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: PgPool,
    pub hasher: TokenHasher,
    /// Pooled keep-alive connections to the services.
    pub client: Client<HttpConnector, Body>,
    pub upstreams: Upstreams,
}

/// Where each service is.
#[derive(Clone, Debug)]
pub struct Upstreams {
    pub api: Uri,
    pub web_sm: Uri,
    pub tui_sm: Uri,
}

impl AppState {
    pub fn new(db: PgPool, hasher: TokenHasher, config: &Config) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector);
        Self(Arc::new(Inner {
            db,
            hasher,
            client,
            upstreams: Upstreams {
                api: config.api_url.clone(),
                web_sm: config.web_sm_url.clone(),
                tui_sm: config.tui_sm_url.clone(),
            },
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
