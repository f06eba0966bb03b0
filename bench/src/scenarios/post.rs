//! (a) Post throughput: N posters, each on its own keep-alive HTTP/1.1 connection to the
//! gateway, each posting into its own channel of ten members as fast as the answers come
//! back. Every post is a durable commit.

use std::time::{Duration, Instant};

use anyhow::Context;
use hyper::{Method, StatusCode};

use crate::config::Plan;
use crate::http::Conn;
use crate::setup::Population;
use crate::stack::Stack;
use crate::stats::{Epoch, Latencies};

/// What the posters achieved in the measured window.
pub struct Outcome {
    pub msgs_per_s: f64,
    pub latencies: Latencies,
    pub errors: u64,
}

struct Poster {
    latencies: Latencies,
    posted: u64,
    errors: u64,
    first_error: Option<String>,
}

pub async fn run(
    stack: &Stack,
    people: &Population,
    plan: &Plan,
    epoch: Epoch,
) -> anyhow::Result<Outcome> {
    let members = plan.post_channel_members;
    let mut work = Vec::with_capacity(plan.posters);
    for i in 0..plan.posters {
        let group = &people.users[i * members..(i + 1) * members];
        let channel = people.channel(&format!("post-{i}"), group).await?;
        let conn = Conn::open(stack.gateway.addr).await?;
        work.push((conn, people.tokens[i * members].clone(), channel));
    }
    let measure_from = Instant::now() + plan.post_warmup;
    let end = measure_from + plan.post_duration;
    let tasks: Vec<_> = work
        .into_iter()
        .map(|(mut conn, token, channel)| {
            tokio::spawn(async move {
                let path = format!("/api/channels/{channel}/messages");
                let mut me = Poster {
                    latencies: Latencies::new()?,
                    posted: 0,
                    errors: 0,
                    first_error: None,
                };
                loop {
                    let start = Instant::now();
                    if start >= end {
                        break;
                    }
                    let body = super::stamped_post(epoch);
                    let (status, answer) = conn
                        .send(Method::POST, &path, Some(&token), Some(body))
                        .await?;
                    if start < measure_from {
                        continue;
                    }
                    if status == StatusCode::CREATED {
                        me.latencies.record(start.elapsed());
                        me.posted += 1;
                    } else {
                        me.errors += 1;
                        if me.first_error.is_none() {
                            me.first_error =
                                Some(format!("{status}: {}", String::from_utf8_lossy(&answer)));
                        }
                        // Do not spin on a refusal.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
                anyhow::Ok(me)
            })
        })
        .collect();
    let mut outcome = Outcome {
        msgs_per_s: 0.0,
        latencies: Latencies::new()?,
        errors: 0,
    };
    let mut posted = 0;
    for task in tasks {
        let poster = task.await.context("a poster panicked")??;
        outcome.latencies.merge(&poster.latencies)?;
        posted += poster.posted;
        outcome.errors += poster.errors;
        if let Some(error) = poster.first_error {
            eprintln!("ajet-bench: a post failed: {error}");
        }
    }
    outcome.msgs_per_s = posted as f64 / plan.post_duration.as_secs_f64();
    Ok(outcome)
}
