//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use ajet_realtime::Hub;
use tokio_util::sync::CancellationToken;

/// Cheap to clone; derefs to [`Inner`].
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    /// The api, without a token; each request adds its user's.
    pub api: ajet_sdk::Client,
    pub hub: Hub,
    /// Cancelled at shutdown: every open stream ends.
    pub stop: CancellationToken,
}

impl AppState {
    pub fn new(api: ajet_sdk::Client, hub: Hub, stop: CancellationToken) -> Self {
        Self(Arc::new(Inner { api, hub, stop }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
