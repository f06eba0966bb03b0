//! (h) Files: one large file up through the gateway into the api's local store and back,
//! in MB/s, beside a raw write (with fsync, as the store does) and read of the same bytes
//! on the same disk measured in the same run; and the api's and the gateway's peak memory
//! growth while it moves. Then, when an S3-compatible server is given
//! (`AJET_TEST_S3_ENDPOINT`, which `script/bench` starts), the same through the api
//! restarted on the S3 store, beside a direct PUT and GET of the same bytes to that server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::procfs;
use crate::setup::Population;
use crate::stack::Stack;

const CHUNK: usize = 1024 * 1024;

/// The S3 store's figures.
pub struct S3Outcome {
    pub direct_put_mb_s: f64,
    pub direct_get_mb_s: f64,
    pub upload_mb_s: f64,
    pub download_mb_s: f64,
}

pub struct Outcome {
    /// The same bytes over one loopback TCP connection into a reader that drops them: what
    /// a single hop costs on this machine, for reading the two of the gateway and the api.
    pub loopback_mb_s: f64,
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

/// `size` bytes written in `chunk`s over one loopback connection to a reader that drops
/// them; the time until the reader has them all.
async fn loopback(chunk: &[u8], size: u64) -> anyhow::Result<Duration> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let reader = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await?;
        let mut buffer = vec![0u8; CHUNK];
        let mut read = 0u64;
        loop {
            let n = conn.read(&mut buffer).await?;
            if n == 0 {
                return anyhow::Ok(read);
            }
            read += n as u64;
        }
    });
    let start = Instant::now();
    let mut conn = tokio::net::TcpStream::connect(addr).await?;
    for _ in 0..size / chunk.len() as u64 {
        conn.write_all(chunk).await?;
    }
    conn.shutdown().await?;
    let read = reader.await??;
    anyhow::ensure!(
        read == size,
        "the loopback reader got {read} of {size} bytes"
    );
    Ok(start.elapsed())
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

/// Up and down through the gateway; the two speeds, and the file's size.
async fn through_gateway(
    stack: &Stack,
    people: &Population,
    source: &std::path::Path,
) -> anyhow::Result<(Duration, Duration, u64)> {
    let base = format!("http://{}", stack.gateway.addr);
    let token = &people.tokens[0];
    let client = ajet_sdk::Client::new(&base)?.with_token(token)?;
    let general = client
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .ok_or_else(|| anyhow::anyhow!("the benchmark's user has no #general"))?;
    let start = Instant::now();
    let uploaded = client.upload(general.id, source, ajet_sdk::quiet).await?;
    let upload = start.elapsed();
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
    anyhow::ensure!(
        received == uploaded.size as u64,
        "downloaded {received} of {} bytes",
        uploaded.size
    );
    Ok((upload, download, received))
}

/// The S3 store: the api restarted on a bucket of the server at `endpoint`, a file up and
/// down through the gateway, beside a direct PUT and GET of the same bytes.
pub async fn run_s3(
    stack: &mut Stack,
    people: &Population,
    mib: u64,
    endpoint: &str,
) -> anyhow::Result<S3Outcome> {
    let size = mib * 1024 * 1024;
    let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let source = stack.dir.join("s3-source.bin");
    tokio::fs::write(&source, &bytes).await?;

    let config = aws_sdk_s3::Config::builder()
        .behavior_version_latest()
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "bench",
            "bench",
            None,
            None,
            "ajet-bench",
        ))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(config);
    let bucket = format!(
        "ajet-bench-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    s3.create_bucket().bucket(&bucket).send().await?;
    let start = Instant::now();
    s3.put_object()
        .bucket(&bucket)
        .key("direct")
        .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
        .send()
        .await?;
    let put = start.elapsed();
    let start = Instant::now();
    let object = s3.get_object().bucket(&bucket).key("direct").send().await?;
    let got = object.body.collect().await?.into_bytes().len() as u64;
    let get = start.elapsed();
    anyhow::ensure!(got == size, "the direct GET gave {got} of {size} bytes");

    stack
        .restart_api_with(&[
            ("AJET_FILES", "s3".to_owned()),
            ("AJET_S3_ENDPOINT", endpoint.to_owned()),
            ("AJET_S3_BUCKET", bucket.clone()),
            ("AJET_S3_ACCESS_KEY", "bench".to_owned()),
            ("AJET_S3_SECRET_KEY", "bench".to_owned()),
        ])
        .await?;
    let measured = through_gateway(stack, people, &source).await;
    stack.restart_api_with(&[]).await?;
    let _ = tokio::fs::remove_file(&source).await;
    let (upload, download, _) = measured?;
    Ok(S3Outcome {
        direct_put_mb_s: mb_s(size, put),
        direct_get_mb_s: mb_s(size, get),
        upload_mb_s: mb_s(size, upload),
        download_mb_s: mb_s(size, download),
    })
}

/// The local store, beside the disk, with the memory the transfer costs.
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
    let loopback = loopback(&chunk, size).await?;

    let pids = vec![stack.api.pid()?, stack.gateway.pid()?];
    let before: Vec<u64> = pids
        .iter()
        .map(|pid| procfs::rss_kib(*pid))
        .collect::<Result<_, _>>()?;
    let peaks = Peaks::watch(pids);
    let (upload, download, _) = through_gateway(stack, people, &raw).await?;
    let peaks = peaks.stop();
    let _ = tokio::fs::remove_file(&raw).await;

    let growth = |i: usize| peaks[i].saturating_sub(before[i]) as f64 / 1024.0;
    Ok(Outcome {
        loopback_mb_s: mb_s(size, loopback),
        raw_write_mb_s: mb_s(size, raw_write),
        raw_read_mb_s: mb_s(size, raw_read),
        upload_mb_s: mb_s(size, upload),
        download_mb_s: mb_s(size, download),
        api_rss_growth_mib: growth(0),
        gw_rss_growth_mib: growth(1),
    })
}
