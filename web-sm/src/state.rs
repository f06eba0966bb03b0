//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;

/// Cheap to clone; derefs to [`Inner`].
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    /// The api, without a token; each request adds its user's.
    pub api: ajet_sdk::Client,
    /// Templates, parsed once at start.
    pub templates: minijinja::Environment<'static>,
}

impl AppState {
    pub fn new(api: ajet_sdk::Client, templates: minijinja::Environment<'static>) -> Self {
        Self(Arc::new(Inner { api, templates }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
