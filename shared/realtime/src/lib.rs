//! Live delivery for the session managers: one reader of the event stream per process,
//! fanned out in-process to the connections entitled to each event, with resume.
//!
//! The [`Hub`] follows the bus's durable stream with a single ordered consumer and routes
//! each event by [`RouteKey`] (its channel, its community, or the user a notification is for)
//! to the connections registered for that key. What a connection is entitled to follows
//! the user's memberships as they change: a join adds the channel before its event is
//! delivered, a removal takes it away right after, without a reconnect. A connection that
//! reconnects with the id of the last event it saw is replayed what it missed, then joins
//! the live flow with nothing lost or repeated; if the stream no longer holds the gap, it
//! is told to reload. A connection whose buffer overflows is dropped (it resumes by id),
//! so a slow client never delays anyone else.
//!
//! Ephemeral signals travel beside the stream: typing indicators, batched presence
//! changes, and session signals such as switching the viewed community.
//!
//! Each event is rendered once into the SSE frame every entitled connection is sent, by
//! the session manager's [`frame::Framer`]: JSON for the terminal, HTML fragments for the
//! browser.

mod access;
mod coalesce;
pub mod frame;
pub mod handlers;
mod hub;
pub mod run;
pub mod serve;
pub mod session;
pub mod sse;

pub use access::Access;
pub use hub::{Delivery, Hub, HubConfig, RouteKey, Subscription};
