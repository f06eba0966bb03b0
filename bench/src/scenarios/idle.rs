//! (d) Idle capacity: N SSE streams held open on one fresh terminal session manager, each
//! a different user (so the figure includes each stream's authentication and subscription
//! state); its resident memory before and after, divided by N. For comparison, the same
//! is measured on another fresh session manager for N plain keep-alive connections (one
//! `GET /health` each, then idle): what a connection costs before any stream exists.

use std::time::{Duration, Instant};

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};

use super::deliver::Sm;
use crate::http::{Conn, SseStream};
use crate::procfs;
use crate::setup::Population;
use crate::stack::{self, Stack};

/// Streams opened before the first measurement, so that one-time allocations (the first
/// api connection, lazily built tables) are not counted per connection.
pub const WARM_UP: usize = 10;
/// Streams opened at once.
const CONNECTING: usize = 100;
/// How long memory is left to settle before each measurement.
const SETTLE: Duration = Duration::from_secs(2);

pub struct Outcome {
    pub conns: usize,
    pub kib_per_conn: f64,
    pub opened_per_s: f64,
    /// KiB per plain keep-alive connection that holds no stream.
    pub plain_kib_per_conn: f64,
}

pub async fn run(stack: &mut Stack, people: &Population, n: usize) -> anyhow::Result<Outcome> {
    let (conns, kib_per_conn, opened_per_s) = streams(stack, people, n, Sm::Tui).await?;
    Ok(Outcome {
        conns,
        kib_per_conn,
        opened_per_s,
        plain_kib_per_conn: plain(stack, n).await?,
    })
}

/// Holds `n` idle streams of `kind` on a fresh session manager of that kind; how many were
/// held, the KiB each costs, and how fast they opened.
pub async fn streams(
    stack: &mut Stack,
    people: &Population,
    n: usize,
    kind: Sm,
) -> anyhow::Result<(usize, f64, f64)> {
    // A session manager of its own: what it holds is these streams and nothing else.
    let binary = match kind {
        Sm::Tui => "ajet-tui-sm",
        Sm::Web => "ajet-web-sm",
    };
    let path = kind.path();
    let sm = stack.spawn_extra(binary)?;
    stack::wait_ready(sm.addr, Duration::from_secs(30)).await?;
    let pid = sm.pid()?;
    let open = |tokens: &[String]| {
        let addr = sm.addr;
        let tokens = tokens.to_vec();
        async move {
            futures::stream::iter(tokens)
                .map(|token| async move {
                    let mut stream = SseStream::open(addr, path, &token).await?;
                    stream.connected().await?;
                    anyhow::Ok(stream)
                })
                .buffer_unordered(CONNECTING)
                .try_collect::<Vec<_>>()
                .await
        }
    };
    let warm = open(&people.tokens[..WARM_UP]).await?;
    tokio::time::sleep(SETTLE).await;
    let before = procfs::rss_kib(pid)?;
    let started = Instant::now();
    let held = open(&people.tokens[WARM_UP..WARM_UP + n])
        .await
        .with_context(|| format!("cannot hold {n} streams open"))?;
    let opened_per_s = n as f64 / started.elapsed().as_secs_f64();
    // The session manager finishes each stream's opening in the background.
    super::settle(&[pid, stack.api.pid()?]).await?;
    tokio::time::sleep(SETTLE).await;
    let after = procfs::rss_kib(pid)?;
    let conns = held.len();
    let kib_per_conn = after.saturating_sub(before) as f64 / n as f64;
    drop(held);
    drop(warm);
    sm.kill().await;
    Ok((conns, kib_per_conn, opened_per_s))
}

/// KiB of resident memory per idle keep-alive connection that asked for `/health` once.
async fn plain(stack: &mut Stack, n: usize) -> anyhow::Result<f64> {
    let sm = stack.spawn_extra("ajet-tui-sm")?;
    stack::wait_ready(sm.addr, Duration::from_secs(30)).await?;
    let pid = sm.pid()?;
    let addr = sm.addr;
    let open = |count: usize| {
        futures::stream::iter(0..count)
            .map(|_| async move {
                let mut conn = Conn::open(addr).await?;
                conn.get("/health", None).await?;
                anyhow::Ok(conn)
            })
            .buffer_unordered(CONNECTING)
            .try_collect::<Vec<_>>()
    };
    let warm = open(WARM_UP).await?;
    tokio::time::sleep(SETTLE).await;
    let before = procfs::rss_kib(pid)?;
    let held = open(n).await?;
    tokio::time::sleep(SETTLE).await;
    let after = procfs::rss_kib(pid)?;
    drop(held);
    drop(warm);
    sm.kill().await;
    Ok(after.saturating_sub(before) as f64 / n as f64)
}
