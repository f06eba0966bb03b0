//! (a) Post throughput: N posters, each on its own keep-alive HTTP/1.1 connection to the
//! gateway, each posting into its own channel of ten members as fast as the answers come
//! back. Every post is a durable commit.
//!
//! The webhook scenario is the same with a GitHub webhook of each channel as the poster:
//! every request is a real `push` delivery (three commits), detected, rendered and posted
//! as the webhook's bot, with its delivery logged.

use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
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

struct Tally {
    latencies: Latencies,
    posted: u64,
    errors: u64,
    first_error: Option<String>,
}

/// Who posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Poster {
    /// A person, with their session, through `POST /api/channels/{id}/messages`.
    Person,
    /// A GitHub webhook of the channel, through `POST /hook/<id>/<token>`.
    GithubWebhook,
}

/// GitHub's `push` event with three commits, as GitHub sends it.
const PUSH: &[u8] =
    include_bytes!("../../../shared/webhooks/tests/fixtures/github/push.commits.json");

/// One task's way of posting: where, as whom, and what.
struct Target {
    path: String,
    token: Option<String>,
}

pub async fn run(
    stack: &Stack,
    people: &Population,
    plan: &Plan,
    epoch: Epoch,
    poster: Poster,
) -> anyhow::Result<Outcome> {
    let members = plan.post_channel_members;
    let prefix = match poster {
        Poster::Person => "post",
        Poster::GithubWebhook => "hook",
    };
    let mut work = Vec::with_capacity(plan.posters);
    for i in 0..plan.posters {
        let group = &people.users[i * members..(i + 1) * members];
        let channel = people.channel(&format!("{prefix}-{i}"), group).await?;
        let target = match poster {
            Poster::Person => Target {
                path: format!("/api/channels/{channel}/messages"),
                token: Some(people.tokens[i * members].clone()),
            },
            Poster::GithubWebhook => Target {
                path: people.webhook(channel, &format!("github-{i}")).await?,
                token: None,
            },
        };
        let conn = Conn::open(stack.gateway.addr).await?;
        work.push((i, conn, target));
    }
    let measure_from = Instant::now() + plan.post_warmup;
    let end = measure_from + plan.post_duration;
    let tasks: Vec<_> = work
        .into_iter()
        .map(|(task, mut conn, target)| {
            tokio::spawn(async move {
                let mut me = Tally {
                    latencies: Latencies::new()?,
                    posted: 0,
                    errors: 0,
                    first_error: None,
                };
                // Requests sent so far: each webhook delivery has an id of its own.
                let mut sent: u64 = 0;
                loop {
                    let start = Instant::now();
                    if start >= end {
                        break;
                    }
                    sent += 1;
                    let (status, answer) = match poster {
                        Poster::Person => {
                            let body = super::stamped_post(epoch);
                            conn.send(
                                Method::POST,
                                &target.path,
                                target.token.as_deref(),
                                Some(body),
                            )
                            .await?
                        }
                        Poster::GithubWebhook => {
                            let delivery = format!("bench-{task}-{sent}");
                            let headers = [
                                ("x-github-event", "push"),
                                ("x-github-delivery", delivery.as_str()),
                            ];
                            conn.send_with(
                                Method::POST,
                                &target.path,
                                None,
                                Some(Bytes::from_static(PUSH)),
                                &headers,
                            )
                            .await?
                        }
                    };
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
        let tally = task.await.context("a poster panicked")??;
        outcome.latencies.merge(&tally.latencies)?;
        posted += tally.posted;
        outcome.errors += tally.errors;
        if let Some(error) = tally.first_error {
            eprintln!("ajet-bench: a post failed: {error}");
        }
    }
    outcome.msgs_per_s = posted as f64 / plan.post_duration.as_secs_f64();
    Ok(outcome)
}
