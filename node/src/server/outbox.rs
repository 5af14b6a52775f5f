//! Carrying out the outbox. The worker wakes after every group commit (and at least every
//! [`OUTBOX_EVERY`]), sends each waiting delivery to its office and each notification to
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

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Runs the outbox worker until the task is dropped.
    pub async fn outbox_forever(self) {
        loop {
            let _ = tokio::time::timeout(OUTBOX_EVERY, self.shared.wake.notified()).await;
            self.outbox_once().await;
        }
    }

    /// One pass: tries every waiting effect once; returns how many were done.
    pub async fn outbox_once(&self) -> usize {
        let waiting: Vec<(u64, Effect)> = lock(&self.shared.state)
            .state()
            .outbox()
            .map(|(seq, e)| (seq, e.clone()))
            .collect();
        if waiting.is_empty() {
            return 0;
        }
        // Nothing leaves the node before the records that made it are durable: a lazy
        // record (a participant's commit) lost in a crash would otherwise free its effect's
        // sequence number, and so its key, for a different notification after restart.
        if !lock(&self.shared.state).all_synced() {
            self.apply_all(vec![]).await;
        }
        let notes: Vec<(u64, &Notification)> = waiting
            .iter()
            .filter_map(|(seq, e)| match e {
                Effect::Notify(n) => Some((*seq, n)),
                Effect::Send { .. } => None,
            })
            .collect();
        let batch: Vec<&Notification> = notes.iter().map(|(_, n)| *n).collect();
        let results = self.shared.options.sink.send_all(&batch);
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
            Ok(Outcome::Rejected(Rejection::InProgress { .. })) | Err(_) => false,
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
