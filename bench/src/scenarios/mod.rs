//! The scenarios of issue 6, each driving the real stack as clients would.
//!
//! Messages carry the time they were sent in their body (`bench-t<nanoseconds>`, on the
//! benchmark's own clock), so a receiver measures POST-to-receipt latency from the event
//! alone, without any shared table of sends.

pub mod cold_start;
pub mod deliver;
pub mod files;
pub mod gateway;
pub mod idle;
pub mod post;
pub mod tui;
pub mod web;

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::procfs;
use crate::stats::Epoch;

/// CPU (in cores) below which the stack counts as quiet.
const QUIET_CPU: f64 = 0.05;
/// The longest wait for a quiet stack.
const SETTLE_AT_MOST: Duration = Duration::from_secs(20);

const MARKER: &[u8] = b"bench-t";

/// The JSON body of a post stamped with the current time.
pub fn stamped_post(epoch: Epoch) -> Bytes {
    let body = serde_json::json!({
        "body": format!("bench-t{}", epoch.now_nanos()),
        "idempotency_key": uuid::Uuid::new_v4().simple().to_string(),
    });
    Bytes::from(body.to_string())
}

/// The send time stamped in an SSE `data:` line, if it carries a benchmark message.
pub fn sent_at(line: &[u8]) -> Option<u64> {
    stamp_in(line.strip_prefix(b"data:")?)
}

/// The send time stamped anywhere in `data` (an event's JSON, on the bus or in a stream).
pub fn stamp_in(data: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(data, MARKER)? + MARKER.len();
    let digits = data[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&data[at..at + digits])
        .ok()?
        .parse()
        .ok()
}

/// Waits (at most [`SETTLE_AT_MOST`]) until `pids` together use less than
/// [`QUIET_CPU`] of a core over a quarter of a second.
async fn settle(pids: &[u32]) -> anyhow::Result<()> {
    let ticks = procfs::ticks_per_second();
    let window = Duration::from_millis(250);
    let give_up = Instant::now() + SETTLE_AT_MOST;
    let used = |pids: &[u32]| -> anyhow::Result<Duration> {
        pids.iter()
            .map(|pid| procfs::cpu_time(*pid, ticks))
            .sum::<anyhow::Result<Duration>>()
    };
    loop {
        let before = used(pids)?;
        tokio::time::sleep(window).await;
        let busy = used(pids)?.saturating_sub(before).as_secs_f64() / window.as_secs_f64();
        if busy < QUIET_CPU || Instant::now() > give_up {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_send_time_travels_in_the_body() {
        let epoch = Epoch::start();
        let post: serde_json::Value = serde_json::from_slice(&stamped_post(epoch)).unwrap();
        let body = post["body"].as_str().unwrap();
        let event = format!(
            r#"data:{{"id":42,"type":"message.created","data":{{"body":"{body}","seq":1}}}}"#
        );
        let sent = sent_at(event.as_bytes()).unwrap();
        assert!(sent <= epoch.now_nanos());
        assert_eq!(body, format!("bench-t{sent}"));
        assert!(post["idempotency_key"].as_str().unwrap().len() >= 32);
    }

    #[test]
    fn other_lines_carry_no_send_time() {
        assert_eq!(sent_at(b": connected"), None);
        assert_eq!(sent_at(b"id: 42"), None);
        assert_eq!(sent_at(br#"data:{"type":"typing"}"#), None);
        assert_eq!(sent_at(b"data: bench-t"), None);
        assert_eq!(sent_at(b"data: bench-t123\""), Some(123));
        assert_eq!(stamp_in(br#"{"body":"bench-t77"}"#), Some(77));
    }
}
