//! Carrying out the outbox. The worker wakes after every group commit (and at least every
//! [`OUTBOX_EVERY`]; at most every [`OUTBOX_GAP`] while it finds work, so that effects
//! gather under load), sends each waiting delivery to its office and each notification to
//! the sink, and logs `Done` for those that went through. A delivery is retried until the
//! receiver gives a final answer (anything but "meeting being changed"); receivers apply
//! each key once, so a resend after a lost answer or a crash changes nothing. Deliveries
//! to one office go in the order they were made, one at a time. Effects leave only once
//! the records that made them are synced (a pass syncs first if need be).

use super::{bump, lock, OfficeServer};
use crate::storage::Storage;
use engine::ids::OfficeId;
use engine::state::{Command, Effect, Notification, Outcome, Rejection};
use std::collections::BTreeMap;
use std::time::Duration;

/// The longest the outbox waits between passes.
pub const OUTBOX_EVERY: Duration = Duration::from_millis(500);
/// The shortest time between two passes that carried something out.
pub const OUTBOX_GAP: Duration = Duration::from_millis(25);

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Runs the outbox worker until the task is dropped.
    pub async fn outbox_forever(self) {
        loop {
            let waited = tokio::time::timeout(OUTBOX_EVERY, self.shared.wake.notified()).await;
            if self.outbox_pass(waited.is_err()).await > 0 {
                // Under load, let effects gather: one sink call (one file sync, one
                // connection) and one `Done` record for many.
                tokio::time::sleep(OUTBOX_GAP).await;
            }
        }
    }

    /// One pass: tries every waiting effect once; returns how many were done.
    pub async fn outbox_once(&self) -> usize {
        self.outbox_pass(true).await
    }

    /// One pass. Nothing leaves the node before the records that made it are durable: a
    /// lazy record (a participant's commit) lost in a crash would otherwise free its
    /// effect's sequence number, and so its key, for a different notification after
    /// restart. So a pass over effects of records not synced yet waits for the next sync
    /// that covers them (which wakes the worker again), unless `force`d (the worker's
    /// periodic pass): then it syncs first.
    async fn outbox_pass(&self, force: bool) -> usize {
        let (waiting, durable): (Vec<(u64, Effect)>, bool) = {
            let state = lock(&self.shared.state);
            let durable = state.applied_synced();
            if !durable && !force {
                return 0;
            }
            let waiting = state
                .state()
                .outbox()
                .map(|(seq, e)| (seq, e.clone()))
                .collect();
            (waiting, durable)
        };
        if waiting.is_empty() {
            return 0;
        }
        if !durable {
            self.apply_all(vec![]).await;
        }
        let notes: Vec<(u64, &Notification)> = waiting
            .iter()
            .filter_map(|(seq, e)| match e {
                Effect::Notify(n) => Some((*seq, n)),
                Effect::Send { .. } => None,
            })
            .collect();
        let results = self.notify_all(&notes).await;
        let mut seqs = Vec::new();
        for ((seq, n), result) in notes.iter().zip(results) {
            match result {
                Ok(()) => seqs.push(*seq),
                Err(e) => tracing::warn!(key = %n.key, "notification not sent: {e}"),
            }
        }
        bump(&self.shared.counters.notified, seqs.len() as u64);
        // Deliveries keep their order per office (an attendee who declines, then accepts,
        // must end accepted everywhere): each office's are sent one after the other and
        // the first that does not go through holds back the ones after it.
        let mut queues: BTreeMap<&OfficeId, Vec<(u64, &String, &Command)>> = BTreeMap::new();
        for (seq, effect) in &waiting {
            if let Effect::Send { to, key, command } = effect {
                queues.entry(to).or_default().push((*seq, key, command));
            }
        }
        let per_office = queues.into_iter().map(|(to, queue)| async move {
            let mut done = Vec::new();
            for (seq, key, command) in queue {
                if !self.deliver_one(to, key, command).await {
                    break;
                }
                done.push(seq);
            }
            done
        });
        seqs.extend(
            futures::future::join_all(per_office)
                .await
                .into_iter()
                .flatten(),
        );
        let n = seqs.len();
        if n > 0 {
            // Lost in a crash, an effect is carried out again: receivers and sinks
            // drop repeats by key. So `Done` needs no sync of its own.
            self.apply_lazy(Command::Done { seqs }).await;
        }
        n
    }

    /// Hands notifications to the sink, off the runtime's workers (a sink may write and
    /// sync a file, or wait on a webhook or a mail server); one result each.
    async fn notify_all(&self, notes: &[(u64, &Notification)]) -> Vec<Result<(), String>> {
        if notes.is_empty() {
            return Vec::new();
        }
        let sink = self.shared.options.sink.clone();
        let owned: Vec<Notification> = notes.iter().map(|(_, n)| (*n).clone()).collect();
        let n = owned.len();
        super::off_runtime(move || {
            let batch: Vec<&Notification> = owned.iter().collect();
            sink.send_all(&batch)
        })
        .await
        .unwrap_or_else(|| vec![Err("the notification sink panicked".to_string()); n])
    }

    /// Sends one delivery; whether the office gave a final answer.
    async fn deliver_one(&self, to: &OfficeId, key: &str, command: &Command) -> bool {
        let answer = self
            .shared
            .peers
            .call(to, |c| {
                let (key, command) = (key.to_string(), command.clone());
                async move { c.deliver(tarpc::context::current(), key, command).await }
            })
            .await;
        match answer {
            // Not final: retried (a failed log may or may not have taken it; a restarted
            // office drops a repeat by key).
            Ok(Outcome::Rejected(
                Rejection::InProgress { .. } | Rejection::StorageFailed(_) | Rejection::Stopped(_),
            ))
            | Err(_) => false,
            Ok(outcome) => {
                if let Outcome::Rejected(r) = &outcome {
                    tracing::warn!(key, office = %to, "delivered, refused: {r}");
                }
                bump(&self.shared.counters.delivered, 1);
                true
            }
        }
    }
}
