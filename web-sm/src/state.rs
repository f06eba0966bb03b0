//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use ajet_realtime::session::Sessions;
use axum::extract::FromRef;

use crate::render::Renderer;

/// Cheap to clone; derefs to [`Inner`].
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    /// The api (without a token; each request adds its user's), the hub, the stop signal.
    pub sessions: Sessions,
    /// Templates and markdown, shared with the live stream's framer.
    pub renderer: Arc<Renderer>,
}

impl AppState {
    pub fn new(sessions: Sessions, renderer: Arc<Renderer>) -> Self {
        Self(Arc::new(Inner { sessions, renderer }))
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
