//! Who is typing where, as a receiving client keeps it: a `typing` event shows the
//! indicator, a stop (or 15 s without a new start) hides it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ajet_core::{ChannelId, Envelope, EventData, UserId};

/// How long an indicator stays without a new `typing` event.
pub const TYPING_EXPIRES: Duration = Duration::from_secs(15);

/// The typing indicators a client shows.
#[derive(Debug, Default)]
pub struct TypingIndicators {
    since: HashMap<(ChannelId, UserId), Instant>,
}

impl TypingIndicators {
    /// Takes in an event received at `now`; other events are ignored.
    pub fn observe(&mut self, event: &Envelope, now: Instant) {
        let (Some(channel), EventData::Typing { user_id, typing }) =
            (event.channel_id, &event.data)
        else {
            // A message from someone ends their indicator, as Slack's does.
            if let (Some(channel), EventData::MessageCreated(m)) = (event.channel_id, &event.data) {
                self.since.remove(&(channel, m.author_id));
            }
            return;
        };
        if *typing {
            self.since.insert((channel, *user_id), now);
        } else {
            self.since.remove(&(channel, *user_id));
        }
    }

    /// Who is typing in `channel` at `now`, dropping indicators older than
    /// [`TYPING_EXPIRES`].
    pub fn typing_in(&mut self, channel: ChannelId, now: Instant) -> Vec<UserId> {
        self.since
            .retain(|_, since| now.saturating_duration_since(*since) < TYPING_EXPIRES);
        let mut users: Vec<UserId> = self
            .since
            .keys()
            .filter(|(c, _)| *c == channel)
            .map(|(_, u)| *u)
            .collect();
        users.sort();
        users
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typing(channel: ChannelId, user: UserId, on: bool) -> Envelope {
        Envelope::for_channel(
            None,
            channel,
            Some(user),
            EventData::Typing {
                user_id: user,
                typing: on,
            },
        )
    }

    #[test]
    fn indicators_show_stop_and_expire_after_15_s_of_silence() {
        let mut t = TypingIndicators::default();
        let (here, there) = (ChannelId::new(), ChannelId::new());
        let (a, b) = (UserId::new(), UserId::new());
        let start = Instant::now();
        t.observe(&typing(here, a, true), start);
        t.observe(&typing(there, b, true), start);
        assert_eq!(t.typing_in(here, start), vec![a]);

        // A new keypress 10 s in keeps it alive past the first 15 s.
        t.observe(&typing(here, a, true), start + Duration::from_secs(10));
        assert_eq!(t.typing_in(here, start + Duration::from_secs(20)), vec![a]);
        assert!(
            t.typing_in(here, start + Duration::from_secs(25))
                .is_empty()
        );
        assert!(
            t.typing_in(there, start + Duration::from_secs(16))
                .is_empty()
        );

        t.observe(&typing(here, b, true), start);
        t.observe(&typing(here, b, false), start + Duration::from_secs(1));
        assert!(t.typing_in(here, start + Duration::from_secs(2)).is_empty());
    }
}
