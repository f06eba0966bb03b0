//! Authenticating a presented token, whatever its kind, and keeping the answer briefly.
//!
//! The gateway and the api both validate every token. [`authenticate_cached`] makes that
//! cheap: a found identity is kept for [`CACHE_TTL`], and every process clears its cache
//! when a revocation is announced on [`REVOKED_SUBJECT`] (core NATS), so a revoked session
//! or token stops working everywhere within moments. A cache that is not following the
//! announcements ([`AuthCache::set_live`]) keeps nothing, so a missed announcement can
//! never keep a revoked token alive.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ajet_core::dto::Scope;
use ajet_core::{ChannelId, SessionId, TokenId, UserId};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::tokens::{self, TokenHasher};

/// The core NATS subject on which revocations (logout, revoked session or token, deleted
/// account) are announced. The payload is informative only: receivers clear everything.
pub const REVOKED_SUBJECT: &str = "chat.auth.revoked";

/// How long a validated token is trusted without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(30);

/// Entries beyond which the cache starts over, bounding its memory.
const CACHE_MAX_ENTRIES: usize = 100_000;

/// What a token grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A person's login session: everything their roles allow.
    Session(SessionId),
    /// A bot's API token: its scopes, and its channels when it lists some.
    ApiToken {
        token_id: TokenId,
        scopes: Vec<Scope>,
        channels: Option<Vec<ChannelId>>,
    },
}

/// Who a valid token belongs to and what it grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user_id: UserId,
    pub grant: Grant,
    /// When the credential stops being valid, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The identity `token` opens: a live session first, then a live API token.
pub async fn authenticate(
    conn: &mut PgConnection,
    hasher: &TokenHasher,
    token: &str,
) -> Result<Option<Identity>, sqlx::Error> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    if let Some(session) = crate::sessions::authenticate(conn, hasher, token).await? {
        return Ok(Some(Identity {
            user_id: session.user_id,
            grant: Grant::Session(session.id),
            expires_at: Some(session.expires_at),
        }));
    }
    crate::api_tokens::authenticate(conn, &hasher.hash(token)).await
}

/// [`authenticate`], answered from `cache` when it can be.
pub async fn authenticate_cached(
    pool: &PgPool,
    cache: &AuthCache,
    hasher: &TokenHasher,
    token: &str,
) -> Result<Option<Identity>, sqlx::Error> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    let key = hasher.hash(token);
    if let Some(identity) = cache.get(&key) {
        return Ok(Some(identity));
    }
    // Read the generation before asking the database: a revocation announced while the
    // query runs bumps it, and the possibly stale answer is then not kept.
    let generation = cache.generation();
    let mut conn = pool.acquire().await?;
    let found = authenticate(&mut conn, hasher, token).await?;
    if let Some(identity) = &found {
        cache.insert(generation, key, identity.clone());
    }
    Ok(found)
}

/// Validated identities by token hash, for [`CACHE_TTL`].
pub struct AuthCache {
    ttl: Duration,
    state: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    generation: u64,
    live: bool,
    entries: HashMap<[u8; 32], (Identity, Instant)>,
}

impl Default for AuthCache {
    fn default() -> Self {
        Self::new(CACHE_TTL)
    }
}

impl AuthCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            state: Mutex::new(CacheState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        // A panic while holding the lock leaves nothing half-done worth refusing over.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The identity kept for a token hash, if still fresh and unexpired.
    pub fn get(&self, key: &[u8; 32]) -> Option<Identity> {
        let mut state = self.lock();
        let (identity, at) = state.entries.get(key)?;
        let fresh = at.elapsed() < self.ttl && identity.expires_at.is_none_or(|e| e > Utc::now());
        if fresh {
            Some(identity.clone())
        } else {
            state.entries.remove(key);
            None
        }
    }

    /// Changes whenever the cache is cleared.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keeps `identity` unless the cache was cleared since `generation` was read, or is not
    /// following revocations.
    pub fn insert(&self, generation: u64, key: [u8; 32], identity: Identity) {
        let mut state = self.lock();
        if !state.live || state.generation != generation {
            return;
        }
        if state.entries.len() >= CACHE_MAX_ENTRIES {
            state.entries.clear();
        }
        state.entries.insert(key, (identity, Instant::now()));
    }

    /// Forgets everything: a revocation was announced.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.generation = state.generation.wrapping_add(1);
        state.entries.clear();
    }

    /// Whether revocation announcements are being received. While they are not, nothing
    /// is kept (and what was kept is dropped).
    pub fn set_live(&self, live: bool) {
        let mut state = self.lock();
        state.live = live;
        state.generation = state.generation.wrapping_add(1);
        state.entries.clear();
    }

    /// Whether revocation announcements are being received.
    pub fn is_live(&self) -> bool {
        self.lock().live
    }
}

/// A cache of validated tokens that follows the revocations announced on `bus` for as
/// long as it is in use: cleared on every announcement, and keeping nothing while the
/// subscription is down, so a missed announcement cannot keep a revoked token alive.
pub fn follow_revocations(
    bus: &std::sync::Arc<dyn ajet_bus::EventBus>,
) -> std::sync::Arc<AuthCache> {
    use futures::StreamExt;
    let cache = std::sync::Arc::new(AuthCache::default());
    let weak = std::sync::Arc::downgrade(&cache);
    let bus = bus.clone();
    tokio::spawn(async move {
        loop {
            match bus.signals(REVOKED_SUBJECT.to_owned()).await {
                Ok(mut signals) => {
                    let Some(cache) = weak.upgrade() else { return };
                    cache.set_live(true);
                    drop(cache);
                    while signals.next().await.is_some() {
                        let Some(cache) = weak.upgrade() else { return };
                        cache.clear();
                    }
                    let Some(cache) = weak.upgrade() else { return };
                    cache.set_live(false);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot follow revocations; not caching tokens");
                }
            }
            if weak.strong_count() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    cache
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            user_id: UserId::new(),
            grant: Grant::Session(SessionId::new()),
            expires_at: None,
        }
    }

    #[test]
    fn nothing_is_kept_until_live() {
        let cache = AuthCache::default();
        cache.insert(cache.generation(), [1; 32], identity());
        assert!(cache.get(&[1; 32]).is_none());
        cache.set_live(true);
        cache.insert(cache.generation(), [1; 32], identity());
        assert!(cache.get(&[1; 32]).is_some());
    }

    #[test]
    fn a_clear_during_a_lookup_drops_its_answer() {
        let cache = AuthCache::default();
        cache.set_live(true);
        let generation = cache.generation();
        cache.clear();
        cache.insert(generation, [1; 32], identity());
        assert!(cache.get(&[1; 32]).is_none());
    }

    #[test]
    fn entries_expire_with_the_ttl_or_the_credential() {
        let cache = AuthCache::new(Duration::from_millis(0));
        cache.set_live(true);
        cache.insert(cache.generation(), [1; 32], identity());
        assert!(cache.get(&[1; 32]).is_none());
        let cache = AuthCache::default();
        cache.set_live(true);
        let expired = Identity {
            expires_at: Some(Utc::now() - chrono::Duration::seconds(1)),
            ..identity()
        };
        cache.insert(cache.generation(), [2; 32], expired);
        assert!(cache.get(&[2; 32]).is_none());
    }
}
