//! The state every handler shares.

use ajet_realtime::session::Sessions;
use axum::extract::FromRef;

/// Cheap to clone: the api (without a token; each request adds its user's), the hub and
/// the stop signal.
#[derive(Clone)]
pub struct AppState {
    pub sessions: Sessions,
}

impl AppState {
    pub fn new(sessions: Sessions) -> Self {
        Self { sessions }
    }
}

impl FromRef<AppState> for Sessions {
    fn from_ref(state: &AppState) -> Sessions {
        state.sessions.clone()
    }
}
