//! (e) Gateway overhead: the same authenticated `GET /api/me`, alternately through the
//! gateway and straight to the api, each on its own keep-alive connection; the difference
//! of the medians is what the gateway adds. The same is done, one at a time, for a post
//! (a durable commit), which shows what a single unloaded post costs on each path.

use std::time::Instant;

use anyhow::bail;
use hyper::Method;

use crate::http::Conn;
use crate::setup::Population;
use crate::stack::Stack;
use crate::stats::{Epoch, Latencies};

/// Requests on each path before measuring (connections, caches).
const WARM_UP: usize = 50;

pub struct Outcome {
    pub via_gateway: Latencies,
    pub direct: Latencies,
    pub post_via_gateway: Latencies,
    pub post_direct: Latencies,
}

pub async fn run(
    stack: &Stack,
    people: &Population,
    requests: usize,
    epoch: Epoch,
) -> anyhow::Result<Outcome> {
    let token = people.tokens[0].as_str();
    let channel = people.channel("gateway", &people.users[..1]).await?;
    let post_path = format!("/api/channels/{channel}/messages");
    let mut gateway = Conn::open(stack.gateway.addr).await?;
    let mut api = Conn::open(stack.api.addr).await?;
    let mut outcome = Outcome {
        via_gateway: Latencies::new()?,
        direct: Latencies::new()?,
        post_via_gateway: Latencies::new()?,
        post_direct: Latencies::new()?,
    };
    for i in 0..requests + WARM_UP {
        // Alternating, so that anything else happening on the machine hits both alike.
        for (conn, latencies) in [
            (&mut gateway, &mut outcome.via_gateway),
            (&mut api, &mut outcome.direct),
        ] {
            let start = Instant::now();
            let (status, body) = conn.get("/api/me", Some(token)).await?;
            if !status.is_success() {
                bail!(
                    "GET /api/me answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            if i >= WARM_UP {
                latencies.record(start.elapsed());
            }
        }
    }
    // Posts are slower; a tenth as many suffice for a median.
    for i in 0..requests / 10 + WARM_UP {
        for (conn, latencies) in [
            (&mut gateway, &mut outcome.post_via_gateway),
            (&mut api, &mut outcome.post_direct),
        ] {
            let start = Instant::now();
            let body = super::stamped_post(epoch);
            let (status, answer) = conn
                .send(Method::POST, &post_path, Some(token), Some(body))
                .await?;
            if !status.is_success() {
                bail!(
                    "POST {post_path} answered {status}: {}",
                    String::from_utf8_lossy(&answer)
                );
            }
            if i >= WARM_UP {
                latencies.record(start.elapsed());
            }
        }
    }
    Ok(outcome)
}
