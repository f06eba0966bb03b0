//! The routes every session manager serves alike: the live stream and its signals, and
//! readiness. Each session manager mounts them under its own paths, on a state from which
//! [`Sessions`](crate::session::Sessions) is taken (`impl FromRef<AppState> for Sessions`):
//!
//! ```
//! use ajet_realtime::handlers;
//! use ajet_realtime::session::Sessions;
//! use axum::Router;
//! use axum::extract::FromRef;
//! use axum::routing::{get, post};
//!
//! #[derive(Clone)]
//! struct AppState {
//!     sessions: Sessions,
//! }
//!
//! impl FromRef<AppState> for Sessions {
//!     fn from_ref(state: &AppState) -> Sessions {
//!         state.sessions.clone()
//!     }
//! }
//!
//! fn router(state: AppState) -> Router {
//!     Router::new()
//!         .route("/ready", get(handlers::ready))
//!         .route("/tui/stream", get(handlers::open_stream))
//!         .route("/tui/typing", post(handlers::typing))
//!         .route("/tui/view", post(handlers::switch_view))
//!         .with_state(state)
//! }
//! ```
//!
//! What differs between session managers is how their clients are sent events, and that
//! is the hub's [`Framer`](crate::frame::Framer), chosen at start-up: the handlers here
//! pass frames on as rendered.

mod ready;
mod stream;
mod user;

pub use ready::ready;
pub use stream::{StreamQuery, open_stream, switch_view, typing};
pub use user::UserApi;
