//! Group commit across concurrent callers. Each caller queues its commands and waits; the
//! first caller to find no one committing starts a leader task which, until the queue is
//! empty, takes everything queued, logs it, waits for its one sync, applies it, and hands
//! every caller its outcomes. Commands queued while a sync runs share the next one. A
//! batch's lazy commands (see `apply_lazy`) go first, logged and applied with no sync
//! of their own, so they never wait for the sync the rest of the batch needs.
//!
//! The office's state is locked to log a batch and to apply it, not while the disk
//! syncs: reads, and requests that are not yet at the disk, go on meanwhile, and the
//! `fdatasync` itself runs on a blocking thread so no runtime worker waits on the disk.
//! The leader is a task of its own, so a cancelled request can never leave the queue
//! without a leader. When a snapshot is due, the leader begins it after applying a batch
//! and a task of its own writes it (see `DurableOffice::begin_snapshot`), so logging
//! never waits for a snapshot.
//!
//! A batch the disk fails to take (a failed write or sync) is neither applied nor
//! retried: its callers hear "storage failed, may or may not have taken effect"
//! (`Rejection::StorageFailed`), and the node refuses every later change unlogged
//! (`Rejection::Stopped`; see `OfficeServer::storage_failure`), since a later sync could
//! make the failed records durable behind their callers' backs.

use super::{bump, lock, OfficeServer};
use crate::durable::DurableError;
use crate::storage::{Lsn, SnapshotWrite, Storage, StorageError, SyncWait};
use engine::state::{Command, OfficeState, Outcome, Rejection};
use tokio::sync::oneshot;

type Waiter = (Vec<Command>, bool, oneshot::Sender<Vec<Outcome>>);

/// Commands waiting for the next sync.
#[derive(Default)]
pub(super) struct Queue {
    waiting: Vec<Waiter>,
    leading: bool,
}

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Logs and applies one command here.
    pub(super) async fn apply(&self, cmd: Command) -> Outcome {
        self.apply_all(vec![cmd])
            .await
            .pop()
            .unwrap_or_else(|| storage_failed("no outcome"))
    }

    /// Logs and applies one command whose loss in a crash is repaired by redoing it, so
    /// it does not wait for a sync of its own (see `DurableOffice::submit_with`).
    pub(super) async fn apply_lazy(&self, cmd: Command) -> Outcome {
        self.enqueue(vec![cmd], false)
            .await
            .pop()
            .unwrap_or_else(|| storage_failed("no outcome"))
    }

    /// [`OfficeServer::apply_lazy`] for several commands, in order.
    pub(super) async fn apply_all_lazy(&self, cmds: Vec<Command>) -> Vec<Outcome> {
        self.enqueue(cmds, false).await
    }

    /// Logs `cmds` (in one sync, with whatever else is queued) and applies them in order.
    pub(super) async fn apply_all(&self, cmds: Vec<Command>) -> Vec<Outcome> {
        self.enqueue(cmds, true).await
    }

    async fn enqueue(&self, cmds: Vec<Command>, sync: bool) -> Vec<Outcome> {
        let n = cmds.len();
        let (tx, rx) = oneshot::channel();
        let lead = {
            let mut q = lock(&self.shared.queue);
            q.waiting.push((cmds, sync, tx));
            !std::mem::replace(&mut q.leading, true)
        };
        if lead {
            tokio::spawn(self.clone().lead());
        }
        match rx.await {
            Ok(outcomes) => outcomes,
            Err(_) => vec![storage_failed("the committer went away"); n],
        }
    }

    async fn lead(self) {
        // A panic below (a bug) must not leave `leading` set with no leader: every later
        // command would wait forever. The guard stops changes instead, as a failed log
        // does (`dms-node` then exits, and recovers from its log when restarted).
        let _guard = Leading(self.clone());
        loop {
            // Requests already runnable (decoded, on their way here) join this batch
            // instead of waiting for the next sync.
            tokio::task::yield_now().await;
            let batch = {
                let mut q = lock(&self.shared.queue);
                if q.waiting.is_empty() {
                    q.leading = false;
                    return;
                }
                std::mem::take(&mut q.waiting)
            };
            // Lazy commands go first, in a part of their own with no sync: they need
            // none, and behind the synced part they would wait for its sync. Waiters are
            // concurrent callers, so any order among them is one they could have had.
            let (lazy, synced): (Vec<Waiter>, Vec<Waiter>) =
                batch.into_iter().partition(|(_, sync, _)| !*sync);
            for (part, sync) in [(lazy, false), (synced, true)] {
                if !part.is_empty() {
                    self.commit_part(part, sync).await;
                }
            }
            self.wake_outbox();
        }
    }

    /// Logs and applies one part of a batch (with one sync, or none) and hands each
    /// caller its outcomes.
    async fn commit_part(&self, part: Vec<Waiter>, sync: bool) {
        let mut all = Vec::new();
        let mut callers = Vec::with_capacity(part.len());
        for (cmds, _, tx) in part {
            callers.push((cmds.len(), tx));
            all.extend(cmds);
        }
        let result = match self.storage_failure() {
            Some(why) => Err(Outcome::Rejected(Rejection::Stopped(why))),
            None => {
                let result = self.commit_batch(&all, sync).await;
                bump(&self.shared.counters.syncs, u64::from(sync));
                bump(&self.shared.counters.commands, all.len() as u64);
                result.map_err(|e| {
                    let why = e.to_string();
                    self.stop_changes(&why);
                    storage_failed(&why)
                })
            }
        };
        let mut outcomes = match result {
            Ok(o) => o.into_iter(),
            Err(refusal) => vec![refusal; all.len()].into_iter(),
        };
        for (n, tx) in callers {
            let mine: Vec<Outcome> = outcomes.by_ref().take(n).collect();
            let _ = tx.send(mine);
        }
    }

    /// Logs `all` and applies it, with the state unlocked while the disk syncs.
    async fn commit_batch(
        &self,
        all: &[Command],
        sync: bool,
    ) -> Result<Vec<Outcome>, DurableError> {
        let wait = lock(&self.shared.state).log_batch(all, sync)?;
        let synced = match wait {
            Some(wait) => Some(disk(wait).await?),
            None => None,
        };
        let mut state = lock(&self.shared.state);
        let outcomes = state.apply_batch(all, synced)?;
        match state.begin_snapshot() {
            Ok(None) => {}
            Ok(Some((write, copy))) => self.snapshot_in_background(write, copy),
            Err(e) => self.stop_changes(&format!("snapshot: {e}")),
        }
        Ok(outcomes)
    }

    /// Writes a snapshot on a blocking thread and finishes it; the office logs and
    /// applies meanwhile. A snapshot that fails stops changes, as a failed log does.
    fn snapshot_in_background(&self, mut write: SnapshotWrite, copy: OfficeState) {
        if let Some(hook) = &self.shared.options.on_snapshot {
            hook();
        }
        let server = self.clone();
        tokio::spawn(async move {
            let written = super::off_runtime(move || {
                crate::durable::write_snapshot(&mut write, &copy).map(|()| write)
            })
            .await;
            let result = match written {
                Some(Ok(write)) => lock(&server.shared.state).finish_snapshot(write),
                Some(Err(e)) => Err(e),
                None => {
                    Err(StorageError::Io(std::io::Error::other("the snapshot panicked")).into())
                }
            };
            if let Err(e) = result {
                server.stop_changes(&format!("snapshot: {e}"));
            }
        });
    }

    /// Refuses every later change: the disk failed, and what it holds is uncertain.
    fn stop_changes(&self, why: &str) {
        tracing::error!(error = %why, "the log failed: no more changes until a restart");
        *lock(&self.shared.failed) = Some(why.to_string());
    }
}

/// Held by the group commit's leader while it runs; see [`OfficeServer::lead`].
struct Leading<S: Storage + Send + 'static>(OfficeServer<S>);

impl<S: Storage + Send + 'static> Drop for Leading<S> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        self.0.stop_changes(
            "a command panicked under the group commit (a bug): the state in memory may be \
             half-changed",
        );
        // The waiting callers' senders go with the queue: each hears "the committer went
        // away" (may or may not have taken effect); later ones lead again and are refused.
        let waiting = {
            let mut q = lock(&self.0.shared.queue);
            q.leading = false;
            std::mem::take(&mut q.waiting)
        };
        drop(waiting);
    }
}

/// Waits for a sync, on a blocking thread when the disk has work to do.
async fn disk(wait: SyncWait) -> Result<Lsn, StorageError> {
    if let Some(delay) = wait.delay() {
        tokio::time::sleep(delay).await;
    }
    if wait.is_done() {
        return Ok(wait.upto());
    }
    super::off_runtime(move || wait.wait())
        .await
        .unwrap_or_else(|| Err(StorageError::Io(std::io::Error::other("the sync panicked"))))
}

fn storage_failed(why: &str) -> Outcome {
    Outcome::Rejected(Rejection::StorageFailed(why.to_string()))
}
