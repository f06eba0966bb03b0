//! A typed client for the ajet-chat API and its live streams.
//!
//! The cli uses it through the gateway with the user's token; the session managers use it
//! to call the api directly with the token of the user they serve; the tests use it to
//! drive the real services. Errors carry the server's typed code and sentence.

mod client;
mod commands;
mod domain;
mod error;
mod files;
mod identity;
mod search;
pub mod sse;
pub mod typing;

pub use client::{Client, PageCursor};
pub use error::{Error, Result};
pub use files::{Progress, disposition_name, quiet};
