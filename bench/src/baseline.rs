//! The physical limits of the parts, measured in the same run: Postgres single-row INSERT
//! throughput (pgbench) and core NATS publish-to-subscriber latency (async-nats).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use sqlx::Connection;

use crate::config::Plan;
use crate::stats::Latencies;

/// A table shaped like the core of `messages` (uuid key, channel and author, a markdown
/// body, a timestamp), without the foreign keys and the search index that the real one
/// pays for: the cost of a durable single-row INSERT and nothing else.
const TABLE: &str = "CREATE TABLE bench_insert (
    id          uuid PRIMARY KEY,
    channel_id  uuid NOT NULL,
    author_id   uuid NOT NULL,
    body_md     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
)";

/// One transaction of the pgbench script: one row, committed on its own.
const SCRIPT: &str = "INSERT INTO bench_insert (id, channel_id, author_id, body_md) \
VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'bench message body');\n";

/// What pgbench measured.
pub struct Pgbench {
    /// Transactions per second with the plan's clients.
    pub tps: f64,
    /// Average latency of one transaction with a single client: one durable commit.
    pub commit_ms: f64,
    /// The same, one transaction at a time at the pace of the delivery scenario: what a
    /// lone commit costs when every process involved was asleep before it.
    pub commit_paced_ms: f64,
}

/// Runs pgbench with the single-row INSERT script against `database_url`: with the plan's
/// clients for throughput, then with one client for the latency of a lone commit, back to
/// back and then at the delivery scenario's rate.
pub async fn pgbench(
    pgbench: &str,
    database_url: &str,
    dir: &std::path::Path,
    plan: &Plan,
) -> anyhow::Result<Pgbench> {
    let mut conn = sqlx::PgConnection::connect(database_url).await?;
    sqlx::query(TABLE).execute(&mut conn).await?;
    conn.close().await?;
    let script = dir.join("insert.sql");
    std::fs::write(&script, SCRIPT)?;
    let loaded = run_pgbench(
        pgbench,
        database_url,
        &script,
        plan.pg_clients,
        plan.pg_duration,
    )
    .await?;
    let tps =
        parse_tps(&loaded).with_context(|| format!("no tps in pgbench's output:\n{loaded}"))?;
    let single = run_pgbench(pgbench, database_url, &script, 1, plan.pg_duration / 3).await?;
    let commit_ms = parse_latency_ms(&single)
        .with_context(|| format!("no latency in pgbench's output:\n{single}"))?;
    let paced = run_pgbench_at(
        pgbench,
        database_url,
        &script,
        1,
        Some(plan.deliver_rate),
        plan.pg_duration / 2,
    )
    .await?;
    let commit_paced_ms = parse_latency_ms(&paced)
        .with_context(|| format!("no latency in pgbench's output:\n{paced}"))?;
    Ok(Pgbench {
        tps,
        commit_ms,
        commit_paced_ms,
    })
}

async fn run_pgbench(
    pgbench: &str,
    database_url: &str,
    script: &std::path::Path,
    clients: u32,
    duration: Duration,
) -> anyhow::Result<String> {
    run_pgbench_at(pgbench, database_url, script, clients, None, duration).await
}

/// pgbench, as fast as it goes or at `rate` transactions per second.
async fn run_pgbench_at(
    pgbench: &str,
    database_url: &str,
    script: &std::path::Path,
    clients: u32,
    rate: Option<f64>,
    duration: Duration,
) -> anyhow::Result<String> {
    let mut command = tokio::process::Command::new(pgbench);
    if let Some(rate) = rate {
        command.args(["--rate", &rate.to_string()]);
    }
    let out = command
        .arg("--no-vacuum")
        .args(["--client", &clients.to_string()])
        .args(["--jobs", &clients.min(2).to_string()])
        .args(["--time", &duration.as_secs().max(1).to_string()])
        .arg("--file")
        .arg(script)
        .arg(database_url)
        // Durable commits, whatever the server's default is.
        .env("PGOPTIONS", "-c synchronous_commit=on")
        .output()
        .await
        .with_context(|| format!("cannot run {pgbench} (set AJET_BENCH_PGBENCH)"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "pgbench failed: {}{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(stdout.into_owned())
}

/// The `latency average = N ms` figure of pgbench's report.
fn parse_latency_ms(report: &str) -> Option<f64> {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix("latency average = "))
        .and_then(|l| l.strip_suffix(" ms"))
        .and_then(|n| n.trim().parse().ok())
}

/// The `tps = N (without initial connection time)` figure of pgbench's report.
fn parse_tps(report: &str) -> Option<f64> {
    report
        .lines()
        .filter_map(|l| l.trim().strip_prefix("tps = "))
        .find(|l| l.contains("without initial connection time"))
        .or_else(|| report.lines().find_map(|l| l.trim().strip_prefix("tps = ")))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Publishes one message at a time on one connection and waits for it on another; the
/// latency of each of `rounds` rounds. With a `rate`, a round starts every `1 / rate`
/// seconds, so every process involved is asleep when it does — as in the delivery scenario.
pub async fn nats_latency(
    url: &str,
    rounds: usize,
    rate: Option<f64>,
) -> anyhow::Result<Latencies> {
    let publisher = async_nats::connect(url)
        .await
        .with_context(|| format!("cannot connect to NATS at {url}"))?;
    let subscriber = async_nats::connect(url).await?;
    let subject = format!("bench.latency.{}", uuid::Uuid::new_v4().simple());
    let mut messages = subscriber.subscribe(subject.clone()).await?;
    subscriber.flush().await?;
    let payload = bytes::Bytes::from_static(&[b'x'; 256]);
    let warm_up = if rate.is_some() { 5 } else { 100 };
    let mut ticks = rate.map(|rate| {
        let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks
    });
    let mut latencies = Latencies::new()?;
    for round in 0..rounds + warm_up {
        if let Some(ticks) = &mut ticks {
            ticks.tick().await;
        }
        let start = Instant::now();
        publisher.publish(subject.clone(), payload.clone()).await?;
        tokio::time::timeout(Duration::from_secs(5), messages.next())
            .await
            .context("a NATS message did not arrive within 5 s")?
            .context("the NATS subscription ended")?;
        if round >= warm_up {
            latencies.record(start.elapsed());
        }
    }
    Ok(latencies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tps_is_read_from_pgbench_reports() {
        let report = "transaction type: insert.sql\n\
            number of clients: 8\n\
            latency average = 0.412 ms\n\
            initial connection time = 12.345 ms\n\
            tps = 19412.345678 (without initial connection time)\n";
        assert_eq!(parse_tps(report), Some(19412.345678));
        assert_eq!(parse_latency_ms(report), Some(0.412));
        assert_eq!(parse_latency_ms("latency average = fast"), None);
        let old = "tps = 1500.1 (including connections establishing)\n\
                   tps = 1510.2 (excluding connections establishing)\n";
        assert_eq!(parse_tps(old), Some(1500.1));
        assert_eq!(parse_tps("nothing here"), None);
    }
}
