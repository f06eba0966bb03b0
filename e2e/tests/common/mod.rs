//! The whole stack as processes on loopback: the four services on free ports, against a
//! fresh database and the real NATS, with each service's log kept for inspection.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use ajet_core::{Envelope, EventData};
use ajet_sdk::sse::{EventStream, StreamItem};
use anyhow::{Context, Result, bail};
use futures::StreamExt;
use sqlx::Connection;
use tokio::process::{Child, Command};

/// Where cargo put the binaries: `AJET_BIN_DIR` (set by `script/test`), or next to this
/// test's own directory.
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AJET_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test> → target/<profile>
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub fn bin(name: &str) -> Result<PathBuf> {
    let path = bin_dir().join(name);
    if !path.exists() {
        bail!(
            "{} is missing: run `cargo build --bins` before the end-to-end tests",
            path.display()
        );
    }
    Ok(path)
}

pub fn admin_database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://ajet:ajet@127.0.0.1:5432/ajet".into())
}

pub fn nats_url() -> String {
    std::env::var("AJET_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// One running service.
pub struct Service {
    pub name: &'static str,
    pub port: u16,
    pub log: PathBuf,
    env: Vec<(&'static str, String)>,
    child: Child,
}

impl Service {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn read_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// Starts the service again after a kill, on the same port with the same settings;
    /// its log continues in the same file.
    pub async fn restart(&mut self) -> Result<()> {
        let _ = self.child.kill().await;
        let dir = self.log.parent().map(Path::to_path_buf).unwrap_or_default();
        let fresh = spawn(self.name, self.port, &dir, &self.env)?;
        self.child = fresh.child;
        wait_ready(&format!("{}/health", self.url()), Duration::from_secs(20)).await
    }

    /// The process's resident memory, in KiB (Linux).
    pub fn rss_kib(&self) -> Result<u64> {
        let pid = self.child.id().context("the service has exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS in /proc/PID/status")
    }

    /// Asks the service to stop (SIGTERM), as an orchestrator would.
    pub async fn terminate(&self) -> Result<()> {
        let pid = self.child.id().context("the service has already exited")?;
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await?;
        if !status.success() {
            bail!("kill -TERM {pid} failed");
        }
        Ok(())
    }

    /// Waits for the process to exit; its status, or `None` if it outlived `within`.
    pub async fn exited_within(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        tokio::time::timeout(within, self.child.wait())
            .await
            .ok()?
            .ok()
    }
}

/// The four services and the database they share.
pub struct Stack {
    pub dir: PathBuf,
    pub database_url: String,
    database_name: String,
    pub api: Service,
    pub web_sm: Service,
    pub tui_sm: Service,
    /// A second terminal session manager, when asked for.
    pub tui_sm2: Option<Service>,
    pub gateway: Service,
}

/// How to run a stack.
#[derive(Default)]
pub struct StackOptions {
    /// The NATS server to use, instead of the shared one.
    pub nats_url: Option<String>,
    /// Start a second tui-sm; the gateway sends `/tui/*` to both in turn.
    pub second_tui_sm: bool,
    /// Extra environment for every service.
    pub env: Vec<(&'static str, String)>,
}

impl Stack {
    pub async fn start() -> Result<Self> {
        Self::start_with(StackOptions::default()).await
    }

    pub async fn start_with(options: StackOptions) -> Result<Self> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let database_name = format!("ajet_e2e_{}", &id[..12]);
        let admin_url = admin_database_url();
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .context("cannot reach Postgres at DATABASE_URL")?;
        sqlx::query(&format!("CREATE DATABASE {database_name}"))
            .execute(&mut admin)
            .await?;
        let database_url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{database_name}"),
            None => bail!("DATABASE_URL has no database name"),
        };
        let dir = std::env::temp_dir().join(format!("ajet-e2e-{id}"));
        std::fs::create_dir_all(&dir)?;

        let (api_port, web_port, tui_port, gw_port) =
            (free_port(), free_port(), free_port(), free_port());
        let tui2_port = options.second_tui_sm.then(free_port);
        let tui_sm_urls = match tui2_port {
            Some(second) => format!("http://127.0.0.1:{tui_port},http://127.0.0.1:{second}"),
            None => format!("http://127.0.0.1:{tui_port}"),
        };
        let mut env = vec![
            ("AJET_DATABASE_URL", database_url.clone()),
            (
                "AJET_NATS_URL",
                options.nats_url.clone().unwrap_or_else(nats_url),
            ),
            ("AJET_API_ADDR", format!("127.0.0.1:{api_port}")),
            ("AJET_WEB_SM_ADDR", format!("127.0.0.1:{web_port}")),
            ("AJET_TUI_SM_ADDR", format!("127.0.0.1:{tui_port}")),
            ("AJET_GW_ADDR", format!("127.0.0.1:{gw_port}")),
            ("AJET_API_URL", format!("http://127.0.0.1:{api_port}")),
            ("AJET_WEB_SM_URL", format!("http://127.0.0.1:{web_port}")),
            ("AJET_TUI_SM_URL", tui_sm_urls),
            ("AJET_DEFAULT_COMMUNITY", "E2E".to_owned()),
            ("AJET_FILES_DIR", dir.join("files").display().to_string()),
            ("AJET_LOG_FORMAT", "json".to_owned()),
            ("RUST_LOG", "info".to_owned()),
        ];
        env.extend(options.env.iter().cloned());
        // The api migrates and bootstraps first, so the others find the schema in place.
        let api = spawn("ajet-api", api_port, &dir, &env)?;
        wait_ready(
            &format!("http://127.0.0.1:{api_port}/health"),
            Duration::from_secs(20),
        )
        .await?;
        let web_sm = spawn("ajet-web-sm", web_port, &dir, &env)?;
        let tui_sm = spawn("ajet-tui-sm", tui_port, &dir, &env)?;
        let tui_sm2 = if let Some(port) = tui2_port {
            let mut env2 = env.clone();
            env2.push(("AJET_TUI_SM_ADDR", format!("127.0.0.1:{port}")));
            let log_dir = dir.join("second");
            std::fs::create_dir_all(&log_dir)?;
            Some(spawn("ajet-tui-sm", port, &log_dir, &env2)?)
        } else {
            None
        };
        let gateway = spawn("ajet-auth-gw", gw_port, &dir, &env)?;
        let stack = Self {
            dir,
            database_url,
            database_name,
            api,
            web_sm,
            tui_sm,
            tui_sm2,
            gateway,
        };
        if let Some(second) = &stack.tui_sm2 {
            wait_ready(&format!("{}/ready", second.url()), Duration::from_secs(20)).await?;
        }
        wait_ready(
            &format!("{}/ready", stack.gateway.url()),
            Duration::from_secs(20),
        )
        .await
        .with_context(|| stack.logs())?;
        Ok(stack)
    }

    /// Every service's log, for a failing assertion's message.
    pub fn logs(&self) -> String {
        [&self.api, &self.web_sm, &self.tui_sm, &self.gateway]
            .iter()
            .map(|s| format!("--- {} ---\n{}", s.name, s.read_log()))
            .collect()
    }

    /// Runs `ajet-api <args>` against this stack's database; its stdout.
    pub async fn api_command(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(bin("ajet-api")?)
            .args(args)
            .env("AJET_DATABASE_URL", &self.database_url)
            .env("AJET_DEFAULT_COMMUNITY", "E2E")
            .output()
            .await?;
        if !out.status.success() {
            bail!(
                "ajet-api {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8(out.stdout)?)
    }

    /// A new member of the default community; returns their session token.
    pub async fn user(&self, name: &str) -> Result<String> {
        self.api_command(&["create-user", name]).await?;
        let token = self.api_command(&["create-token", name]).await?;
        Ok(token.trim().to_owned())
    }

    /// A command line for `ajet-chat` against the gateway, isolated from the user's config.
    pub fn cli(&self, token: &str) -> Result<Command> {
        let mut cmd = Command::new(bin("ajet-chat")?);
        cmd.env("AJET_SERVER", self.gateway.url())
            .env("AJET_TOKEN", token)
            .env("HOME", &self.dir)
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .stdin(Stdio::null());
        Ok(cmd)
    }

    /// Runs `ajet-chat <args>` as `token`; (exit success, stdout, stderr).
    pub async fn chat(&self, token: &str, args: &[&str]) -> Result<(bool, String, String)> {
        let out = self.cli(token)?.args(args).output().await?;
        Ok((
            out.status.success(),
            String::from_utf8(out.stdout)?,
            String::from_utf8(out.stderr)?,
        ))
    }

    pub fn sdk(&self, token: &str) -> Result<ajet_sdk::Client> {
        Ok(ajet_sdk::Client::new(&self.gateway.url())?.with_token(token)?)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for service in [
            &mut self.gateway,
            &mut self.tui_sm,
            &mut self.web_sm,
            &mut self.api,
        ] {
            let _ = service.child.start_kill();
        }
        // Best effort: the database goes once the services let go of it.
        let admin_url = admin_database_url();
        let name = self.database_name.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                }
            });
        })
        .join()
        .ok();
    }
}

fn spawn(
    name: &'static str,
    port: u16,
    dir: &Path,
    env: &[(&'static str, String)],
) -> Result<Service> {
    let log = dir.join(format!("{name}.log"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)?;
    let child = Command::new(bin(name)?)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(file.try_clone()?)
        .stderr(file)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {name}"))?;
    Ok(Service {
        name,
        port,
        log,
        env: env.to_vec(),
        child,
    })
}

/// A NATS server of a test's own, which the test may stop and start (the machine's shared
/// one must not be restarted under other tests).
pub struct Nats {
    pub port: u16,
    store: PathBuf,
    child: Option<Child>,
}

impl Nats {
    /// Starts `nats-server` with JetStream on a free port, storing under a fresh directory.
    pub async fn start() -> Result<Self> {
        let store =
            std::env::temp_dir().join(format!("ajet-nats-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&store)?;
        let mut nats = Self {
            port: free_port(),
            store,
            child: None,
        };
        nats.launch().await?;
        Ok(nats)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    async fn launch(&mut self) -> Result<()> {
        let binary = [
            "/usr/sbin/nats-server",
            "/usr/bin/nats-server",
            "/usr/local/bin/nats-server",
        ]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("nats-server");
        let child = Command::new(binary)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start nats-server")?;
        self.child = Some(child);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            if tokio::time::Instant::now() > deadline {
                bail!("nats-server did not start");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Stops the server (its stored stream survives on disk).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts it again on the same port and store.
    pub async fn restart(&mut self) -> Result<()> {
        self.stop().await;
        self.launch().await
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

/// Polls `url` until it answers 200.
pub async fn wait_ready(url: &str, within: Duration) -> Result<()> {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            bail!("{url} was not ready within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The next event on `stream` that `pick` accepts, within `within`.
pub async fn next_matching(
    stream: &mut EventStream,
    within: Duration,
    pick: impl Fn(&Envelope) -> bool,
) -> Result<Envelope> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let item = tokio::time::timeout_at(deadline, stream.next())
            .await
            .context("no matching event in time")?;
        match item {
            Some(StreamItem::Event(event)) if pick(&event) => return Ok(*event),
            Some(StreamItem::Failed(err)) => bail!("the stream was refused: {err}"),
            None => bail!("the stream ended"),
            _ => {}
        }
    }
}

pub async fn open_stream(stack: &Stack, token: &str, path: &str) -> Result<EventStream> {
    let mut stream = stack.sdk(token)?.stream(path, None);
    // Open, and past the hello.
    next_matching(&mut stream, Duration::from_secs(5), |e| {
        matches!(e.data, EventData::Hello { .. })
    })
    .await?;
    Ok(stream)
}
