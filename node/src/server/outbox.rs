//! Carrying out the outbox, in two lanes with a worker each: notifications to the sink,
//! and deliveries to other offices (so a slow sink never holds up a cancellation on its
//! way). A worker wakes after every group commit (and at least every [`OUTBOX_EVERY`]; at
//! most every [`OUTBOX_GAP`] while it finds work, so that effects gather under load),
//! carries out its lane's waiting effects, and logs `Done` for those that went through. A delivery is retried until the
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
/// The most effects one pass of a lane takes (the oldest first): a backlog (a sink that
/// was down for an hour) goes out in bounded batches, one pass after the other.
pub const OUTBOX_BATCH: usize = 1_000;

/// The outbox's two lanes, each with a worker of its own, so that a slow sink (a webhook
/// receiver that times out) never holds up cancellations and changes on their way to
/// other offices, nor the other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lane {
    /// Notifications to the sink.
    Notify,
    /// Deliveries to other offices.
    Deliver,
}

impl Lane {
    fn takes(self, effect: &Effect) -> bool {
        effect.is_send() == (self == Lane::Deliver)
    }

    /// How many effects of this lane wait in `outbox`.
    fn waiting(self, outbox: &engine::state::Outbox) -> usize {
        match self {
            Lane::Notify => outbox.notifications(),
            Lane::Deliver => outbox.sends(),
        }
    }
}

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Runs both lanes' workers until the task is dropped.
    pub async fn outbox_forever(self) {
        futures::future::join(
            self.clone().lane_forever(Lane::Notify),
            self.lane_forever(Lane::Deliver),
        )
        .await;
    }

    async fn lane_forever(self, lane: Lane) {
        let wake = &self.shared.wake[lane as usize];
        let mut backlog = false;
        loop {
            // A pass that took a full batch left more behind: the next goes at once.
            let waited = if backlog {
                Ok(())
            } else {
                tokio::time::timeout(OUTBOX_EVERY, wake.notified()).await
            };
            let done = self.outbox_pass(lane, waited.is_err()).await;
            backlog = done == OUTBOX_BATCH;
            if done > 0 {
                // Under load, let effects gather: one sink call (one file sync, one
                // connection) and one `Done` record for many.
                tokio::time::sleep(OUTBOX_GAP).await;
            }
        }
    }

    /// One pass of both lanes: tries every waiting effect once (up to [`OUTBOX_BATCH`] of
    /// each lane); returns how many were done.
    pub async fn outbox_once(&self) -> usize {
        let (notified, delivered) = futures::future::join(
            self.outbox_pass(Lane::Notify, true),
            self.outbox_pass(Lane::Deliver, true),
        )
        .await;
        notified + delivered
    }

    /// Wakes the worker of each lane with effects waiting (a sync made them durable, or
    /// reminders came due); an idle lane sleeps on (its periodic pass still comes).
    pub(super) fn wake_outbox(&self) {
        let waiting = {
            let state = lock(&self.shared.state);
            let outbox = state.state().waiting();
            [Lane::Notify, Lane::Deliver].map(|lane| lane.waiting(outbox) > 0)
        };
        for (wake, waiting) in self.shared.wake.iter().zip(waiting) {
            if waiting {
                wake.notify_one();
            }
        }
    }

    /// One pass of `lane`. Nothing leaves the node before the records that made it are
    /// durable: a lazy record (a participant's commit) lost in a crash would otherwise
    /// free its effect's sequence number, and so its key, for a different notification
    /// after restart. So a pass over effects of records not synced yet waits for the next
    /// sync that covers them (which wakes the worker again), unless `force`d (the
    /// worker's periodic pass): then it syncs first.
    async fn outbox_pass(&self, lane: Lane, force: bool) -> usize {
        let (waiting, durable): (Vec<(u64, Effect)>, bool) = {
            let state = lock(&self.shared.state);
            let durable = state.applied_synced();
            if !durable && !force {
                return 0;
            }
            let waiting = state
                .state()
                .outbox()
                .filter(|(_, e)| lane.takes(e))
                .take(OUTBOX_BATCH)
                .map(|(seq, e)| (seq, e.clone()))
                .collect();
            (waiting, durable)
        };
        if waiting.is_empty() {
            return 0;
        }
        if !durable {
            self.apply_all(vec![]).await;
            // A failed sync may have lost the records behind these effects: a restarted
            // node redoes them from its log, under sequence numbers (keys) that may then
            // name other effects.
            if self.storage_failure().is_some() {
                return 0;
            }
        }
        let seqs = match lane {
            Lane::Notify => self.notify_waiting(&waiting).await,
            Lane::Deliver => self.deliver_waiting(&waiting).await,
        };
        let n = seqs.len();
        if n > 0 {
            // Lost in a crash, an effect is carried out again: receivers and sinks
            // drop repeats by key. So `Done` needs no sync of its own.
            self.apply_lazy(Command::Done { seqs }).await;
        }
        n
    }

    /// Hands the waiting notifications to the sink; the sequence numbers of those sent.
    async fn notify_waiting(&self, waiting: &[(u64, Effect)]) -> Vec<u64> {
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
        seqs
    }

    /// Sends the waiting deliveries; the sequence numbers of those that went through.
    /// Deliveries keep their order per office (an attendee who declines, then accepts,
    /// must end accepted everywhere): each office's are sent one after the other and the
    /// first that does not go through holds back the ones after it.
    async fn deliver_waiting(&self, waiting: &[(u64, Effect)]) -> Vec<u64> {
        let mut queues: BTreeMap<&OfficeId, Vec<(u64, &String, &Command)>> = BTreeMap::new();
        for (seq, effect) in waiting {
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
        futures::future::join_all(per_office)
            .await
            .into_iter()
            .flatten()
            .collect()
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
