//! Domain types shared by every ajet-chat crate.
//!
//! Nothing here does I/O: ids, the event envelope, the NATS subject names, the error codes
//! every service answers with, and the request and response bodies of the REST API. The cli
//! links this crate, so it must stay free of database, bus and storage dependencies.

pub mod auth;
pub mod cards;
pub mod commands;
pub mod dto;
pub mod error;
pub mod events;
pub mod files;
pub mod identity;
pub mod ids;
pub mod limits;
pub mod mentions;
pub mod moderation;
pub mod search;
pub mod subjects;

pub use error::{ErrorBody, ErrorCode};
pub use events::{Envelope, EventData};
pub use ids::*;
