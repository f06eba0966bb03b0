//! Validated tokens, kept briefly and forgotten everywhere when a revocation is announced.
//!
//! The gateway and the api both validate every token. An [`AuthCache`] makes that cheap:
//! a found identity is kept for [`CACHE_TTL`], and every process clears its cache when a
//! revocation is [`announce`]d on [`subjects::AUTH_REVOKED`] (core NATS), so a revoked
//! session or token stops working everywhere within moments. A cache that is not
//! following the announcements ([`AuthCache::set_live`]) keeps nothing, so a missed
//! announcement can never keep a revoked token alive.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ajet_bus::EventBus;
use ajet_core::auth::Identity;
use ajet_core::subjects;
use chrono::Utc;
use futures::StreamExt;

/// How long a validated token is trusted without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(30);

/// Entries beyond which the cache starts over, bounding its memory.
const CACHE_MAX_ENTRIES: usize = 100_000;

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

    fn lock(&self) -> MutexGuard<'_, CacheState> {
        // A panic while holding the lock leaves nothing half-done worth refusing over.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The identity kept for `key` (a token's hash), else the one `lookup` finds, which
    /// is then kept unless a revocation was announced while `lookup` ran.
    pub async fn resolve<E, F, Fut>(&self, key: [u8; 32], lookup: F) -> Result<Option<Identity>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<Identity>, E>>,
    {
        if let Some(identity) = self.get(&key) {
            return Ok(Some(identity));
        }
        // Read the generation before looking up: a revocation announced meanwhile bumps
        // it, and the possibly stale answer is then not kept.
        let generation = self.generation();
        let found = lookup().await?;
        if let Some(identity) = &found {
            self.insert(generation, key, identity.clone());
        }
        Ok(found)
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

/// Other validated secrets (a webhook's token, with the webhook it opens), kept like
/// identities and forgotten with them: whenever `auth` is cleared by an announced
/// revocation, or stops following the announcements, everything here is dropped too.
pub struct Companion<V> {
    auth: Arc<AuthCache>,
    ttl: Duration,
    /// The generation of `auth` the entries belong to, and the entries.
    state: Mutex<(u64, Entries<V>)>,
}

type Entries<V> = HashMap<[u8; 32], (V, Instant)>;

impl<V: Clone> Companion<V> {
    pub fn new(auth: Arc<AuthCache>, ttl: Duration) -> Self {
        Self {
            auth,
            ttl,
            state: Mutex::new((0, HashMap::new())),
        }
    }

    /// The value kept for `key` (a secret's hash), else the one `lookup` finds, which is
    /// then kept unless a revocation was announced while `lookup` ran.
    pub async fn resolve<E, F, Fut>(&self, key: [u8; 32], lookup: F) -> Result<Option<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<V>, E>>,
    {
        let generation = self.auth.generation();
        if let Some(value) = self.get(generation, &key) {
            return Ok(Some(value));
        }
        let found = lookup().await?;
        if let Some(value) = &found {
            self.insert(generation, key, value.clone());
        }
        Ok(found)
    }

    fn get(&self, generation: u64, key: &[u8; 32]) -> Option<V> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.0 != generation || !self.auth.is_live() {
            state.0 = generation;
            state.1.clear();
            return None;
        }
        match state.1.get(key) {
            Some((value, at)) if at.elapsed() < self.ttl => Some(value.clone()),
            Some(_) => {
                state.1.remove(key);
                None
            }
            None => None,
        }
    }

    fn insert(&self, generation: u64, key: [u8; 32], value: V) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.0 != generation || self.auth.generation() != generation || !self.auth.is_live() {
            return;
        }
        if state.1.len() >= CACHE_MAX_ENTRIES {
            state.1.clear();
        }
        state.1.insert(key, (value, Instant::now()));
    }
}

/// A cache of validated tokens that follows the revocations announced on `bus` for as
/// long as it is in use: cleared on every announcement, and keeping nothing while the
/// subscription is down, so a missed announcement cannot keep a revoked token alive.
pub fn follow_revocations(bus: &Arc<dyn EventBus>) -> Arc<AuthCache> {
    let cache = Arc::new(AuthCache::default());
    let weak = Arc::downgrade(&cache);
    let bus = bus.clone();
    tokio::spawn(async move {
        loop {
            match bus.signals(subjects::AUTH_REVOKED.to_owned()).await {
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

/// Tells every gateway and api instance that a credential (`what`: "session", "token",
/// "account", …) was revoked, and forgets locally at once.
pub async fn announce(bus: &dyn EventBus, cache: &AuthCache, what: &str) {
    cache.clear();
    let payload = serde_json::json!({ "revoked": what }).to_string();
    if let Err(err) = bus
        .publish_signal(subjects::AUTH_REVOKED.to_owned(), payload.into())
        .await
    {
        // The other instances still drop the credential when their cache entry expires.
        tracing::warn!(error = %err, "cannot announce a revocation");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ajet_core::auth::Grant;
    use ajet_core::{SessionId, UserId};

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

    #[tokio::test]
    async fn a_companion_forgets_with_the_identities() {
        let auth = Arc::new(AuthCache::default());
        let companion: Companion<u32> = Companion::new(auth.clone(), Duration::from_secs(30));
        let mut asked = 0;
        let mut ask = async |companion: &Companion<u32>| {
            companion
                .resolve([7; 32], || {
                    asked += 1;
                    std::future::ready(Ok::<_, ()>(Some(7)))
                })
                .await
        };
        // Not following revocations: nothing kept.
        ask(&companion).await.unwrap();
        ask(&companion).await.unwrap();
        auth.set_live(true);
        ask(&companion).await.unwrap();
        ask(&companion).await.unwrap();
        // A revocation announced: asked again.
        auth.clear();
        ask(&companion).await.unwrap();
        ask(&companion).await.unwrap();
        assert_eq!(asked, 4);
    }

    #[tokio::test]
    async fn resolve_asks_once_then_answers_from_the_cache() {
        let cache = AuthCache::default();
        cache.set_live(true);
        let who = identity();
        let mut asked = 0;
        for _ in 0..3 {
            let found = cache
                .resolve([3; 32], || {
                    asked += 1;
                    std::future::ready(Ok::<_, ()>(Some(who.clone())))
                })
                .await;
            assert_eq!(found, Ok(Some(who.clone())));
        }
        assert_eq!(asked, 1);
        // Unknown tokens are not kept: each attempt asks again.
        for _ in 0..2 {
            let found = cache
                .resolve([4; 32], || {
                    asked += 1;
                    std::future::ready(Ok::<_, ()>(None))
                })
                .await;
            assert_eq!(found, Ok(None));
        }
        assert_eq!(asked, 3);
        // Failures are passed on and not kept.
        let failed = cache
            .resolve([5; 32], || {
                std::future::ready(Err::<Option<Identity>, _>("down"))
            })
            .await;
        assert_eq!(failed, Err("down"));
    }

    #[tokio::test]
    async fn a_revocation_during_resolve_drops_its_answer() {
        let cache = AuthCache::default();
        cache.set_live(true);
        let who = identity();
        let found = cache
            .resolve([6; 32], || {
                cache.clear();
                std::future::ready(Ok::<_, ()>(Some(who.clone())))
            })
            .await;
        assert_eq!(found, Ok(Some(who)));
        assert!(cache.get(&[6; 32]).is_none());
    }
}
