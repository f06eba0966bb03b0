//! (b) Delivery latency and (c) fan-out: one sender posts at a steady rate through the
//! gateway; every member of the channel holds a terminal SSE stream through the gateway
//! and measures each message from the start of its POST to its receipt. Two more points
//! split that path: the POST's answer (the commit) and the event's arrival on the bus (a
//! core NATS subscriber on `chat.>` sees what the relay publishes). The session manager's,
//! the gateway's and the benchmark's own CPU over the run come from `/proc/<pid>/stat`.

use std::time::{Duration, Instant};

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use hyper::{Method, StatusCode};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::http::{Conn, SseStream};
use crate::procfs;
use crate::setup::Population;
use crate::stack::Stack;
use crate::stats::{Epoch, Latencies};

/// Connections the sender posts over, so that a slow answer does not delay the next post.
const SENDER_CONNECTIONS: usize = 4;
/// Streams opened at once while the subscribers connect.
const CONNECTING: usize = 64;
/// How long receivers wait for stragglers after the last post.
const GRACE: Duration = Duration::from_secs(10);

/// One run's shape.
pub struct Spec<'a> {
    /// The channel's name; it is created with the subscribers as members.
    pub channel: &'a str,
    pub subscribers: usize,
    /// Messages per second.
    pub rate: f64,
    pub messages: usize,
    /// Streams straight to the session manager rather than through the gateway (a
    /// diagnostic).
    pub direct: bool,
    /// Whose streams: the terminal's (`/tui/stream`) or the browser's (`/events`).
    pub sm: Sm,
}

/// The session manager a run's streams are held by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sm {
    Tui,
    Web,
}

impl Sm {
    /// The stream's path through the gateway.
    pub fn path(self) -> &'static str {
        match self {
            Self::Tui => "/tui/stream",
            Self::Web => "/events",
        }
    }

    pub fn service(self, stack: &Stack) -> &crate::stack::Service {
        match self {
            Self::Tui => &stack.tui_sm,
            Self::Web => &stack.web_sm,
        }
    }
}

pub struct Outcome {
    /// POST start to receipt by a subscriber.
    pub latencies: Latencies,
    /// POST start to its `201`.
    pub answered: Latencies,
    /// POST start to the event's arrival on the bus.
    pub on_bus: Latencies,
    /// Deliveries owed: messages posted × subscribers.
    pub expected: u64,
    pub received: u64,
    pub post_errors: u64,
    /// CPU of the session manager and of the gateway, in % of one core.
    pub sm_cpu_pct: f64,
    pub gw_cpu_pct: f64,
    /// The load generator's own CPU, which shares the machine's cores with the stack.
    pub bench_cpu_pct: f64,
}

pub async fn run(
    stack: &Stack,
    people: &Population,
    spec: Spec<'_>,
    epoch: Epoch,
) -> anyhow::Result<Outcome> {
    let members = &people.users[..spec.subscribers];
    let channel = people.channel(spec.channel, members).await?;
    let sm = spec.sm.service(stack);
    let path = spec.sm.path();
    let streams_at = if spec.direct {
        sm.addr
    } else {
        stack.gateway.addr
    };
    let streams: Vec<SseStream> = futures::stream::iter(&people.tokens[..spec.subscribers])
        .map(|token| async move {
            let mut stream = SseStream::open(streams_at, path, token).await?;
            stream.connected().await?;
            anyhow::Ok(stream)
        })
        .buffer_unordered(CONNECTING)
        .try_collect()
        .await
        .context("cannot open the subscribers' streams")?;

    // A session manager finishes opening a stream in the background (it asks the api
    // again for the user's access and contacts): wait until that is done, so that the
    // sending starts on a quiet stack.
    super::settle(&[stack.api.pid()?, sm.pid()?, stack.gateway.pid()?]).await?;

    let (sent_tx, sent_rx) = watch::channel(None::<u64>);
    let deadline = tokio::time::Instant::now()
        + Duration::from_secs_f64(spec.messages as f64 / spec.rate)
        + GRACE;
    let receivers: Vec<_> = streams
        .into_iter()
        .map(|stream| {
            tokio::spawn(receive(
                stream,
                sent_rx.clone(),
                deadline,
                epoch,
                spec.messages,
            ))
        })
        .collect();
    let bus = async_nats::connect(&stack.nats_url).await?;
    let bus_events = bus.subscribe("chat.>").await?;
    bus.flush().await?;
    let watcher = tokio::spawn(watch_bus(bus_events, sent_rx.clone(), deadline, epoch));

    let ticks = procfs::ticks_per_second();
    let (sm_pid, gw_pid) = (sm.pid()?, stack.gateway.pid()?);
    let me = std::process::id();
    let (sm_before, gw_before, me_before) = (
        procfs::cpu_time(sm_pid, ticks)?,
        procfs::cpu_time(gw_pid, ticks)?,
        procfs::cpu_time(me, ticks)?,
    );
    let wall = Instant::now();

    let (posted, post_errors, answered) = send(
        stack,
        &people.tokens[0],
        &format!("/api/channels/{channel}/messages"),
        &spec,
        epoch,
    )
    .await?;
    sent_tx.send_replace(Some(posted));

    let mut outcome = Outcome {
        latencies: Latencies::new()?,
        answered,
        on_bus: Latencies::new()?,
        expected: posted * spec.subscribers as u64,
        received: 0,
        post_errors,
        sm_cpu_pct: 0.0,
        gw_cpu_pct: 0.0,
        bench_cpu_pct: 0.0,
    };
    for receiver in receivers {
        let latencies = receiver.await.context("a receiver panicked")??;
        for latency in &latencies {
            outcome.latencies.record(*latency);
        }
        outcome.received += latencies.len() as u64;
    }
    outcome.on_bus = watcher.await.context("the bus watcher panicked")??;
    let elapsed = wall.elapsed().as_secs_f64();
    let pct = |before: Duration, after: Duration| {
        100.0 * after.saturating_sub(before).as_secs_f64() / elapsed
    };
    outcome.sm_cpu_pct = pct(sm_before, procfs::cpu_time(sm_pid, ticks)?);
    outcome.gw_cpu_pct = pct(gw_before, procfs::cpu_time(gw_pid, ticks)?);
    outcome.bench_cpu_pct = pct(me_before, procfs::cpu_time(me, ticks)?);
    Ok(outcome)
}

/// Posts `spec.messages` at `spec.rate`; how many were stored, how many refused, and
/// how long the stored ones took to be answered.
async fn send(
    stack: &Stack,
    token: &str,
    path: &str,
    spec: &Spec<'_>,
    epoch: Epoch,
) -> anyhow::Result<(u64, u64, Latencies)> {
    let (pool_tx, mut pool_rx) = mpsc::channel(SENDER_CONNECTIONS);
    for _ in 0..SENDER_CONNECTIONS {
        pool_tx.send(Conn::open(stack.gateway.addr).await?).await?;
    }
    let mut every = tokio::time::interval(Duration::from_secs_f64(1.0 / spec.rate));
    let mut posts = JoinSet::new();
    for _ in 0..spec.messages {
        every.tick().await;
        let mut conn = pool_rx.recv().await.context("the sender's pool closed")?;
        let (pool, token, path) = (pool_tx.clone(), token.to_owned(), path.to_owned());
        posts.spawn(async move {
            let start = Instant::now();
            let body = super::stamped_post(epoch);
            let answer = conn
                .send(Method::POST, &path, Some(&token), Some(body))
                .await;
            let took = start.elapsed();
            let _ = pool.send(conn).await;
            let (status, body) = answer?;
            if status != StatusCode::CREATED {
                eprintln!(
                    "ajet-bench: a post failed: {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            anyhow::Ok((status == StatusCode::CREATED).then_some(took))
        });
    }
    let (mut posted, mut refused, mut answered) = (0, 0, Latencies::new()?);
    while let Some(done) = posts.join_next().await {
        match done.context("a post panicked")?? {
            Some(took) => {
                answered.record(took);
                posted += 1;
            }
            None => refused += 1,
        }
    }
    Ok((posted, refused, answered))
}

/// Times each benchmark message's arrival on the bus, until all the posted ones came.
async fn watch_bus(
    mut events: async_nats::Subscriber,
    mut sent: watch::Receiver<Option<u64>>,
    deadline: tokio::time::Instant,
    epoch: Epoch,
) -> anyhow::Result<Latencies> {
    let mut latencies = Latencies::new()?;
    loop {
        if let Some(total) = *sent.borrow()
            && latencies.count() >= total
        {
            break;
        }
        tokio::select! {
            message = events.next() => match message {
                Some(message) => {
                    if let Some(at) = super::stamp_in(&message.payload) {
                        latencies.record(epoch.since(at));
                    }
                }
                None => break,
            },
            changed = sent.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    Ok(latencies)
}

/// Reads one stream until it has every message the sender posted, or the deadline; the
/// latency of each message received.
///
/// A thousand of these run beside the stack on the same cores, so each line costs as
/// little as it can: the deadline and the wait for the sender's total are set up once,
/// not for every line, and latencies go into a plain vector, merged into one histogram
/// once the run is over.
async fn receive(
    mut stream: SseStream,
    mut sent: watch::Receiver<Option<u64>>,
    deadline: tokio::time::Instant,
    epoch: Epoch,
    expected: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(expected);
    let mut total = *sent.borrow();
    let deadline = tokio::time::sleep_until(deadline);
    let sender_done = async {
        while sent.changed().await.is_ok() {
            if let Some(total) = *sent.borrow() {
                return Some(total);
            }
        }
        None
    };
    tokio::pin!(deadline, sender_done);
    loop {
        if total.is_some_and(|total| latencies.len() as u64 >= total) {
            break;
        }
        tokio::select! {
            line = stream.next_line() => match line? {
                Some(line) => {
                    if let Some(at) = super::sent_at(&line) {
                        latencies.push(epoch.since(at));
                    }
                }
                // The session manager dropped the stream (too slow, or shutting down).
                None => break,
            },
            done = &mut sender_done, if total.is_none() => match done {
                Some(done) => total = Some(done),
                // The sender gave up.
                None => break,
            },
            () = &mut deadline => break,
        }
    }
    Ok(latencies)
}
