//! Prepares for another office, sent in batches: one queue per office; a prepare that
//! finds fewer senders for its office than its link allows ([`MAX_IN_FLIGHT`] over a
//! short link, [`MAX_IN_FLIGHT_LONG`] over a long one) starts one, which sends
//! everything queued in one `prepare_many` call, hands each waiter its vote, and goes on
//! while prepares keep arriving. With the senders busy, prepares wait in the queue, so
//! under load the batches grow by themselves (as group commit does) and an office gets a
//! few messages per round trip instead of one per booking; an idle system sends a
//! prepare at once. Each batch also carries the decisions waiting for that office (see
//! `decisions`).

use super::{lock, OfficeServer, PREPARE_DEADLINE};
use crate::storage::Storage;
use engine::ids::{OfficeId, TxnId};
use engine::state::{MeetingSpec, Outcome};
use std::collections::BTreeMap;
use tokio::sync::oneshot;

/// The most prepares one message carries.
pub const MAX_PREPARES_PER_CALL: usize = 256;
/// The most attendees and rooms, summed over its meetings, one message carries (so that
/// a batch stays far below the frame limit).
pub const MAX_RESOURCES_PER_CALL: usize = 8_000;

/// One prepare: the transaction, the meeting, and whether to book over conflicts.
pub type PrepareItem = (TxnId, MeetingSpec, bool);

type Waiter = (PrepareItem, oneshot::Sender<Result<Outcome, String>>);

/// How many batches may be in flight to an office over a short link at a time. One: the
/// office syncs a batch at a time anyway, and prepares that wait for the batch ahead of
/// them go in one message and one sync there (`dms bench` on one machine, alternated
/// with 2 and 4: more bookings/s and a lower p99 at 16 and 96 clients).
pub const MAX_IN_FLIGHT: usize = 1;
/// How many may be in flight over a long link (see [`LONG_LINK_MS`]): there a prepare
/// that waited for the batch ahead of it would wait a whole round trip more (measured
/// in the simulator, `global-company`, 80 ms links: a cross-office booking's p50 346 ms
/// with one batch in flight, 193 ms with pipelining, against a floor of 176 ms).
pub const MAX_IN_FLIGHT_LONG: usize = 8;
/// A link whose fastest recent round trip (a batch's call, the office's sync included)
/// took at least this long is a long one. Load slows calls but not the fastest of them,
/// so a loaded link on one machine stays short.
pub const LONG_LINK_MS: i64 = 20;

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiter>,
    senders: usize,
    /// The fastest recent call to the office, milliseconds (it creeps up by 1 ms a call,
    /// so a link that got slower is seen as such after a while).
    fastest_ms: Option<i64>,
}

impl Queue {
    /// How many batches may be in flight to this office now (as over a long link until
    /// a call has come back: a cold start must not queue behind the first round trip).
    fn limit(&self) -> usize {
        match self.fastest_ms {
            Some(ms) if ms < LONG_LINK_MS => MAX_IN_FLIGHT,
            _ => MAX_IN_FLIGHT_LONG,
        }
    }

    /// Takes in how long a call took.
    fn took(&mut self, ms: i64) {
        self.fastest_ms = Some(self.fastest_ms.map_or(ms, |f| (f + 1).min(ms)));
    }
}

/// Prepares waiting, by office.
#[derive(Default)]
pub(super) struct PrepareQueues(BTreeMap<OfficeId, Queue>);

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Whether a prepare sender for `office` is running (it takes the decisions waiting
    /// for that office along, or hands them on when it stops).
    pub(super) fn prepares_under_way(&self, office: &OfficeId) -> bool {
        lock(&self.shared.prepares)
            .0
            .get(office)
            .is_some_and(|q| q.senders > 0)
    }

    /// `office`'s vote on one prepare, sent with whatever else is queued for it.
    pub(super) async fn prepare_at(
        &self,
        office: &OfficeId,
        item: PrepareItem,
    ) -> Result<Outcome, String> {
        let (tx, rx) = oneshot::channel();
        let start = {
            let mut queues = lock(&self.shared.prepares);
            let q = queues.0.entry(office.clone()).or_default();
            q.waiting.push((item, tx));
            let start = q.senders < q.limit();
            q.senders += usize::from(start);
            start
        };
        if start {
            // A task of its own: a cancelled booking must not stop everyone's batch.
            tokio::spawn(self.clone().send_prepares(office.clone()));
        }
        rx.await
            .unwrap_or_else(|_| Err(format!("office {office}: prepare dropped")))
    }

    async fn send_prepares(self, office: OfficeId) {
        loop {
            let batch: Vec<Waiter> = {
                let mut queues = lock(&self.shared.prepares);
                let q = queues.0.entry(office.clone()).or_default();
                if q.waiting.is_empty() {
                    q.senders -= 1;
                    drop(queues);
                    // Decisions posted while this sender ran were left to it.
                    self.hand_back(&office, Vec::new());
                    return;
                }
                // At least one, then while both limits hold.
                let mut resources = 0;
                let n = q
                    .waiting
                    .iter()
                    .take(MAX_PREPARES_PER_CALL)
                    .take_while(|((_, m, _), _)| {
                        resources += m.attendees.len() + m.rooms.len() + 1;
                        resources <= MAX_RESOURCES_PER_CALL
                    })
                    .count()
                    .max(1);
                q.waiting.drain(..n).collect()
            };
            let (items, waiters): (Vec<PrepareItem>, Vec<_>) = batch.into_iter().unzip();
            let n = items.len();
            let decisions = self.take_decisions(&office);
            let sent = self.shared.clock.monotonic_ms();
            let votes = self
                .shared
                .peers
                .call(&office, |c| {
                    let (decisions, items) = (decisions.clone(), items.clone());
                    async move {
                        let mut ctx = tarpc::context::current();
                        ctx.deadline = std::time::Instant::now() + PREPARE_DEADLINE;
                        c.prepare_many(ctx, decisions, items).await
                    }
                })
                .await;
            if votes.is_ok() {
                let ms = self.shared.clock.monotonic_ms() - sent;
                lock(&self.shared.prepares)
                    .0
                    .entry(office.clone())
                    .or_default()
                    .took(ms);
            }
            if votes.is_err() {
                self.hand_back(&office, decisions);
            }
            match votes {
                Ok(votes) if votes.len() == n => {
                    for (tx, vote) in waiters.into_iter().zip(votes) {
                        let _ = tx.send(Ok(vote));
                    }
                }
                Ok(votes) => {
                    let why = format!("office {office}: {} votes for {n} prepares", votes.len());
                    for tx in waiters {
                        let _ = tx.send(Err(why.clone()));
                    }
                }
                Err(why) => {
                    for tx in waiters {
                        let _ = tx.send(Err(why.clone()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_long_by_its_fastest_recent_call() {
        let mut q = Queue::default();
        assert_eq!(q.limit(), MAX_IN_FLIGHT_LONG, "unknown: as long");
        for ms in [2, 40, 90, 3] {
            q.took(ms); // one machine, under load now and then
        }
        assert_eq!(q.limit(), MAX_IN_FLIGHT);
        let mut far = Queue::default();
        for ms in [170, 420, 165, 168] {
            far.took(ms); // across an ocean
        }
        assert_eq!(far.limit(), MAX_IN_FLIGHT_LONG);
        // A link that got slow is seen as long after a while.
        for _ in 0..30 {
            q.took(60);
        }
        assert_eq!(q.limit(), MAX_IN_FLIGHT_LONG);
    }
}
