//! Checks of a cluster's state that need nothing but its API, shared by the simulator's
//! checkers and `dms scenario run --cluster`: [`settle`] (nothing undecided or waiting
//! in an outbox within [`SETTLE_BOUND`]) and [`calendar_problems`] (no hold left and no
//! two meetings overlapping on a calendar unless one is a recorded override).

use crate::rpc::OfficeRpcClient;
use engine::calendar::{BusyStatus, Interval};
use engine::ids::{OfficeId, ResourceId};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long after healing everything must be resolved. Participants ask about an old
/// hold after 3 s and coordinators retry decisions; a crashed office is back within 5 s.
pub const SETTLE_BOUND: Duration = Duration::from_secs(60);

/// Polls every office's health until nothing is undecided or waiting in an outbox;
/// the time it took, or why it did not within [`SETTLE_BOUND`].
pub async fn settle(clients: &BTreeMap<OfficeId, OfficeRpcClient>) -> Result<Duration, String> {
    let start = tokio::time::Instant::now();
    loop {
        let mut busy = Vec::new();
        for (o, c) in clients {
            match c.health(tarpc::context::current()).await {
                Ok(h) if h.pending == 0 && h.outbox == 0 => {}
                Ok(h) => busy.push(format!(
                    "{o}: {} undecided, {} in outbox",
                    h.pending, h.outbox
                )),
                Err(e) => busy.push(format!("{o}: health: {e}")),
            }
        }
        if busy.is_empty() {
            return Ok(start.elapsed());
        }
        if start.elapsed() > SETTLE_BOUND {
            return Err(format!(
                "not settled {SETTLE_BOUND:?} after healing: {}",
                busy.join("; ")
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What is wrong with `who`'s calendar (a person's or room's, read at its office `c`)
/// at a quiescent point: holds left, and overlaps of two meetings with no override.
pub async fn calendar_problems(
    c: &OfficeRpcClient,
    who: &ResourceId,
    window: Interval,
) -> Vec<String> {
    let mut v = Vec::new();
    let entries = match c
        .entries(tarpc::context::current(), who.clone(), window)
        .await
    {
        Ok(Ok(e)) => e,
        other => return vec![format!("{who}: entries: {other:?}")],
    };
    for (i, a) in entries.iter().enumerate() {
        if a.status == BusyStatus::Hold {
            v.push(format!(
                "{who}: hold of {} left after quiescence",
                a.meeting
            ));
        }
        for b in &entries[i + 1..] {
            let blocking = a.status.blocks() && b.status.blocks();
            if blocking
                && a.meeting != b.meeting
                && a.interval.overlaps(&b.interval)
                && !a.overridden
                && !b.overridden
            {
                v.push(format!(
                    "{who} is double-booked: {} and {} overlap, no override recorded",
                    a.meeting, b.meeting
                ));
            }
        }
    }
    v
}
