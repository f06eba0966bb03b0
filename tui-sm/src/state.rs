//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use ajet_realtime::session::Sessions;

/// Cheap to clone; derefs to [`Sessions`]: the api, the hub and the stop signal.
#[derive(Clone)]
pub struct AppState(Arc<Sessions>);

impl AppState {
    pub fn new(sessions: Sessions) -> Self {
        Self(Arc::new(sessions))
    }
}

impl Deref for AppState {
    type Target = Sessions;

    fn deref(&self) -> &Sessions {
        &self.0
    }
}
