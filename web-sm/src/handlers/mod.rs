//! Request handlers.

pub mod health;
pub mod home;
