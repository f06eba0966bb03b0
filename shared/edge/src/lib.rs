//! What every ajet-chat service does the same way at its edge.
//!
//! - [`ErrorResponse`]: the one way a service answers with an error,
//!   `{"error": code, "message": sentence}` with the status the code implies, and the
//!   extractors ([`JsonBody`], [`PathParam`], [`QueryParams`]) whose rejections answer so.
//! - [`token`]: the token a request presents (bearer, else the session cookie) and the
//!   session cookie's name.
//! - [`assets`]: static files compiled into a binary, served with ETags.
//! - [`revocation`]: the cache of validated tokens that every gateway and api instance
//!   keeps, cleared everywhere when a revocation is announced.
//!
//! The session managers link this crate, so it must never depend on the database.

pub mod assets;
pub mod error;
pub mod extract;
pub mod revocation;
pub mod token;

pub use error::{ErrorResponse, not_found};
pub use extract::{JsonBody, PathParam, QueryParams};
pub use token::{SESSION_COOKIE, has_bearer, presented_token};
