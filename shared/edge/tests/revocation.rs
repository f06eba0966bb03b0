//! Revocations travel between instances over real NATS: an announcement on one clears the
//! caches of all.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers fail the test loudly"
)]

use std::sync::Arc;
use std::time::Duration;

use ajet_bus::EventBus;
use ajet_bus::nats::{NatsBus, StreamSettings};
use ajet_core::auth::{Grant, Identity};
use ajet_core::{SessionId, UserId};
use ajet_edge::revocation::{AuthCache, announce, follow_revocations};

async fn bus(name: &str) -> Arc<dyn EventBus> {
    let url = std::env::var("AJET_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    Arc::new(
        NatsBus::connect(&url, name, StreamSettings::default())
            .await
            .unwrap(),
    )
}

fn identity() -> Identity {
    Identity {
        user_id: UserId::new(),
        grant: Grant::Session(SessionId::new()),
        expires_at: None,
    }
}

async fn until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..100 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Keeps an entry (retrying when an announcement from another test run on the same NATS
/// happens to clear the cache in between).
fn keep(cache: &AuthCache, key: [u8; 32]) {
    for _ in 0..10 {
        cache.insert(cache.generation(), key, identity());
        if cache.get(&key).is_some() {
            return;
        }
    }
    panic!("a live cache keeps what it is given");
}

fn key() -> [u8; 32] {
    let mut key = [0; 32];
    key[..16].copy_from_slice(UserId::new().as_uuid().as_bytes());
    key
}

#[tokio::test]
async fn an_announcement_clears_every_instance() {
    let (one_bus, two_bus) = (bus("edge-test-one").await, bus("edge-test-two").await);
    let one = follow_revocations(&one_bus);
    let two = follow_revocations(&two_bus);
    until("both caches follow revocations", || {
        one.is_live() && two.is_live()
    })
    .await;
    let key = key();
    keep(&one, key);
    keep(&two, key);

    announce(one_bus.as_ref(), &one, "session").await;
    assert!(one.get(&key).is_none(), "the announcer forgets at once");
    until("the other instance forgets", || two.get(&key).is_none()).await;
    assert!(two.is_live(), "still following after an announcement");
}
