//! Request handlers, one file a handler, grouped by resource.

pub mod channels;
pub mod health;
pub mod identity;
pub mod me;
pub mod messages;
