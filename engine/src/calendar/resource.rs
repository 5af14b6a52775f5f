//! [`ResourceCalendar`]: the busy entries of one person or room: one per meeting instance,
//! with its status, indexed for overlap queries.

use super::index::{EntryId, IntervalIndex};
use super::interval::Interval;
use crate::ids::MeetingId;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How firmly a resource is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BusyStatus {
    /// Booked and accepted (or not yet answered): blocks other bookings.
    Confirmed,
    /// Answered "tentative": shown as busy-maybe, does not block.
    Tentative,
    /// Held by a transaction that is not decided yet: blocks other bookings.
    Hold,
}

impl BusyStatus {
    /// Whether an entry of this status keeps others from booking the same time.
    pub fn blocks(self) -> bool {
        !matches!(self, BusyStatus::Tentative)
    }
}

/// One instance of one meeting on one resource's calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusyEntry {
    /// When.
    pub interval: Interval,
    /// Which meeting.
    pub meeting: MeetingId,
    /// The instance's original start (its RECURRENCE-ID).
    pub instance: Instant,
    /// How firmly.
    pub status: BusyStatus,
    /// Booked over a conflict because the organizer overrode it.
    pub overridden: bool,
    /// The transaction that placed it, while that transaction is undecided; in what a
    /// reader is shown, also one that is changing its meeting (the entry may move or go).
    #[serde(default)]
    pub txn: Option<crate::ids::TxnId>,
}

/// The busy entries of one resource. Serialized as its entries alone; the index and the
/// per-meeting map are rebuilt on load.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "Snapshot", into = "Snapshot")]
pub struct ResourceCalendar {
    entries: BTreeMap<EntryId, BusyEntry>,
    index: IntervalIndex,
    by_meeting: BTreeMap<MeetingId, BTreeSet<EntryId>>,
    next_id: EntryId,
}

impl ResourceCalendar {
    /// An empty calendar.
    pub fn new() -> ResourceCalendar {
        ResourceCalendar::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds an entry.
    pub fn add(&mut self, entry: BusyEntry) -> EntryId {
        let id = self.next_id;
        self.next_id += 1;
        self.index.insert(entry.interval, id);
        self.by_meeting
            .entry(entry.meeting.clone())
            .or_default()
            .insert(id);
        self.entries.insert(id, entry);
        id
    }

    /// Removes the entries of `meeting` for which `pick` says yes; returns them.
    pub fn remove_where(
        &mut self,
        meeting: &MeetingId,
        mut pick: impl FnMut(&BusyEntry) -> bool,
    ) -> Vec<BusyEntry> {
        let Some(ids) = self.by_meeting.get(meeting) else {
            return vec![];
        };
        let chosen: Vec<EntryId> = ids
            .iter()
            .copied()
            .filter(|id| pick(&self.entries[id]))
            .collect();
        let mut out = Vec::with_capacity(chosen.len());
        for id in chosen {
            self.index.remove(id);
            if let Some(e) = self.entries.remove(&id) {
                out.push(e);
            }
            if let Some(set) = self.by_meeting.get_mut(meeting) {
                set.remove(&id);
                if set.is_empty() {
                    self.by_meeting.remove(meeting);
                }
            }
        }
        out
    }

    /// Removes every entry of `meeting`.
    pub fn remove_meeting(&mut self, meeting: &MeetingId) -> Vec<BusyEntry> {
        self.remove_where(meeting, |_| true)
    }

    /// Changes every entry of `meeting` with `f`.
    pub fn update_meeting(&mut self, meeting: &MeetingId, mut f: impl FnMut(&mut BusyEntry)) {
        if let Some(ids) = self.by_meeting.get(meeting) {
            for id in ids {
                if let Some(e) = self.entries.get_mut(id) {
                    f(e);
                }
            }
        }
    }

    /// The entries of `meeting`, by instance.
    pub fn entries_of(&self, meeting: &MeetingId) -> Vec<&BusyEntry> {
        let mut v: Vec<&BusyEntry> = self
            .by_meeting
            .get(meeting)
            .map(|ids| ids.iter().map(|id| &self.entries[id]).collect())
            .unwrap_or_default();
        v.sort_by_key(|e| e.instance);
        v
    }

    /// Every entry overlapping `q`, sorted by start.
    pub fn overlapping(&self, q: Interval) -> Vec<&BusyEntry> {
        self.index
            .overlapping(q)
            .into_iter()
            .map(|(_, id)| &self.entries[&id])
            .collect()
    }

    /// Entries overlapping `q` that block a booking, other than those of `except`, sorted
    /// by start.
    pub fn blocking(&self, q: Interval, except: Option<&MeetingId>) -> Vec<&BusyEntry> {
        self.overlapping(q)
            .into_iter()
            .filter(|e| e.status.blocks() && Some(&e.meeting) != except)
            .collect()
    }

    /// [`ResourceCalendar::blocking`] in no particular order, without collecting.
    pub fn blocking_unordered<'a>(
        &'a self,
        q: Interval,
        except: Option<&'a MeetingId>,
    ) -> impl Iterator<Item = &'a BusyEntry> + 'a {
        self.index
            .overlapping_unordered(q)
            .map(|(_, id)| &self.entries[&id])
            .filter(move |e| e.status.blocks() && Some(&e.meeting) != except)
    }

    /// The entries of `meeting`, in no particular order, without collecting.
    pub fn entries_of_unordered<'a>(
        &'a self,
        meeting: &MeetingId,
    ) -> impl Iterator<Item = &'a BusyEntry> + 'a {
        self.by_meeting
            .get(meeting)
            .into_iter()
            .flatten()
            .map(|id| &self.entries[id])
    }

    /// All entries, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &BusyEntry> {
        self.entries.values()
    }

    /// The meetings with entries here.
    pub fn meetings(&self) -> impl Iterator<Item = &MeetingId> {
        self.by_meeting.keys()
    }
}

/// The serialized form of a [`ResourceCalendar`].
#[derive(Clone, Serialize, Deserialize)]
struct Snapshot {
    entries: Vec<(EntryId, BusyEntry)>,
    next_id: EntryId,
}

impl From<ResourceCalendar> for Snapshot {
    fn from(c: ResourceCalendar) -> Snapshot {
        Snapshot {
            entries: c.entries.into_iter().collect(),
            next_id: c.next_id,
        }
    }
}

impl From<Snapshot> for ResourceCalendar {
    fn from(s: Snapshot) -> ResourceCalendar {
        let mut c = ResourceCalendar {
            next_id: s.next_id,
            ..Default::default()
        };
        for (id, e) in s.entries {
            c.index.insert(e.interval, id);
            c.by_meeting
                .entry(e.meeting.clone())
                .or_default()
                .insert(id);
            c.next_id = c.next_id.max(id + 1);
            c.entries.insert(id, e);
        }
        c
    }
}
