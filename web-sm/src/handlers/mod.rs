//! Request handlers.

pub mod events;
pub mod health;
pub mod home;
