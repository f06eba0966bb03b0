//! Removes objects nothing refers to: files of deleted messages and accounts, uploads no
//! message took within [`super::ORPHAN_AFTER`], replaced avatars, and local uploads cut
//! short by a crash. Every api instance runs one; rows are claimed with `SKIP LOCKED`, so
//! they share the work without doing it twice.

use std::sync::Arc;
use std::time::Duration;

use ajet_db::PgPool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::Store;

/// How often the sweeper looks when nobody wakes it.
const EVERY: Duration = Duration::from_secs(5 * 60);
/// Rows claimed at a time.
const BATCH: i64 = 200;

/// Wakes the sweeper before its next round.
#[derive(Clone, Default)]
pub struct Waker(Arc<Notify>);

impl Waker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Runs the sweeper until `stop`.
pub fn spawn(
    db: PgPool,
    store: Store,
    waker: Waker,
    orphan_after: Duration,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match sweep(&db, &store, orphan_after).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "file objects removed"),
                Err(err) => {
                    tracing::warn!(error = %err, "the file sweeper failed; it will try again")
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = waker.0.notified() => {}
                () = tokio::time::sleep(EVERY) => {}
            }
        }
    })
}

/// One round: removes every object that is due and forgets it; the number removed.
pub async fn sweep(db: &PgPool, store: &Store, orphan_after: Duration) -> anyhow::Result<usize> {
    let mut removed = store.sweep_partials(orphan_after).await?;
    loop {
        let mut tx = db.begin().await?;
        let due = ajet_db::attachments::due(&mut tx, orphan_after, BATCH).await?;
        if due.is_empty() && due.attachments.is_empty() {
            return Ok(removed);
        }
        for key in &due.keys {
            // A failure leaves the rows, claimed again next round.
            store.delete(key).await?;
        }
        ajet_db::attachments::forget(&mut tx, &due).await?;
        tx.commit().await?;
        removed += due.keys.len();
        if due.attachments.len() < BATCH as usize && due.stale.len() < BATCH as usize {
            return Ok(removed);
        }
    }
}
