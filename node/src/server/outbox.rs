//! Carrying out the outbox. The worker wakes after every group commit (and at least every
//! [`OUTBOX_EVERY`]), sends each waiting delivery to its office and each notification to
//! the sink, and logs `Done` for those that went through. A delivery is retried until the
//! receiver gives a final answer (anything but "meeting being changed"); receivers apply
//! each key once, so a resend after a lost answer or a crash changes nothing.

use super::{bump, lock, OfficeServer};
use crate::storage::Storage;
use engine::state::{Command, Effect, Notification, Outcome, Rejection};
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
        let sends = waiting.iter().filter_map(|(seq, effect)| match effect {
            Effect::Send { to, key, command } => Some(async move {
                let answer = self
                    .shared
                    .peers
                    .call(to, |c| {
                        let (key, command) = (key.clone(), command.clone());
                        async move { c.deliver(tarpc::context::current(), key, command).await }
                    })
                    .await;
                match answer {
                    Ok(Outcome::Rejected(Rejection::InProgress { .. })) | Err(_) => None,
                    Ok(outcome) => {
                        if let Outcome::Rejected(r) = &outcome {
                            tracing::warn!(key, office = %to, "delivered, refused: {r}");
                        }
                        bump(&self.shared.counters.delivered, 1);
                        Some(*seq)
                    }
                }
            }),
            Effect::Notify(_) => None,
        });
        seqs.extend(futures::future::join_all(sends).await.into_iter().flatten());
        let n = seqs.len();
        if n > 0 {
            // Lost in a crash, an effect is carried out again: receivers and sinks
            // drop repeats by key. So `Done` needs no sync of its own.
            self.apply_lazy(Command::Done { seqs }).await;
        }
        n
    }
}
