//! The ajet-chat REST API: every read and write, and the relay that publishes the events
//! those writes record.
//!
//! [`router`] builds the whole app from an [`AppState`], so tests run it in-process against
//! the real database and bus.

pub mod auth;
pub mod authz;
pub mod commands;
pub mod config;
pub mod custom_commands;
pub mod delivery_log;
pub mod error;
pub mod events;
pub mod files;
pub mod handlers;
pub mod moderation;
pub mod openapi;
pub mod posting;
pub mod relay;
pub mod routes;
pub mod slash;
pub mod state;

pub use routes::router;
pub use state::AppState;
