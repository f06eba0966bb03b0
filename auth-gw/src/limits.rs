//! Rate limits: per client address for anonymous requests, per person, per API token, per
//! webhook, and for login attempts per account name and per address. Over the limit the
//! answer is 429 with `Retry-After` and a typed body.
//!
//! The counters live in this process (GCRA, from `governor`). With several gateway
//! instances each enforces its own share, which is the usual trade for not paying a
//! round trip to shared storage on every request.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use ajet_core::{TokenId, UserId, WebhookId};

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, NotUntil, Quota, RateLimiter};

use crate::config::RateLimits;

/// What a request is counted against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Ip(IpAddr),
    User(UserId),
    Token(TokenId),
    Webhook(WebhookId),
}

/// Every limiter of the gateway.
pub struct Limiters {
    ip: DefaultKeyedRateLimiter<IpAddr>,
    user: DefaultKeyedRateLimiter<UserId>,
    token: DefaultKeyedRateLimiter<TokenId>,
    webhook: DefaultKeyedRateLimiter<WebhookId>,
    login_account: DefaultKeyedRateLimiter<String>,
    login_ip: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn per_minute<K: Clone + Eq + Hash>(n: u32) -> DefaultKeyedRateLimiter<K> {
    RateLimiter::keyed(Quota::per_minute(
        NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN),
    ))
}

impl Limiters {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            ip: per_minute(limits.ip),
            user: per_minute(limits.user),
            token: per_minute(limits.token),
            webhook: per_minute(limits.webhook),
            login_account: per_minute(limits.login_account),
            login_ip: per_minute(limits.login_ip),
            clock: DefaultClock::default(),
        }
    }

    fn wait<T>(&self, checked: Result<(), NotUntil<T>>) -> Result<(), Duration>
    where
        T: governor::clock::Reference,
        DefaultClock: Clock<Instant = T>,
    {
        checked.map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Counts one request against `key`; over the limit, how long to wait.
    pub fn check(&self, key: &Key) -> Result<(), Duration> {
        match key {
            Key::Ip(ip) => self.wait(self.ip.check_key(ip)),
            Key::User(user) => self.wait(self.user.check_key(user)),
            Key::Token(token) => self.wait(self.token.check_key(token)),
            Key::Webhook(webhook) => self.wait(self.webhook.check_key(webhook)),
        }
    }

    /// Counts one login or sign-up attempt from `ip`, and for `account` when named.
    pub fn check_login(&self, ip: IpAddr, account: Option<&str>) -> Result<(), Duration> {
        self.wait(self.login_ip.check_key(&ip))?;
        if let Some(account) = account {
            self.wait(self.login_account.check_key(&account.to_lowercase()))?;
        }
        Ok(())
    }

    /// Drops the state of keys that have been quiet, bounding memory.
    pub fn forget_idle(&self) {
        self.ip.retain_recent();
        self.user.retain_recent();
        self.token.retain_recent();
        self.webhook.retain_recent();
        self.login_account.retain_recent();
        self.login_ip.retain_recent();
    }
}

/// The 429 answer.
pub fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let mut response = ajet_edge::ErrorResponse::new(
        ajet_core::ErrorCode::RateLimited,
        format!("too many requests; try again in {secs} s"),
    )
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
