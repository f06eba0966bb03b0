//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use ajet_bus::EventBus;
use ajet_db::PgPool;
use ajet_db::tokens::TokenHasher;
use ajet_db::webhooks::Webhook;
use ajet_edge::revocation::{self, AuthCache, Companion};

use crate::delivery_log::DeliveryLog;
use crate::files::Files;
use crate::posting::batch::Writer;
use crate::relay::RelayHandle;

/// Cheap to clone; derefs to [`Inner`].
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: PgPool,
    pub bus: Arc<dyn EventBus>,
    pub hasher: TokenHasher,
    pub relay: RelayHandle,
    /// Stores plain messages in batches.
    pub writer: Writer,
    /// Validated tokens, cleared by revocations announced on the bus.
    pub auth_cache: Arc<AuthCache>,
    /// Webhooks by their token's hash, forgotten with the tokens (a webhook's revocation
    /// or change of settings is announced like a token's).
    pub webhooks: Companion<Webhook>,
    /// Writes the webhooks' delivery logs in batches.
    pub delivery_log: DeliveryLog,
    /// The file store and its limits.
    pub files: Files,
    pub options: Options,
}

/// What the operator chose beyond the defaults.
#[derive(Clone, Default)]
pub struct Options {
    /// Whether custom slash commands may call private, loopback or link-local addresses
    /// (and plain `http`).
    pub commands_allow_private: bool,
    /// Where files go; a local store in a temporary directory by default.
    pub files: Files,
}

impl AppState {
    pub fn new(
        db: PgPool,
        bus: Arc<dyn EventBus>,
        hasher: TokenHasher,
        relay: RelayHandle,
    ) -> Self {
        Self::with_options(db, bus, hasher, relay, Options::default())
    }

    pub fn with_options(
        db: PgPool,
        bus: Arc<dyn EventBus>,
        hasher: TokenHasher,
        relay: RelayHandle,
        options: Options,
    ) -> Self {
        let auth_cache = revocation::follow_revocations(&bus);
        let writer = Writer::spawn(db.clone(), relay.clone());
        Self(Arc::new(Inner {
            webhooks: Companion::new(auth_cache.clone(), revocation::CACHE_TTL),
            delivery_log: DeliveryLog::spawn(db.clone()),
            files: options.files.clone(),
            options,
            auth_cache,
            writer,
            db,
            bus,
            hasher,
            relay,
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
