//! The figures of one run: the rows of the table people read (each scenario beside its
//! baseline and the target) and the JSON line machines read.

use serde::Serialize;

use crate::stats::round;
use crate::table::{Row, Target, fmt_num};

/// Every figure of a run. A scenario that was not run leaves its figures `None` (`null`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Results {
    /// `full` or `smoke`.
    pub mode: String,
    // Baselines.
    pub pg_tps: Option<f64>,
    /// One durable single-row INSERT with a single client (pgbench latency average).
    pub pg_commit_ms: Option<f64>,
    /// The same at the delivery scenario's pace (one INSERT every 50 ms): each commit
    /// starts from sleeping processes, as a lone post does.
    pub pg_commit_paced_ms: Option<f64>,
    pub nats_p50_us: Option<f64>,
    pub nats_p99_us: Option<f64>,
    pub nats_paced_p50_us: Option<f64>,
    pub nats_paced_p99_us: Option<f64>,
    /// A lower bound for a delivery at 20/s: a lone commit and one NATS hop, both paced.
    /// (A delivery also crosses four HTTP hops and does more work in its statement.)
    pub deliver_floor_ms: Option<f64>,
    // (a) post throughput.
    pub posters: Option<f64>,
    pub post_msgs_per_s: Option<f64>,
    pub post_ratio: Option<f64>,
    pub post_p50_ms: Option<f64>,
    pub post_p99_ms: Option<f64>,
    /// Posts refused in (a), (b) and (c) together.
    pub post_errors: Option<f64>,
    // (a') webhook throughput: GitHub push deliveries through the gateway.
    pub webhook_msgs_per_s: Option<f64>,
    /// `webhook_msgs_per_s / post_msgs_per_s` of the same run.
    pub webhook_ratio: Option<f64>,
    pub webhook_p50_ms: Option<f64>,
    pub webhook_p99_ms: Option<f64>,
    pub webhook_errors: Option<f64>,
    // (b) delivery latency, and where it goes: POST answered, event on the bus.
    pub deliver_p50_ms: Option<f64>,
    pub deliver_p99_ms: Option<f64>,
    pub deliver_answer_p50_ms: Option<f64>,
    pub deliver_bus_p50_ms: Option<f64>,
    pub deliver_bus_p99_ms: Option<f64>,
    pub deliver_lost: Option<f64>,
    // (c) fan-out.
    pub fanout_subscribers: Option<f64>,
    pub fanout_p50_ms: Option<f64>,
    pub fanout_p99_ms: Option<f64>,
    pub fanout_answer_p50_ms: Option<f64>,
    pub fanout_bus_p50_ms: Option<f64>,
    pub fanout_bus_p99_ms: Option<f64>,
    pub fanout_lost: Option<f64>,
    /// The terminal session manager's CPU while fanning out, in % of one core.
    pub fanout_sm_cpu_pct: Option<f64>,
    /// The gateway's CPU meanwhile (it relays every SSE byte), in % of one core.
    pub fanout_gw_cpu_pct: Option<f64>,
    /// The load generator's own CPU meanwhile (it shares the cores), in % of one core.
    pub fanout_bench_cpu_pct: Option<f64>,
    // (d) idle capacity.
    pub idle_conns: Option<f64>,
    pub kib_per_conn: Option<f64>,
    /// For comparison: KiB per plain keep-alive connection holding no stream.
    pub idle_plain_kib_per_conn: Option<f64>,
    // (e) gateway overhead.
    pub gw_p50_ms: Option<f64>,
    pub api_p50_ms: Option<f64>,
    pub gw_overhead_p50_ms: Option<f64>,
    /// One post at a time (nothing else running), through the gateway and direct.
    pub post_one_gw_p50_ms: Option<f64>,
    pub post_one_api_p50_ms: Option<f64>,
    // (f) cold start to /ready; the slowest service is `cold_start_ms`.
    pub cold_start_ms: Option<f64>,
    pub cold_start_api_ms: Option<f64>,
    pub cold_start_web_sm_ms: Option<f64>,
    pub cold_start_tui_sm_ms: Option<f64>,
    pub cold_start_auth_gw_ms: Option<f64>,
    // (g) the terminal client.
    /// A fresh client to its first screen with history (median).
    pub tui_first_screen_ms: Option<f64>,
    /// One frame of a 300 × 100 terminal with 10,000 messages arriving in the channel.
    pub tui_frame_p50_ms: Option<f64>,
    pub tui_frame_p99_ms: Option<f64>,
    // (h) files through the gateway to the local store, beside the disk's own speed.
    /// One loopback TCP hop, for reading the two an upload or download crosses.
    pub loopback_mb_s: Option<f64>,
    pub raw_write_mb_s: Option<f64>,
    pub raw_read_mb_s: Option<f64>,
    pub upload_mb_s: Option<f64>,
    pub download_mb_s: Option<f64>,
    /// `upload_mb_s / raw_write_mb_s` and `download_mb_s / raw_read_mb_s`.
    pub upload_ratio: Option<f64>,
    pub download_ratio: Option<f64>,
    pub file_api_rss_mib: Option<f64>,
    pub file_gw_rss_mib: Option<f64>,
    // (i) the web client.
    /// A channel page of 50 messages, asked of web-sm directly.
    pub web_page_p50_ms: Option<f64>,
    pub web_page_p99_ms: Option<f64>,
    /// The page's first load besides Datastar's script, in kB.
    pub web_first_load_kb: Option<f64>,
    /// Fan-out to browser streams (`/events`), as (c) to terminal streams.
    pub web_fanout_p50_ms: Option<f64>,
    pub web_fanout_p99_ms: Option<f64>,
    /// `web_fanout_p99_ms / fanout_p99_ms`.
    pub web_fanout_ratio: Option<f64>,
    pub web_fanout_sm_cpu_pct: Option<f64>,
    pub web_fanout_lost: Option<f64>,
    pub web_idle_conns: Option<f64>,
    pub web_kib_per_conn: Option<f64>,
    /// The same on the S3 store, beside a direct PUT and GET to the same server.
    pub s3_put_mb_s: Option<f64>,
    pub s3_upload_mb_s: Option<f64>,
    pub s3_upload_ratio: Option<f64>,
    pub s3_get_mb_s: Option<f64>,
    pub s3_download_mb_s: Option<f64>,
    pub s3_download_ratio: Option<f64>,
}

/// `value / base` phrased as "N.Nx what", when both are known and base is not zero.
fn ratio(value: Option<f64>, base: Option<f64>, what: &str) -> Option<String> {
    match (value, base) {
        (Some(v), Some(b)) if b > 0.0 => Some(format!("{}x {what}", fmt_num(round(v / b, 2)))),
        _ => None,
    }
}

impl Results {
    /// Fills the figures derived from others: ratios and the slowest cold start.
    pub fn derive(&mut self) {
        if let (Some(up), Some(raw)) = (self.upload_mb_s, self.raw_write_mb_s)
            && raw > 0.0
        {
            self.upload_ratio = Some(round(up / raw, 2));
        }
        if let (Some(down), Some(raw)) = (self.download_mb_s, self.raw_read_mb_s)
            && raw > 0.0
        {
            self.download_ratio = Some(round(down / raw, 2));
        }
        if let (Some(web), Some(tui)) = (self.web_fanout_p99_ms, self.fanout_p99_ms)
            && tui > 0.0
        {
            self.web_fanout_ratio = Some(round(web / tui, 2));
        }
        if let (Some(up), Some(raw)) = (self.s3_upload_mb_s, self.s3_put_mb_s)
            && raw > 0.0
        {
            self.s3_upload_ratio = Some(round(up / raw, 2));
        }
        if let (Some(down), Some(raw)) = (self.s3_download_mb_s, self.s3_get_mb_s)
            && raw > 0.0
        {
            self.s3_download_ratio = Some(round(down / raw, 2));
        }
        if let (Some(post), Some(pg)) = (self.post_msgs_per_s, self.pg_tps)
            && pg > 0.0
        {
            self.post_ratio = Some(round(post / pg, 3));
        }
        if let (Some(hooks), Some(posts)) = (self.webhook_msgs_per_s, self.post_msgs_per_s)
            && posts > 0.0
        {
            self.webhook_ratio = Some(round(hooks / posts, 3));
        }
        if let (Some(commit), Some(nats)) = (self.pg_commit_paced_ms, self.nats_paced_p50_us) {
            self.deliver_floor_ms = Some(round(commit + nats / 1000.0, 3));
        }
        if let (Some(gw), Some(api)) = (self.gw_p50_ms, self.api_p50_ms) {
            self.gw_overhead_p50_ms = Some(round(gw - api, 3));
        }
        self.cold_start_ms = [
            self.cold_start_api_ms,
            self.cold_start_web_sm_ms,
            self.cold_start_tui_sm_ms,
            self.cold_start_auth_gw_ms,
        ]
        .into_iter()
        .flatten()
        .reduce(f64::max);
    }

    /// The table's rows, in the order of the issue.
    pub fn rows(&self) -> Vec<Row> {
        let nats_p50_ms = self.nats_p50_us.map(|us| us / 1000.0);
        let nats_p99_ms = self.nats_p99_us.map(|us| us / 1000.0);
        vec![
            Row::new(
                "baseline",
                "pg_tps (pgbench INSERT, 8 clients)",
                self.pg_tps,
            ),
            Row::new(
                "baseline",
                "pg_commit_ms (1 client, one INSERT)",
                self.pg_commit_ms,
            ),
            Row::new(
                "baseline",
                "pg_commit_paced_ms (the same, at 20/s)",
                self.pg_commit_paced_ms,
            ),
            Row::new("baseline", "nats_p50_us (core pub->sub)", self.nats_p50_us),
            Row::new("baseline", "nats_p99_us", self.nats_p99_us),
            Row::new(
                "baseline",
                "nats_paced_p50_us (the same, at 20/s)",
                self.nats_paced_p50_us,
            ),
            Row::new("baseline", "nats_paced_p99_us", self.nats_paced_p99_us),
            Row::new(
                "baseline",
                "deliver_floor_ms (paced commit + paced NATS)",
                self.deliver_floor_ms,
            ),
            Row::new("a post", "post_msgs_per_s", self.post_msgs_per_s).versus(ratio(
                self.post_msgs_per_s,
                self.pg_tps,
                "pg_tps",
            )),
            Row::new("a post", "post_ratio", self.post_ratio).target(Target::AtLeast(0.3)),
            Row::new("a post", "post_p50_ms", self.post_p50_ms),
            Row::new("a post", "post_p99_ms", self.post_p99_ms),
            Row::new("a post", "post_errors", self.post_errors),
            Row::new(
                "a webhook",
                "webhook_msgs_per_s (GitHub push)",
                self.webhook_msgs_per_s,
            )
            .versus(ratio(
                self.webhook_msgs_per_s,
                self.post_msgs_per_s,
                "posts",
            )),
            Row::new("a webhook", "webhook_ratio", self.webhook_ratio).target(Target::AtLeast(0.5)),
            Row::new("a webhook", "webhook_p50_ms", self.webhook_p50_ms),
            Row::new("a webhook", "webhook_p99_ms", self.webhook_p99_ms),
            Row::new("a webhook", "webhook_errors", self.webhook_errors)
                .target(Target::AtMost(0.0)),
            Row::new("b deliver", "deliver_p50_ms", self.deliver_p50_ms)
                .versus(ratio(self.deliver_p50_ms, self.deliver_floor_ms, "floor"))
                .target(Target::AtMost(2.0)),
            Row::new("b deliver", "deliver_p99_ms", self.deliver_p99_ms)
                .versus(ratio(self.deliver_p99_ms, nats_p99_ms, "nats p99"))
                .target(Target::AtMost(10.0)),
            Row::new(
                "b deliver",
                "deliver_answer_p50_ms (POST -> 201)",
                self.deliver_answer_p50_ms,
            )
            .versus(ratio(
                self.deliver_answer_p50_ms,
                self.pg_commit_paced_ms,
                "paced commit",
            )),
            Row::new(
                "b deliver",
                "deliver_bus_p50_ms (POST -> on NATS)",
                self.deliver_bus_p50_ms,
            ),
            Row::new("b deliver", "deliver_bus_p99_ms", self.deliver_bus_p99_ms),
            Row::new("b deliver", "deliver_lost", self.deliver_lost).target(Target::AtMost(0.0)),
            Row::new("c fan-out", "fanout_subscribers", self.fanout_subscribers),
            Row::new("c fan-out", "fanout_p50_ms", self.fanout_p50_ms).versus(ratio(
                self.fanout_p50_ms,
                nats_p50_ms,
                "nats p50",
            )),
            Row::new("c fan-out", "fanout_p99_ms", self.fanout_p99_ms)
                .versus(ratio(self.fanout_p99_ms, nats_p99_ms, "nats p99"))
                .target(Target::AtMost(50.0)),
            Row::new(
                "c fan-out",
                "fanout_answer_p50_ms (POST -> 201)",
                self.fanout_answer_p50_ms,
            ),
            Row::new(
                "c fan-out",
                "fanout_bus_p50_ms (POST -> on NATS)",
                self.fanout_bus_p50_ms,
            ),
            Row::new("c fan-out", "fanout_bus_p99_ms", self.fanout_bus_p99_ms),
            Row::new("c fan-out", "fanout_lost", self.fanout_lost).target(Target::AtMost(0.0)),
            Row::new(
                "c fan-out",
                "fanout_sm_cpu_pct (tui-sm)",
                self.fanout_sm_cpu_pct,
            ),
            Row::new(
                "c fan-out",
                "fanout_gw_cpu_pct (auth-gw)",
                self.fanout_gw_cpu_pct,
            ),
            Row::new("d idle", "idle_conns", self.idle_conns),
            Row::new("d idle", "kib_per_conn (tui-sm RSS)", self.kib_per_conn)
                .versus(ratio(self.kib_per_conn, Some(18.9), "minimal axum SSE"))
                .target(Target::AtMost(19.0)),
            Row::new(
                "d idle",
                "idle_plain_kib_per_conn (no stream)",
                self.idle_plain_kib_per_conn,
            ),
            Row::new(
                "e gateway",
                "gw_p50_ms (GET /api/me via gw)",
                self.gw_p50_ms,
            ),
            Row::new(
                "e gateway",
                "api_p50_ms (GET /api/me direct)",
                self.api_p50_ms,
            ),
            Row::new("e gateway", "gw_overhead_p50_ms", self.gw_overhead_p50_ms)
                .versus(ratio(self.gw_p50_ms, self.api_p50_ms, "direct"))
                .target(Target::AtMost(0.3)),
            Row::new(
                "e gateway",
                "post_one_gw_p50_ms (one POST via gw)",
                self.post_one_gw_p50_ms,
            ),
            Row::new(
                "e gateway",
                "post_one_api_p50_ms (one POST direct)",
                self.post_one_api_p50_ms,
            )
            .versus(ratio(
                self.post_one_api_p50_ms,
                self.pg_commit_ms,
                "pg_commit_ms",
            )),
            Row::new("f cold start", "cold_start_api_ms", self.cold_start_api_ms),
            Row::new(
                "f cold start",
                "cold_start_web_sm_ms",
                self.cold_start_web_sm_ms,
            ),
            Row::new(
                "f cold start",
                "cold_start_tui_sm_ms",
                self.cold_start_tui_sm_ms,
            ),
            Row::new(
                "f cold start",
                "cold_start_auth_gw_ms",
                self.cold_start_auth_gw_ms,
            ),
            Row::new(
                "f cold start",
                "cold_start_ms (slowest)",
                self.cold_start_ms,
            )
            .target(Target::AtMost(300.0)),
            Row::new(
                "g tui",
                "tui_first_screen_ms (to history)",
                self.tui_first_screen_ms,
            )
            .target(Target::AtMost(300.0)),
            Row::new("g tui", "tui_frame_p50_ms (300x100)", self.tui_frame_p50_ms),
            Row::new("g tui", "tui_frame_p99_ms", self.tui_frame_p99_ms)
                .target(Target::AtMost(5.0)),
            Row::new(
                "i web",
                "web_page_p50_ms (50 messages)",
                self.web_page_p50_ms,
            ),
            Row::new("i web", "web_page_p99_ms", self.web_page_p99_ms).target(Target::AtMost(20.0)),
            Row::new(
                "i web",
                "web_first_load_kb (no Datastar)",
                self.web_first_load_kb,
            )
            .target(Target::AtMost(150.0)),
            Row::new("i web", "web_fanout_p50_ms", self.web_fanout_p50_ms),
            Row::new("i web", "web_fanout_p99_ms", self.web_fanout_p99_ms),
            Row::new(
                "i web",
                "web_fanout_ratio (to tui-sm's)",
                self.web_fanout_ratio,
            )
            .target(Target::AtMost(2.0)),
            Row::new("i web", "web_fanout_sm_cpu_pct", self.web_fanout_sm_cpu_pct),
            Row::new("i web", "web_fanout_lost", self.web_fanout_lost).target(Target::AtMost(0.0)),
            Row::new("i web", "web_kib_per_conn (idle)", self.web_kib_per_conn)
                .target(Target::AtMost(32.0)),
            Row::new("h files", "loopback_mb_s (one TCP hop)", self.loopback_mb_s),
            Row::new("h files", "raw_write_mb_s (fsync)", self.raw_write_mb_s),
            Row::new("h files", "upload_mb_s (gateway)", self.upload_mb_s),
            Row::new("h files", "upload_ratio", self.upload_ratio).target(Target::AtLeast(0.5)),
            Row::new("h files", "raw_read_mb_s", self.raw_read_mb_s),
            Row::new("h files", "download_mb_s (gateway)", self.download_mb_s),
            Row::new("h files", "download_ratio", self.download_ratio).target(Target::AtLeast(0.5)),
            Row::new(
                "h files",
                "file_api_rss_mib (peak growth)",
                self.file_api_rss_mib,
            )
            .target(Target::AtMost(32.0)),
            Row::new(
                "h files",
                "file_gw_rss_mib (peak growth)",
                self.file_gw_rss_mib,
            )
            .target(Target::AtMost(32.0)),
        ]
    }

    /// The one-line JSON summary.
    pub fn json_line(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string(self)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::table;

    fn sample() -> Results {
        let mut r = Results {
            mode: "smoke".into(),
            pg_tps: Some(20_000.0),
            nats_p50_us: Some(50.0),
            nats_p99_us: Some(120.0),
            pg_commit_paced_ms: Some(0.45),
            nats_paced_p50_us: Some(300.0),
            post_msgs_per_s: Some(7_000.0),
            webhook_msgs_per_s: Some(3_150.0),
            deliver_p50_ms: Some(1.5),
            deliver_p99_ms: Some(12.0),
            gw_p50_ms: Some(0.5),
            api_p50_ms: Some(0.3),
            cold_start_api_ms: Some(120.0),
            cold_start_auth_gw_ms: Some(250.5),
            ..Results::default()
        };
        r.derive();
        r
    }

    #[test]
    fn derived_figures() {
        let r = sample();
        assert_eq!(r.post_ratio, Some(0.35));
        assert_eq!(r.webhook_ratio, Some(0.45));
        assert_eq!(r.gw_overhead_p50_ms, Some(0.2));
        assert_eq!(r.deliver_floor_ms, Some(0.75));
        assert_eq!(r.cold_start_ms, Some(250.5));
        let empty = {
            let mut e = Results::default();
            e.derive();
            e
        };
        assert_eq!(empty.post_ratio, None);
        assert_eq!(empty.webhook_ratio, None);
        assert_eq!(empty.cold_start_ms, None);
        assert_eq!(empty.deliver_floor_ms, None);
    }

    #[test]
    fn verdicts_follow_the_targets() {
        let rows = sample().rows();
        let verdict = |metric: &str| {
            rows.iter()
                .find(|r| r.metric.starts_with(metric))
                .map(Row::verdict)
                .unwrap()
        };
        assert_eq!(verdict("post_ratio"), "met");
        assert_eq!(verdict("webhook_ratio"), "MISSED");
        assert_eq!(verdict("deliver_p50_ms"), "met");
        assert_eq!(verdict("deliver_p99_ms"), "MISSED");
        assert_eq!(verdict("gw_overhead_p50_ms"), "met");
        assert_eq!(verdict("fanout_p99_ms"), "-");
        assert!(Target::AtLeast(0.3).met_by(0.3));
        assert!(!Target::AtMost(0.3).met_by(0.31));
    }

    #[test]
    fn the_table_is_aligned_and_shows_ratios() {
        let text = table(&sample().rows());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("scenario"));
        assert!(lines[1].starts_with("--------"));
        let deliver = lines.iter().find(|l| l.contains("deliver_p50_ms")).unwrap();
        assert!(deliver.contains("2x floor"), "{deliver}");
        assert!(deliver.contains("<= 2"), "{deliver}");
        assert!(text.contains("n/a"));
        // Every row's value column starts at the same place.
        let column = lines[0].find("value").unwrap();
        assert!(lines[2..].iter().all(|l| l.len() > column));
    }

    #[test]
    fn the_json_line_has_every_key() {
        let json = sample().json_line().unwrap();
        assert!(!json.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        for key in [
            "pg_tps",
            "nats_p50_us",
            "nats_p99_us",
            "nats_paced_p50_us",
            "deliver_floor_ms",
            "post_msgs_per_s",
            "post_ratio",
            "post_p99_ms",
            "webhook_msgs_per_s",
            "webhook_ratio",
            "deliver_p50_ms",
            "deliver_p99_ms",
            "fanout_p99_ms",
            "idle_conns",
            "kib_per_conn",
            "gw_overhead_p50_ms",
            "cold_start_ms",
            "tui_first_screen_ms",
            "tui_frame_p99_ms",
            "upload_ratio",
            "file_api_rss_mib",
        ] {
            assert!(value.get(key).is_some(), "{key} missing from {json}");
        }
        assert_eq!(value["fanout_p99_ms"], serde_json::Value::Null);
        assert_eq!(value["post_ratio"], 0.35);
    }
}
