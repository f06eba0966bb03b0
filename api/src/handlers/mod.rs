//! Request handlers, one file a handler, grouped by resource.

pub mod channels;
pub mod commands;
pub mod communities;
pub mod dms;
pub mod files;
pub mod health;
pub mod identity;
pub mod me;
pub mod messages;
pub mod moderation;
pub mod notifications;
pub mod presence;
pub mod search;
