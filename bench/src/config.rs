//! The benchmark's command line, and the sizes of each scenario (full or smoke).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// Drives the real ajet-chat stack through its gateway and measures it beside raw Postgres
/// and NATS. Prints a table, then one JSON line.
#[derive(Clone, Debug, Parser)]
#[command(name = "ajet-bench", version, about)]
pub struct Config {
    /// Tiny numbers (every scenario a second or so), for CI.
    #[arg(long)]
    pub smoke: bool,
    /// Directory holding ajet-api, ajet-auth-gw, ajet-tui-sm and ajet-web-sm.
    #[arg(long, env = "AJET_BIN_DIR")]
    pub bin_dir: PathBuf,
    /// Postgres URL of a role that may create databases; the benchmark creates its own
    /// database there and drops it at the end.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://ajet:ajet@127.0.0.1:5432/ajet"
    )]
    pub database_url: String,
    /// nats-server binary, started on a free port with a temporary JetStream store.
    #[arg(long, env = "AJET_BENCH_NATS_SERVER", default_value = "nats-server")]
    pub nats_server: String,
    /// Use this NATS server instead of starting one.
    #[arg(long, env = "AJET_BENCH_NATS_URL")]
    pub nats_url: Option<String>,
    /// pgbench binary, for the Postgres baseline.
    #[arg(long, env = "AJET_BENCH_PGBENCH", default_value = "pgbench")]
    pub pgbench: String,
    /// Log filter for the services (RUST_LOG); `info` is what production runs.
    #[arg(long, default_value = "info")]
    pub service_log: String,
    /// Keep the services' logs (their directory is printed) instead of removing them.
    #[arg(long)]
    pub keep_logs: bool,
    /// Diagnostic: open the SSE streams of (b) and (c) straight on tui-sm instead of
    /// through the gateway, to see what the gateway adds to delivery.
    #[arg(long)]
    pub streams_direct: bool,
    /// Run only these scenarios (the others report null).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<Scenario>,
    /// Concurrent posters in scenario (a).
    #[arg(long)]
    pub posters: Option<usize>,
    /// SSE subscribers in scenario (c).
    #[arg(long)]
    pub fanout_subscribers: Option<usize>,
    /// Idle SSE connections in scenario (d).
    #[arg(long)]
    pub idle_conns: Option<usize>,
}

/// The parts of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    Pg,
    Nats,
    Post,
    Webhook,
    Deliver,
    Fanout,
    Idle,
    Gateway,
    Cold,
    Tui,
    Files,
    Web,
}

impl Config {
    /// Whether `scenario` is part of this run.
    pub fn runs(&self, scenario: Scenario) -> bool {
        self.only.is_empty() || self.only.contains(&scenario)
    }

    /// The sizes of this run: the issue's for a full run, tiny ones for a smoke run, with
    /// the overrides given on the command line.
    pub fn plan(&self) -> Plan {
        let mut plan = if self.smoke {
            Plan::smoke()
        } else {
            Plan::full()
        };
        if let Some(n) = self.posters {
            plan.posters = n.max(1);
        }
        if let Some(n) = self.fanout_subscribers {
            plan.fanout_subscribers = n.max(1);
        }
        if let Some(n) = self.idle_conns {
            plan.idle_conns = n.max(1);
        }
        plan
    }
}

/// How big each scenario is.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub pg_clients: u32,
    pub pg_duration: Duration,
    pub nats_round_trips: usize,
    /// Round trips at the delivery scenario's rate.
    pub nats_paced_round_trips: usize,
    pub posters: usize,
    /// Members of each channel posted into in (a); the poster is one of them.
    pub post_channel_members: usize,
    pub post_warmup: Duration,
    pub post_duration: Duration,
    pub deliver_receivers: usize,
    pub deliver_rate: f64,
    pub deliver_messages: usize,
    pub fanout_subscribers: usize,
    pub fanout_rate: f64,
    pub fanout_messages: usize,
    pub idle_conns: usize,
    pub gateway_requests: usize,
    pub cold_start_runs: usize,
    /// Messages in the terminal client's channel for (g)'s frames, and how many frames.
    pub tui_messages: usize,
    pub tui_frames: usize,
    /// Fresh clients timed to their first screen.
    pub tui_starts: usize,
    /// The file moved up and down in (h), in MiB.
    pub file_mib: u64,
    /// (i): channel pages timed, and idle browser streams held.
    pub web_pages: usize,
    pub web_idle_conns: usize,
}

impl Plan {
    /// The issue's sizes; about two minutes of measuring.
    pub fn full() -> Self {
        Self {
            pg_clients: 8,
            pg_duration: Duration::from_secs(10),
            nats_round_trips: 20_000,
            nats_paced_round_trips: 200,
            posters: 32,
            post_channel_members: 10,
            post_warmup: Duration::from_secs(2),
            post_duration: Duration::from_secs(15),
            deliver_receivers: 10,
            deliver_rate: 20.0,
            deliver_messages: 300,
            fanout_subscribers: 1_000,
            fanout_rate: 50.0,
            fanout_messages: 500,
            idle_conns: 10_000,
            gateway_requests: 3_000,
            cold_start_runs: 3,
            tui_messages: 10_000,
            tui_frames: 200,
            tui_starts: 5,
            file_mib: 100,
            web_pages: 300,
            web_idle_conns: 1_000,
        }
    }

    /// Seconds in all, so that CI can run it on debug builds.
    pub fn smoke() -> Self {
        Self {
            pg_clients: 8,
            pg_duration: Duration::from_secs(1),
            nats_round_trips: 300,
            nats_paced_round_trips: 10,
            posters: 4,
            post_channel_members: 10,
            post_warmup: Duration::from_millis(200),
            post_duration: Duration::from_secs(1),
            deliver_receivers: 3,
            deliver_rate: 20.0,
            deliver_messages: 10,
            fanout_subscribers: 20,
            fanout_rate: 50.0,
            fanout_messages: 25,
            idle_conns: 100,
            gateway_requests: 100,
            cold_start_runs: 1,
            tui_messages: 500,
            tui_frames: 10,
            tui_starts: 1,
            file_mib: 8,
            web_pages: 20,
            web_idle_conns: 20,
        }
    }

    /// Users the scenarios need; each takes its own from the start of one population.
    pub fn users(&self) -> usize {
        [
            self.posters * self.post_channel_members,
            self.deliver_receivers,
            self.fanout_subscribers,
            // The idle scenario warms its session manager up with a few connections first.
            self.idle_conns + crate::scenarios::idle::WARM_UP,
            1,
        ]
        .into_iter()
        .max()
        .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_plan_follows_the_issue() {
        let plan = Plan::full();
        assert_eq!(plan.fanout_subscribers, 1_000);
        assert_eq!(plan.fanout_rate, 50.0);
        assert_eq!(plan.deliver_rate, 20.0);
        assert_eq!(plan.idle_conns, 10_000);
        assert_eq!(plan.pg_clients, 8);
        assert_eq!(plan.post_channel_members, 10);
        assert!(plan.users() >= 10_000);
    }

    #[test]
    fn overrides_and_scenario_selection() {
        let config = Config::parse_from([
            "ajet-bench",
            "--smoke",
            "--bin-dir",
            "/tmp",
            "--idle-conns",
            "7",
            "--only",
            "idle,cold",
        ]);
        let plan = config.plan();
        assert_eq!(plan.idle_conns, 7);
        assert_eq!(plan.posters, Plan::smoke().posters);
        assert!(config.runs(Scenario::Idle));
        assert!(config.runs(Scenario::Cold));
        assert!(!config.runs(Scenario::Post));
        let all = Config::parse_from(["ajet-bench", "--bin-dir", "/tmp"]);
        assert!(all.runs(Scenario::Post));
        assert_eq!(all.plan(), Plan::full());
    }
}
