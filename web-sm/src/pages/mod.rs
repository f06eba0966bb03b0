//! The web client's pages: the app shell with its sidebar, a channel's history and
//! composer, and the static files they load. Everything is read through the api with the
//! viewer's own session; a page works without JavaScript for reading and for sending
//! with a plain form post, and `static/live.js` makes it live over `/events`.

pub mod assets;
pub mod browse;
pub mod channel;
pub mod emoji;
mod shell;
pub mod thread;
mod viewer;

pub use viewer::Viewer;
