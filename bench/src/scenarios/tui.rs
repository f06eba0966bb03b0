//! (g) The terminal client: a fresh `ajet-chat tui` client's time to its first screen
//! with history, against the stack through the gateway, and the time to draw a frame of a
//! 300 × 100 terminal with 10,000 messages arriving in the channel. Both on ratatui's
//! `TestBackend` (`ajet_chat::tui::bench`): the client's own work, not a terminal
//! emulator's.

use std::time::Duration;

use ajet_chat::tui::bench;

use crate::config::Plan;
use crate::setup::Population;
use crate::stack::Stack;
use crate::stats::Latencies;

/// The terminal size frames are drawn at.
const SIZE: (u16, u16) = (300, 100);

pub struct Outcome {
    /// The median of the fresh clients' times to their first screen.
    pub first_screen: Duration,
    pub frames: Latencies,
}

pub async fn run(stack: &Stack, people: &Population, plan: &Plan) -> anyhow::Result<Outcome> {
    // History to show: a page of messages in the first user's #general.
    let token = &people.tokens[0];
    let base = format!("http://{}", stack.gateway.addr);
    let client = ajet_sdk::Client::new(&base)?.with_token(token)?;
    let general = client
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .ok_or_else(|| anyhow::anyhow!("the benchmark's user has no #general"))?;
    for i in 0..50 {
        client
            .send_message(general.id, &format!("history **{i}** with `code`"))
            .await?;
    }
    let mut starts = Vec::with_capacity(plan.tui_starts);
    for _ in 0..plan.tui_starts {
        let fresh = ajet_sdk::Client::new(&base)?.with_token(token)?;
        starts.push(bench::first_screen(&fresh, SIZE).await?);
    }
    starts.sort();
    let first_screen = starts[starts.len() / 2];
    let mut frames = Latencies::new()?;
    for time in bench::frame_times(plan.tui_messages, SIZE, plan.tui_frames)? {
        frames.record(time);
    }
    Ok(Outcome {
        first_screen,
        frames,
    })
}
