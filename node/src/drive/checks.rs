//! Checks of a cluster's state that need nothing but its API, shared by the simulator's
//! checkers and `dms scenario run --cluster`: [`settle`] (nothing undecided or waiting
//! in an outbox within [`SETTLE_BOUND`]) and [`calendar_problems`] (no hold left, no
//! two meetings overlapping on a calendar unless one is a recorded override, and the
//! entries exactly the meetings': [`entries_match`]).

use crate::rpc::OfficeRpcClient;
use engine::calendar::{BusyEntry, BusyStatus, Interval};
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::state::{MeetingSpec, Response};
use engine::time::Instant;
use std::collections::BTreeMap;
use std::collections::BTreeSet;
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

/// The meetings one office holds, as far as they were looked up: `None` for one it does
/// not hold.
pub type Held = BTreeMap<MeetingId, Option<MeetingSpec>>;

/// What is wrong with `who`'s calendar (a person's or room's, read at its office `c`)
/// at a quiescent point: holds left, overlaps of two meetings with no override, and
/// entries that are not the meetings' ([`entries_match`]). `held` has what is known of
/// the office's meetings; with `look_up`, those the entries name are looked up and
/// added (else entries of meetings not in `held` are not judged).
pub async fn calendar_problems(
    c: &OfficeRpcClient,
    who: &ResourceId,
    window: Interval,
    held: &mut Held,
    look_up: bool,
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
        // A hold, a tentative entry still placed by its transaction, or an entry of a
        // meeting still being changed: undecided although everything has settled.
        if a.status == BusyStatus::Hold || a.txn.is_some() {
            v.push(format!(
                "{who}: {} of {} left undecided after quiescence",
                if a.status == BusyStatus::Hold {
                    "hold"
                } else {
                    "entry"
                },
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
    for e in entries.iter().filter(|_| look_up) {
        if !held.contains_key(&e.meeting) {
            let got = c
                .meeting(tarpc::context::current(), e.meeting.clone())
                .await;
            match got {
                Ok(m) => drop(held.insert(e.meeting.clone(), m)),
                Err(err) => v.push(format!("{who}: meeting {}: {err}", e.meeting)),
            }
        }
    }
    v.extend(entries_match(who, window, &entries, held));
    v
}

/// Whether `who`'s entries over `window` are exactly what the office's meetings in
/// `held` place: every entry's meeting is held, has `who` (not declined) and that
/// instance at that time; every instance in the window of a held meeting `who` is in
/// (and has not declined) has its entry, once. Meetings not in `held` (not looked up)
/// are not judged.
pub fn entries_match(
    who: &ResourceId,
    window: Interval,
    entries: &[BusyEntry],
    held: &Held,
) -> Vec<String> {
    let mut v = Vec::new();
    let mut placed: BTreeMap<&MeetingId, Vec<(Instant, Interval)>> = BTreeMap::new();
    for e in entries {
        placed
            .entry(&e.meeting)
            .or_default()
            .push((e.instance, e.interval));
    }
    let ids: BTreeSet<&MeetingId> = (placed.keys().copied())
        .filter(|id| held.contains_key(*id))
        .chain(held.keys())
        .collect();
    for id in ids {
        let mut want: Vec<(Instant, Interval)> = match held.get(id).cloned().flatten() {
            Some(m) if takes_time_of(&m, who) => match m.instances() {
                Ok(list) => (list.into_iter())
                    .filter(|(_, i)| i.overlaps(&window))
                    .collect(),
                Err(e) => {
                    v.push(format!("{who}: {id} does not expand: {e}"));
                    continue;
                }
            },
            _ => vec![],
        };
        want.sort();
        let mut have = placed.get(id).cloned().unwrap_or_default();
        have.sort();
        if have != want {
            let why = match held.get(id) {
                Some(None) | None => "a meeting its office does not hold".to_string(),
                Some(Some(_)) => format!(
                    "{} instance(s) placed, {} in the meeting",
                    have.len(),
                    want.len()
                ),
            };
            v.push(format!("{who}: entries of {id} do not match: {why}"));
        }
    }
    v
}

/// Whether `m` puts `who` on a calendar: they are in it and have not declined.
fn takes_time_of(m: &MeetingSpec, who: &ResourceId) -> bool {
    m.resource_refs().contains(&who) && m.response_of(who) != Response::Declined
}
