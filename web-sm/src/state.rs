//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use ajet_realtime::session::Sessions;
use axum::extract::FromRef;

/// Cheap to clone; derefs to [`Inner`].
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    /// The api (without a token; each request adds its user's), the hub, the stop signal.
    pub sessions: Sessions,
    /// Templates, parsed once at start.
    pub templates: minijinja::Environment<'static>,
}

impl AppState {
    pub fn new(sessions: Sessions, templates: minijinja::Environment<'static>) -> Self {
        Self(Arc::new(Inner {
            sessions,
            templates,
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl FromRef<AppState> for Sessions {
    fn from_ref(state: &AppState) -> Sessions {
        state.sessions.clone()
    }
}
