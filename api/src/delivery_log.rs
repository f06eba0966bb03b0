//! The webhooks' delivery logs, written in batches: every delivery that got past its token
//! is logged, so under load one statement stores whatever deliveries queued up while the
//! previous one ran. A delivery's answer waits for its row, so the log an admin reads
//! after a delivery already shows it. Rows past a webhook's last 100 are removed at most
//! once every [`PRUNE_EVERY`] (the log is read newest first, 100 at most, so the extra
//! rows in between are never seen).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use ajet_core::WebhookId;
use ajet_db::webhooks::{self, Delivery};
use ajet_db::{PgConnection, PgPool};
use tokio::sync::{mpsc, oneshot};

/// Rows waiting for the writer; beyond this, deliveries wait for room.
const QUEUE: usize = 4096;
/// The most rows one statement stores.
const MAX_BATCH: usize = 256;
/// How often old rows are removed.
const PRUNE_EVERY: Duration = Duration::from_secs(1);

/// Hands log rows to the writer task. Cheap to share.
pub struct DeliveryLog {
    rows: mpsc::Sender<(Delivery, oneshot::Sender<()>)>,
}

impl DeliveryLog {
    /// Starts the writer task, which ends when the last `DeliveryLog` is dropped.
    pub fn spawn(db: PgPool) -> Self {
        let (rows, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, queue));
        Self { rows }
    }

    /// Logs `delivery`; returns once it is stored. A log that cannot be written loses
    /// that row (with a warning), never the delivery.
    pub async fn write(&self, delivery: Delivery) {
        let (done, stored) = oneshot::channel();
        if self.rows.send((delivery, done)).await.is_ok() {
            let _ = stored.await;
        }
    }
}

async fn run(db: PgPool, mut queue: mpsc::Receiver<(Delivery, oneshot::Sender<()>)>) {
    // One connection kept between batches, set to commit without waiting for the disk.
    // It is detached from the pool, so that no message is ever committed on it.
    let mut conn: Option<PgConnection> = None;
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    let mut pending: HashSet<WebhookId> = HashSet::new();
    let mut pruned = Instant::now();
    while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let (rows, waiters): (Vec<Delivery>, Vec<_>) = jobs.drain(..).unzip();
        pending.extend(rows.iter().map(|r| r.webhook));
        let prune: Vec<WebhookId> = if pruned.elapsed() >= PRUNE_EVERY {
            pruned = Instant::now();
            pending.drain().collect()
        } else {
            Vec::new()
        };
        let written = match connection(&db, &mut conn).await {
            Ok(held) => webhooks::log_deliveries(held, &rows, &prune).await,
            Err(err) => Err(err),
        };
        if written.is_err()
            && let Some(failed) = conn.take()
        {
            sqlx::Connection::close(failed).await.ok();
        }
        if let Err(err) = written {
            tracing::warn!(error = %err, rows = rows.len(), "webhook deliveries could not be logged");
        }
        for waiter in waiters {
            let _ = waiter.send(());
        }
    }
}

/// The writer's connection, opened (and relaxed) when there is none.
async fn connection<'a>(
    db: &PgPool,
    conn: &'a mut Option<PgConnection>,
) -> Result<&'a mut PgConnection, sqlx::Error> {
    if conn.is_none() {
        let mut fresh = db.acquire().await?.detach();
        webhooks::relaxed(&mut fresh).await?;
        *conn = Some(fresh);
    }
    conn.as_mut().ok_or(sqlx::Error::PoolClosed)
}
