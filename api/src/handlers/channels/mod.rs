//! Channels.

pub mod list;
