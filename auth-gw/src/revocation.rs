//! Revocations: announced on the bus by whoever revokes, heard by every gateway and api
//! instance, each of which then forgets the tokens it had validated.

use std::sync::Arc;
use std::time::Duration;

use ajet_bus::EventBus;
use ajet_db::auth::{AuthCache, REVOKED_SUBJECT};
use futures::StreamExt;

use crate::state::AppState;

/// A token cache that follows the announcements for as long as it is in use. While the
/// subscription is down it keeps nothing, so a missed announcement cannot keep a revoked
/// token alive.
pub fn follow(bus: &Arc<dyn EventBus>) -> Arc<AuthCache> {
    let cache = Arc::new(AuthCache::default());
    let weak = Arc::downgrade(&cache);
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

/// Tells every instance that a credential was revoked; forgets locally at once.
pub async fn announce(state: &AppState, what: &str) {
    state.auth_cache.clear();
    let payload = serde_json::json!({ "revoked": what }).to_string();
    if let Err(err) = state
        .bus
        .publish_signal(REVOKED_SUBJECT.to_owned(), payload.into())
        .await
    {
        // The other instances still drop it when their cache entry expires.
        tracing::warn!(error = %err, "cannot announce a revocation");
    }
}
