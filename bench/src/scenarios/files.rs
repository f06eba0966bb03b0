//! (h) Files: one large file up through the gateway into the api's local store and back,
//! in MB/s, beside a raw write (with fsync, as the store does) and read of the same bytes
//! on the same disk measured in the same run; and the api's and the gateway's peak memory
//! growth while it moves.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::procfs;
use crate::setup::Population;
use crate::stack::Stack;

const CHUNK: usize = 1024 * 1024;

pub struct Outcome {
    pub raw_write_mb_s: f64,
    pub raw_read_mb_s: f64,
    pub upload_mb_s: f64,
    pub download_mb_s: f64,
    /// Peak resident memory above the start, in MiB, during the upload and the download.
    pub api_rss_growth_mib: f64,
    pub gw_rss_growth_mib: f64,
}

fn mb_s(bytes: u64, took: Duration) -> f64 {
    bytes as f64 / 1_000_000.0 / took.as_secs_f64()
}

/// Samples the resident memory of `pids` every 20 ms until dropped; the peaks, in KiB.
struct Peaks {
    peaks: Arc<Vec<AtomicU64>>,
    task: tokio::task::JoinHandle<()>,
}

impl Peaks {
    fn watch(pids: Vec<u32>) -> Self {
        let peaks: Arc<Vec<AtomicU64>> = Arc::new(pids.iter().map(|_| AtomicU64::new(0)).collect());
        let seen = peaks.clone();
        let task = tokio::spawn(async move {
            loop {
                for (pid, peak) in pids.iter().zip(seen.iter()) {
                    if let Ok(kib) = procfs::rss_kib(*pid) {
                        peak.fetch_max(kib, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        Self { peaks, task }
    }

    fn stop(self) -> Vec<u64> {
        self.task.abort();
        self.peaks
            .iter()
            .map(|p| p.load(Ordering::Relaxed))
            .collect()
    }
}

pub async fn run(stack: &Stack, people: &Population, mib: u64) -> anyhow::Result<Outcome> {
    let size = mib * 1024 * 1024;
    let raw = stack.dir.join("raw.bin");
    let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();

    // The floor: the same bytes written and read on the same disk.
    let start = Instant::now();
    let mut file = tokio::fs::File::create(&raw).await?;
    for _ in 0..size / CHUNK as u64 {
        file.write_all(&chunk).await?;
    }
    file.sync_data().await?;
    drop(file);
    let raw_write = start.elapsed();
    let start = Instant::now();
    let mut file = tokio::fs::File::open(&raw).await?;
    let mut buffer = vec![0u8; CHUNK];
    let mut read = 0u64;
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        read += n as u64;
    }
    let raw_read = start.elapsed();
    anyhow::ensure!(read == size, "read {read} of {size} bytes back");

    let base = format!("http://{}", stack.gateway.addr);
    let token = &people.tokens[0];
    let client = ajet_sdk::Client::new(&base)?.with_token(token)?;
    let general = client
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .ok_or_else(|| anyhow::anyhow!("the benchmark's user has no #general"))?;
    let pids = vec![stack.api.pid()?, stack.gateway.pid()?];
    let before: Vec<u64> = pids
        .iter()
        .map(|pid| procfs::rss_kib(*pid))
        .collect::<Result<_, _>>()?;
    let peaks = Peaks::watch(pids);

    let start = Instant::now();
    let uploaded = client.upload(general.id, &raw, ajet_sdk::quiet).await?;
    let upload = start.elapsed();
    anyhow::ensure!(
        uploaded.size as u64 == size,
        "the upload stored {} bytes",
        uploaded.size
    );

    let start = Instant::now();
    let response = reqwest::Client::new()
        .get(format!("{base}{}", uploaded.url))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?;
    let mut body = response.bytes_stream();
    let mut received = 0u64;
    while let Some(bytes) = body.next().await {
        received += bytes?.len() as u64;
    }
    let download = start.elapsed();
    anyhow::ensure!(received == size, "downloaded {received} of {size} bytes");
    let peaks = peaks.stop();
    let _ = tokio::fs::remove_file(&raw).await;

    let growth = |i: usize| peaks[i].saturating_sub(before[i]) as f64 / 1024.0;
    Ok(Outcome {
        raw_write_mb_s: mb_s(size, raw_write),
        raw_read_mb_s: mb_s(size, raw_read),
        upload_mb_s: mb_s(size, upload),
        download_mb_s: mb_s(size, download),
        api_rss_growth_mib: growth(0),
        gw_rss_growth_mib: growth(1),
    })
}
