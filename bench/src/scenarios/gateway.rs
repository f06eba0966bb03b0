//! (e) Gateway overhead: the same authenticated `GET /api/me`, alternately through the
//! gateway and straight to the api, each on its own keep-alive connection; the difference
//! of the medians is what the gateway adds.

use std::time::Instant;

use anyhow::bail;

use crate::http::Conn;
use crate::stack::Stack;
use crate::stats::Latencies;

/// Requests on each path before measuring (connections, caches).
const WARM_UP: usize = 50;

pub struct Outcome {
    pub via_gateway: Latencies,
    pub direct: Latencies,
}

pub async fn run(stack: &Stack, token: &str, requests: usize) -> anyhow::Result<Outcome> {
    let mut gateway = Conn::open(stack.gateway.addr).await?;
    let mut api = Conn::open(stack.api.addr).await?;
    let mut outcome = Outcome {
        via_gateway: Latencies::new()?,
        direct: Latencies::new()?,
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
    Ok(outcome)
}
