//! Starting a session manager: one thread; connect to the bus and start the hub; listen;
//! serve until a shutdown signal, then end every stream and wait for the connections to
//! close. Each session manager's `main` parses its config and hands over to [`main`] and
//! [`serve`].

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;

use crate::frame::Framer;
use crate::session::{SessionConfig, Sessions};

/// Runs `serve` to its end on one thread, the session manager's whole life; a failure is
/// one line on stderr (`name: why`) and a failing exit code.
///
/// One thread, because a session manager's work is fan-out: an event wakes the task of
/// every subscribed stream at once. On one thread those tasks all run before the task of
/// the HTTP/2 connection they share with the gateway, which then writes all their frames
/// in one go (see [`crate::serve`]); on several, the connection task is run straight after
/// each stream's, one write per event per stream. More instances behind the gateway use
/// more cores (BENCHMARKS.md has the figures).
pub fn main(name: &str, serve: impl Future<Output = anyhow::Result<()>>) -> ExitCode {
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")
        .and_then(|runtime| runtime.block_on(serve));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{name}: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Where a session manager listens, and what it is called.
#[derive(Clone, Copy, Debug)]
pub struct Listen {
    /// The binary's name (`ajet-tui-sm`): names its NATS connection and its log lines.
    pub name: &'static str,
    pub addr: SocketAddr,
    /// The variable `addr` comes from, for the message when it cannot be listened on.
    pub addr_variable: &'static str,
}

/// Connects to the bus and starts the hub, with events framed by `framer`; serves the
/// router that `app` builds on the [`Sessions`] on `listen.addr` until Ctrl-C or SIGTERM;
/// then ends every open stream and returns once every connection has closed.
pub async fn serve(
    listen: Listen,
    config: &SessionConfig,
    framer: Arc<dyn Framer>,
    app: impl FnOnce(Sessions) -> anyhow::Result<Router>,
) -> anyhow::Result<()> {
    let sessions = Sessions::connect(config, listen.name, framer).await?;
    let stop = sessions.stop.clone();
    let router = app(sessions)?;
    let listener = tokio::net::TcpListener::bind(listen.addr)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} ({})",
                listen.addr, listen.addr_variable
            )
        })?;
    tracing::info!(addr = %listen.addr, service = listen.name, "listening");
    crate::serve::serve(listener, router, async move {
        ajet_telemetry::shutdown_signal().await;
        stop.cancel();
    })
    .await;
    Ok(())
}
