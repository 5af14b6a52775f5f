//! Group commit across concurrent callers. Each caller queues its commands and waits; the
//! first caller to find no one committing becomes the leader and, until the queue is
//! empty, takes everything queued, logs it with one sync, applies it, and hands every
//! caller its outcomes. Commands queued while a sync runs share the next one. A batch of
//! only lazy commands (see `apply_lazy`) is logged without a sync of its own.
//!
//! The leader's loop has no await in it, so a cancelled request can never leave the queue
//! without a leader.

use super::{bump, lock, OfficeServer};
use crate::storage::Storage;
use engine::state::{Command, Outcome, Rejection};
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
            self.lead();
        }
        match rx.await {
            Ok(outcomes) => outcomes,
            Err(_) => vec![storage_failed("the committer went away"); n],
        }
    }

    fn lead(&self) {
        loop {
            let batch = {
                let mut q = lock(&self.shared.queue);
                if q.waiting.is_empty() {
                    q.leading = false;
                    return;
                }
                std::mem::take(&mut q.waiting)
            };
            let all: Vec<Command> = batch
                .iter()
                .flat_map(|(c, _, _)| c.iter().cloned())
                .collect();
            let sync = batch.iter().any(|(_, s, _)| *s);
            let result = lock(&self.shared.state).submit_with(&all, sync);
            bump(&self.shared.counters.syncs, u64::from(sync));
            bump(&self.shared.counters.commands, all.len() as u64);
            let mut outcomes = match result {
                Ok(o) => o.into_iter(),
                Err(e) => vec![storage_failed(&e.to_string()); all.len()].into_iter(),
            };
            for (cmds, _, tx) in batch {
                let mine: Vec<Outcome> = outcomes.by_ref().take(cmds.len()).collect();
                let _ = tx.send(mine);
            }
            self.shared.wake.notify_one();
        }
    }
}

fn storage_failed(why: &str) -> Outcome {
    Outcome::Rejected(Rejection::BadMeeting(format!("storage failed: {why}")))
}
