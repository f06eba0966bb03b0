//! One benchmark run: the stack up, the population written, the baselines, then the
//! scenarios one at a time with a pause between them (so that none measures what the last
//! one left in the relay or the hub), the ten thousand idle streams and the cold starts
//! (which add processes) last; the stack down, then the report.

use std::time::{Duration, Instant};

use crate::config::{Config, Scenario};
use crate::report::Results;
use crate::scenarios::{cold_start, deliver, files, gateway, idle, post, tui, web};
use crate::setup::Population;
use crate::stack::Stack;
use crate::stats::{Epoch, round};
use crate::{baseline, procfs};

/// File descriptors kept back from the idle scenario for everything else.
const SPARE_FDS: u64 = 1_000;
/// Pause between scenarios, so that the relay and the hub drain what the last one left.
const BETWEEN: Duration = Duration::from_secs(2);

fn step(what: &str) {
    eprintln!("==> {what}");
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let plan = config.plan();
    let epoch = Epoch::start();
    let began = Instant::now();
    let mut results = Results {
        mode: if config.smoke { "smoke" } else { "full" }.to_owned(),
        ..Results::default()
    };

    step("starting the stack (own NATS, fresh database, four services)");
    let mut stack = Stack::start(&config).await?;
    let measured = measure(&config, &mut stack, &mut results, epoch).await;
    let logs = stack.dir.clone();
    if let Err(err) = measured {
        // Leave the logs for whoever reads the error.
        if let Err(stop) = stack.stop(true).await {
            eprintln!("ajet-bench: {stop:#}");
        }
        eprintln!("ajet-bench: the services' logs are in {}", logs.display());
        return Err(err);
    }
    stack.stop(config.keep_logs).await?;
    if config.keep_logs {
        eprintln!("ajet-bench: the services' logs are in {}", logs.display());
    }

    results.derive();
    println!();
    println!(
        "ajet-bench ({} run, {:.0} s, {} posters, {} fan-out subscribers, {} idle streams)",
        results.mode,
        began.elapsed().as_secs_f64(),
        plan.posters,
        plan.fanout_subscribers,
        results.idle_conns.unwrap_or(0.0),
    );
    print!("{}", crate::table::table(&results.rows()));
    println!("{}", results.json_line()?);
    // On a smoke run's small numbers nothing may go missing: that is a broken stack (or a
    // broken benchmark), not a slow one.
    let lost = [
        results.deliver_lost,
        results.fanout_lost,
        results.web_fanout_lost,
        results.post_errors,
    ];
    if config.smoke && lost.into_iter().flatten().any(|n| n > 0.0) {
        anyhow::bail!("the smoke run lost deliveries or had posts refused (see the table)");
    }
    Ok(())
}

async fn measure(
    config: &Config,
    stack: &mut Stack,
    results: &mut Results,
    epoch: Epoch,
) -> anyhow::Result<()> {
    let plan = config.plan();
    step(&format!("creating {} users with sessions", plan.users()));
    let people = Population::create(&stack.database_url, plan.users()).await?;

    if config.runs(Scenario::Pg) {
        step(&format!(
            "baseline: pgbench single-row INSERT, {} clients for {} s, then one client, \
             then one client at {}/s",
            plan.pg_clients,
            plan.pg_duration.as_secs(),
            plan.deliver_rate
        ));
        let pg = baseline::pgbench(&config.pgbench, &stack.database_url, &stack.dir, &plan).await?;
        results.pg_tps = Some(round(pg.tps, 0));
        results.pg_commit_ms = Some(round(pg.commit_ms, 3));
        results.pg_commit_paced_ms = Some(round(pg.commit_paced_ms, 3));
    }
    if config.runs(Scenario::Nats) {
        step(&format!(
            "baseline: core NATS pub->sub, {} round trips",
            plan.nats_round_trips
        ));
        let latencies =
            baseline::nats_latency(&stack.nats_url, plan.nats_round_trips, None).await?;
        results.nats_p50_us = Some(round(latencies.quantile_us(0.5), 0));
        results.nats_p99_us = Some(round(latencies.quantile_us(0.99), 0));
        step(&format!(
            "baseline: core NATS pub->sub, {} round trips at {}/s",
            plan.nats_paced_round_trips, plan.deliver_rate
        ));
        let paced = baseline::nats_latency(
            &stack.nats_url,
            plan.nats_paced_round_trips,
            Some(plan.deliver_rate),
        )
        .await?;
        results.nats_paced_p50_us = Some(round(paced.quantile_us(0.5), 0));
        results.nats_paced_p99_us = Some(round(paced.quantile_us(0.99), 0));
    }
    if config.runs(Scenario::Post) {
        step(&format!(
            "(a) post throughput: {} posters, {} s",
            plan.posters,
            plan.post_duration.as_secs_f64()
        ));
        let outcome = post::run(stack, &people, &plan, epoch, post::Poster::Person).await?;
        results.posters = Some(plan.posters as f64);
        results.post_msgs_per_s = Some(round(outcome.msgs_per_s, 0));
        results.post_p50_ms = Some(round(outcome.latencies.quantile_ms(0.5), 2));
        results.post_p99_ms = Some(round(outcome.latencies.quantile_ms(0.99), 2));
        results.post_errors = Some(results.post_errors.unwrap_or(0.0) + outcome.errors as f64);
        tokio::time::sleep(BETWEEN).await;
    }
    if config.runs(Scenario::Webhook) {
        step(&format!(
            "(a') webhook throughput: {} GitHub push senders, {} s",
            plan.posters,
            plan.post_duration.as_secs_f64()
        ));
        let outcome = post::run(stack, &people, &plan, epoch, post::Poster::GithubWebhook).await?;
        results.webhook_msgs_per_s = Some(round(outcome.msgs_per_s, 0));
        results.webhook_p50_ms = Some(round(outcome.latencies.quantile_ms(0.5), 2));
        results.webhook_p99_ms = Some(round(outcome.latencies.quantile_ms(0.99), 2));
        results.webhook_errors = Some(outcome.errors as f64);
        tokio::time::sleep(BETWEEN).await;
    }
    if config.runs(Scenario::Deliver) {
        step(&format!(
            "(b) delivery latency: {} messages at {}/s to {} SSE receivers",
            plan.deliver_messages, plan.deliver_rate, plan.deliver_receivers
        ));
        let spec = deliver::Spec {
            channel: "deliver",
            subscribers: plan.deliver_receivers,
            rate: plan.deliver_rate,
            messages: plan.deliver_messages,
            direct: config.streams_direct,
            sm: deliver::Sm::Tui,
        };
        let outcome = deliver::run(stack, &people, spec, epoch).await?;
        eprintln!("    {} deliveries measured", outcome.latencies.count());
        results.deliver_p50_ms = Some(round(outcome.latencies.quantile_ms(0.5), 2));
        results.deliver_p99_ms = Some(round(outcome.latencies.quantile_ms(0.99), 2));
        results.deliver_answer_p50_ms = Some(round(outcome.answered.quantile_ms(0.5), 2));
        results.deliver_bus_p50_ms = Some(round(outcome.on_bus.quantile_ms(0.5), 2));
        results.deliver_bus_p99_ms = Some(round(outcome.on_bus.quantile_ms(0.99), 2));
        results.deliver_lost = Some(outcome.expected.saturating_sub(outcome.received) as f64);
        results.post_errors = Some(results.post_errors.unwrap_or(0.0) + outcome.post_errors as f64);
        tokio::time::sleep(BETWEEN).await;
    }
    if config.runs(Scenario::Fanout) {
        step(&format!(
            "(c) fan-out: {} messages at {}/s to {} SSE subscribers of one channel",
            plan.fanout_messages, plan.fanout_rate, plan.fanout_subscribers
        ));
        let spec = deliver::Spec {
            channel: "fanout",
            subscribers: plan.fanout_subscribers,
            rate: plan.fanout_rate,
            messages: plan.fanout_messages,
            direct: config.streams_direct,
            sm: deliver::Sm::Tui,
        };
        let outcome = deliver::run(stack, &people, spec, epoch).await?;
        eprintln!(
            "    {} deliveries measured; tui-sm {:.0}% CPU",
            outcome.latencies.count(),
            outcome.sm_cpu_pct
        );
        results.fanout_subscribers = Some(plan.fanout_subscribers as f64);
        results.fanout_p50_ms = Some(round(outcome.latencies.quantile_ms(0.5), 2));
        results.fanout_p99_ms = Some(round(outcome.latencies.quantile_ms(0.99), 2));
        results.fanout_answer_p50_ms = Some(round(outcome.answered.quantile_ms(0.5), 2));
        results.fanout_bus_p50_ms = Some(round(outcome.on_bus.quantile_ms(0.5), 2));
        results.fanout_bus_p99_ms = Some(round(outcome.on_bus.quantile_ms(0.99), 2));
        results.fanout_bench_cpu_pct = Some(round(outcome.bench_cpu_pct, 1));
        results.fanout_lost = Some(outcome.expected.saturating_sub(outcome.received) as f64);
        results.post_errors = Some(results.post_errors.unwrap_or(0.0) + outcome.post_errors as f64);
        results.fanout_sm_cpu_pct = Some(round(outcome.sm_cpu_pct, 1));
        results.fanout_gw_cpu_pct = Some(round(outcome.gw_cpu_pct, 1));
        tokio::time::sleep(BETWEEN).await;
    }
    if config.runs(Scenario::Gateway) {
        step(&format!(
            "(e) gateway overhead: {} x GET /api/me (and a tenth as many posts) through the gateway and direct",
            plan.gateway_requests
        ));
        let outcome = gateway::run(stack, &people, plan.gateway_requests, epoch).await?;
        results.gw_p50_ms = Some(round(outcome.via_gateway.quantile_ms(0.5), 3));
        results.api_p50_ms = Some(round(outcome.direct.quantile_ms(0.5), 3));
        results.post_one_gw_p50_ms = Some(round(outcome.post_via_gateway.quantile_ms(0.5), 3));
        results.post_one_api_p50_ms = Some(round(outcome.post_direct.quantile_ms(0.5), 3));
    }
    if config.runs(Scenario::Idle) {
        let limit = procfs::open_files_limit()?;
        let n = plan
            .idle_conns
            .min(usize::try_from(limit.saturating_sub(SPARE_FDS)).unwrap_or(usize::MAX));
        if n < plan.idle_conns {
            eprintln!(
                "ajet-bench: the open-files limit is {limit}: holding {n} idle streams, not {} (raise ulimit -n)",
                plan.idle_conns
            );
        }
        step(&format!("(d) idle capacity: {n} SSE streams on one tui-sm"));
        let outcome = idle::run(stack, &people, n).await?;
        eprintln!(
            "    opened {} streams at {:.0}/s",
            outcome.conns, outcome.opened_per_s
        );
        results.idle_conns = Some(outcome.conns as f64);
        results.kib_per_conn = Some(round(outcome.kib_per_conn, 2));
        results.idle_plain_kib_per_conn = Some(round(outcome.plain_kib_per_conn, 2));
    }
    if config.runs(Scenario::Cold) {
        step(&format!(
            "(f) cold start to /ready, {} run(s) per service",
            plan.cold_start_runs
        ));
        for (name, ms) in cold_start::run(stack, plan.cold_start_runs).await? {
            let slot = match name {
                "ajet-api" => &mut results.cold_start_api_ms,
                "ajet-web-sm" => &mut results.cold_start_web_sm_ms,
                "ajet-tui-sm" => &mut results.cold_start_tui_sm_ms,
                _ => &mut results.cold_start_auth_gw_ms,
            };
            *slot = Some(round(ms, 1));
        }
    }
    if config.runs(Scenario::Tui) {
        step(&format!(
            "(g) terminal client: first screen ({} fresh clients), {} frames of 300 x 100 with {} messages",
            plan.tui_starts, plan.tui_frames, plan.tui_messages
        ));
        let outcome = tui::run(stack, &people, &plan).await?;
        results.tui_first_screen_ms = Some(round(outcome.first_screen.as_secs_f64() * 1000.0, 1));
        results.tui_frame_p50_ms = Some(round(outcome.frames.quantile_ms(0.5), 2));
        results.tui_frame_p99_ms = Some(round(outcome.frames.quantile_ms(0.99), 2));
    }
    if config.runs(Scenario::Web) {
        step(&format!(
            "(i) web: a channel page of 50 messages, {} times, direct to web-sm; its first load",
            plan.web_pages
        ));
        let page = web::run(stack, &people, plan.web_pages).await?;
        results.web_page_p50_ms = Some(round(page.render.quantile_ms(0.5), 2));
        results.web_page_p99_ms = Some(round(page.render.quantile_ms(0.99), 2));
        results.web_first_load_kb = Some(round(page.first_load_bytes as f64 / 1000.0, 1));
        step(&format!(
            "(i) web fan-out: {} messages at {}/s to {} browser streams (/events) of one channel",
            plan.fanout_messages, plan.fanout_rate, plan.fanout_subscribers
        ));
        let spec = deliver::Spec {
            channel: "webfanout",
            subscribers: plan.fanout_subscribers,
            rate: plan.fanout_rate,
            messages: plan.fanout_messages,
            direct: config.streams_direct,
            sm: deliver::Sm::Web,
        };
        let outcome = deliver::run(stack, &people, spec, epoch).await?;
        eprintln!(
            "    {} deliveries measured; web-sm {:.0}% CPU",
            outcome.latencies.count(),
            outcome.sm_cpu_pct
        );
        results.web_fanout_p50_ms = Some(round(outcome.latencies.quantile_ms(0.5), 2));
        results.web_fanout_p99_ms = Some(round(outcome.latencies.quantile_ms(0.99), 2));
        results.web_fanout_sm_cpu_pct = Some(round(outcome.sm_cpu_pct, 1));
        results.web_fanout_lost = Some(outcome.expected.saturating_sub(outcome.received) as f64);
        results.post_errors = Some(results.post_errors.unwrap_or(0.0) + outcome.post_errors as f64);
        tokio::time::sleep(BETWEEN).await;
        step(&format!(
            "(i) idle browser streams: {} on one fresh web-sm",
            plan.web_idle_conns
        ));
        let (conns, kib, _) =
            idle::streams(stack, &people, plan.web_idle_conns, deliver::Sm::Web).await?;
        results.web_idle_conns = Some(conns as f64);
        results.web_kib_per_conn = Some(round(kib, 2));
    }
    if config.runs(Scenario::Files) {
        step(&format!(
            "(h) files: {} MiB up through the gateway to the local store and back, beside the disk",
            plan.file_mib
        ));
        let outcome = files::run(stack, &people, plan.file_mib).await?;
        results.loopback_mb_s = Some(round(outcome.loopback_mb_s, 0));
        results.raw_write_mb_s = Some(round(outcome.raw_write_mb_s, 0));
        results.raw_read_mb_s = Some(round(outcome.raw_read_mb_s, 0));
        results.upload_mb_s = Some(round(outcome.upload_mb_s, 0));
        results.download_mb_s = Some(round(outcome.download_mb_s, 0));
        results.file_api_rss_mib = Some(round(outcome.api_rss_growth_mib, 1));
        results.file_gw_rss_mib = Some(round(outcome.gw_rss_growth_mib, 1));
        match std::env::var("AJET_TEST_S3_ENDPOINT") {
            Ok(endpoint) => {
                step(&format!(
                    "(h) files on the S3 store ({endpoint}): the api restarted on a bucket, beside direct PUT and GET"
                ));
                let s3 = files::run_s3(stack, &people, plan.file_mib, &endpoint).await?;
                results.s3_put_mb_s = Some(round(s3.direct_put_mb_s, 0));
                results.s3_get_mb_s = Some(round(s3.direct_get_mb_s, 0));
                results.s3_upload_mb_s = Some(round(s3.upload_mb_s, 0));
                results.s3_download_mb_s = Some(round(s3.download_mb_s, 0));
            }
            Err(_) => eprintln!(
                "    no S3 server given (AJET_TEST_S3_ENDPOINT): the S3 store is not measured"
            ),
        }
    }
    people.db.close().await;
    Ok(())
}
