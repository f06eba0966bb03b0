//! Request handlers of the web pages; the live stream's are shared with tui-sm
//! ([`ajet_realtime::handlers`]).

pub mod home;
