//! The stack under test: its own NATS server (free port, temporary JetStream store), a
//! fresh database, and the four services on free ports, each logging to a file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sqlx::Connection;
use tokio::process::{Child, Command};

use crate::config::Config;
use crate::http;

/// The community the api creates on first start, which every benchmark user joins.
pub const COMMUNITY: &str = "Bench";

/// The four services, by binary name.
pub const SERVICES: [&str; 4] = ["ajet-api", "ajet-web-sm", "ajet-tui-sm", "ajet-auth-gw"];

/// The variable each service takes its listening address from.
fn addr_var(service: &str) -> &'static str {
    match service {
        "ajet-api" => "AJET_API_ADDR",
        "ajet-web-sm" => "AJET_WEB_SM_ADDR",
        "ajet-tui-sm" => "AJET_TUI_SM_ADDR",
        _ => "AJET_GW_ADDR",
    }
}

/// A loopback address nothing listens on right now.
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// One running process.
pub struct Service {
    pub name: &'static str,
    pub addr: SocketAddr,
    child: Child,
}

impl Service {
    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child
            .id()
            .with_context(|| format!("{} has exited", self.name))
    }

    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Everything the benchmark started.
pub struct Stack {
    pub dir: PathBuf,
    bin_dir: PathBuf,
    admin_url: String,
    database_name: String,
    pub database_url: String,
    pub nats_url: String,
    nats: Option<Child>,
    env: Vec<(&'static str, String)>,
    pub api: Service,
    pub web_sm: Service,
    pub tui_sm: Service,
    pub gateway: Service,
    spawned: usize,
}

impl Stack {
    /// Starts NATS (unless one is given), creates the database, starts the api (which
    /// migrates it), then the other three, and waits until the gateway is ready.
    pub async fn start(config: &Config) -> anyhow::Result<Self> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("ajet-bench-{}", &id[..12]));
        std::fs::create_dir_all(&dir)?;

        let (nats, nats_url) = match &config.nats_url {
            Some(url) => (None, url.clone()),
            None => {
                let (child, url) = start_nats(&config.nats_server, &dir).await?;
                (Some(child), url)
            }
        };

        let database_name = format!("ajet_bench_{}", &id[..12]);
        let mut admin = sqlx::PgConnection::connect(&config.database_url)
            .await
            .context("cannot reach Postgres at DATABASE_URL")?;
        sqlx::query(&format!("CREATE DATABASE {database_name}"))
            .execute(&mut admin)
            .await
            .context("cannot create the benchmark's database (the role needs CREATEDB)")?;
        admin.close().await?;
        let database_url = match config.database_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{database_name}"),
            None => bail!("DATABASE_URL has no database name"),
        };

        let addrs: Vec<SocketAddr> = (0..4).map(|_| free_addr()).collect::<Result<_, _>>()?;
        let url = |a: SocketAddr| format!("http://{a}");
        let env = vec![
            ("AJET_DATABASE_URL", database_url.clone()),
            ("AJET_NATS_URL", nats_url.clone()),
            ("AJET_API_URL", url(addrs[0])),
            ("AJET_WEB_SM_URL", url(addrs[1])),
            ("AJET_TUI_SM_URL", url(addrs[2])),
            ("AJET_DEFAULT_COMMUNITY", COMMUNITY.to_owned()),
            ("AJET_LOG_FORMAT", "json".to_owned()),
            // (h) stores its file beside the raw copy it is compared with, on one disk.
            ("AJET_FILES_DIR", dir.join("files").display().to_string()),
            ("AJET_MAX_UPLOAD_MB", "2048".to_owned()),
            ("RUST_LOG", config.service_log.clone()),
            // The benchmark's posters are people posting far faster than anyone types; the
            // per-person limit would measure the limiter, not the server.
            ("AJET_RATE_LIMIT_USER", "100000000".to_owned()),
            // Likewise for the webhooks, each of which a benchmark task feeds flat out.
            ("AJET_RATE_LIMIT_WEBHOOK", "100000000".to_owned()),
        ];
        let spawn_at = |name: &'static str, addr: SocketAddr| {
            spawn(&config.bin_dir, name, addr, &env, &dir, name)
        };
        // The api migrates and bootstraps first, so the others find the schema in place.
        let started = async {
            let api = spawn_at("ajet-api", addrs[0])?;
            wait_ready(api.addr, Duration::from_secs(60)).await?;
            let web_sm = spawn_at("ajet-web-sm", addrs[1])?;
            let tui_sm = spawn_at("ajet-tui-sm", addrs[2])?;
            let gateway = spawn_at("ajet-auth-gw", addrs[3])?;
            wait_ready(gateway.addr, Duration::from_secs(60)).await?;
            anyhow::Ok([api, web_sm, tui_sm, gateway])
        }
        .await;
        let [api, web_sm, tui_sm, gateway] = match started {
            Ok(services) => services,
            Err(err) => {
                // The services die with their handles; the database must be dropped.
                let logs = logs(&dir);
                let _ = drop_database(&config.database_url, &database_name).await;
                bail!("the stack did not come up: {err:#}\n{logs}");
            }
        };
        Ok(Self {
            dir,
            bin_dir: config.bin_dir.clone(),
            admin_url: config.database_url.clone(),
            database_name,
            database_url,
            nats_url,
            nats,
            env,
            api,
            web_sm,
            tui_sm,
            gateway,
            spawned: 0,
        })
    }

    /// Restarts the api on its address with `extra` added to its environment (the api is
    /// stateless: the rest of the stack carries on).
    pub async fn restart_api_with(
        &mut self,
        extra: &[(&'static str, String)],
    ) -> anyhow::Result<()> {
        let addr = self.api.addr;
        let mut env = self.env.clone();
        env.extend(extra.iter().cloned());
        let _ = self.api.child.kill().await;
        self.spawned += 1;
        let log = format!("ajet-api-{}", self.spawned);
        self.api = spawn(&self.bin_dir, "ajet-api", addr, &env, &self.dir, &log)?;
        wait_ready(addr, Duration::from_secs(60)).await?;
        Ok(())
    }

    /// Starts another instance of `name` on a free port, beside the stack and using it.
    pub fn spawn_extra(&mut self, name: &'static str) -> anyhow::Result<Service> {
        self.spawned += 1;
        let addr = free_addr()?;
        let log = format!("{name}-{}", self.spawned);
        spawn(&self.bin_dir, name, addr, &self.env, &self.dir, &log)
    }

    /// Stops every process, drops the database, and removes the temporary directory
    /// (unless `keep_logs`, when something went wrong and the logs explain it).
    pub async fn stop(mut self, keep_logs: bool) -> anyhow::Result<()> {
        for service in [self.gateway, self.tui_sm, self.web_sm, self.api] {
            service.kill().await;
        }
        if let Some(nats) = self.nats.as_mut() {
            let _ = nats.kill().await;
        }
        drop_database(&self.admin_url, &self.database_name).await?;
        if keep_logs {
            return Ok(());
        }
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("cannot remove {}", self.dir.display()))?;
        Ok(())
    }
}

/// The tail of every log in `dir`, for an error message.
fn logs(dir: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return String::new();
    };
    let mut out = String::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "log") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            out.push_str(&format!("--- {} ---\n", path.display()));
            for line in tail.into_iter().rev() {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

async fn drop_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .with_context(|| format!("cannot drop the database {name}"))?;
    Ok(())
}

fn spawn(
    bin_dir: &Path,
    name: &'static str,
    addr: SocketAddr,
    env: &[(&str, String)],
    dir: &Path,
    log_name: &str,
) -> anyhow::Result<Service> {
    let bin = bin_dir.join(name);
    if !bin.exists() {
        bail!(
            "{} is missing: build the binaries first (cargo build --release --bins)",
            bin.display()
        );
    }
    let log = dir.join(format!("{log_name}.log"));
    let file = std::fs::File::create(&log)?;
    let child = Command::new(&bin)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env(addr_var(name), addr.to_string())
        .stdout(file.try_clone()?)
        .stderr(file)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    Ok(Service { name, addr, child })
}

async fn start_nats(bin: &str, dir: &Path) -> anyhow::Result<(Child, String)> {
    let addr = free_addr()?;
    let store = dir.join("nats");
    std::fs::create_dir_all(&store)?;
    let log = std::fs::File::create(dir.join("nats-server.log"))?;
    let child = Command::new(bin)
        .args([
            "-a",
            "127.0.0.1",
            "-p",
            &addr.port().to_string(),
            "-js",
            "-sd",
        ])
        .arg(&store)
        .stdout(log.try_clone()?)
        .stderr(log)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {bin} (set AJET_BENCH_NATS_SERVER)"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        if Instant::now() > deadline {
            bail!("nats-server did not listen on {addr} within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok((child, format!("nats://{addr}")))
}

/// Polls `GET /ready` on `addr` until it answers 200; how long that took.
pub async fn wait_ready(addr: SocketAddr, within: Duration) -> anyhow::Result<Duration> {
    let start = Instant::now();
    loop {
        if let Ok(status) = http::status_once(addr, "/ready").await
            && status.is_success()
        {
            return Ok(start.elapsed());
        }
        if start.elapsed() > within {
            bail!("http://{addr}/ready did not answer 200 within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
