//! Carrying out the outbox. The worker wakes after every group commit (and at least every
//! [`OUTBOX_EVERY`]), sends each waiting delivery to its office and each notification to
//! the sink, and logs `Done` for those that went through. A delivery is retried until the
//! receiver gives a final answer (anything but "meeting being changed"); receivers apply
//! each key once, so a resend after a lost answer or a crash changes nothing.

use super::{bump, lock, OfficeServer};
use crate::storage::Storage;
use engine::state::{Command, Effect, Outcome, Rejection};
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
        let sends = waiting.iter().map(|(seq, effect)| async move {
            match effect {
                Effect::Notify(n) => match self.shared.options.sink.send(n) {
                    Ok(()) => {
                        bump(&self.shared.counters.notified, 1);
                        Some(*seq)
                    }
                    Err(e) => {
                        tracing::warn!(key = %n.key, "notification not sent: {e}");
                        None
                    }
                },
                Effect::Send { to, key, command } => {
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
                }
            }
        });
        let seqs: Vec<u64> = futures::future::join_all(sends)
            .await
            .into_iter()
            .flatten()
            .collect();
        let n = seqs.len();
        if n > 0 {
            self.apply(Command::Done { seqs }).await;
        }
        n
    }
}
