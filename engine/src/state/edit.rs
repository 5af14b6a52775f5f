//! Editing the times of a recurring meeting as calendar programs do: one instance on its
//! own (an override, RFC 5545's RECURRENCE-ID), this instance and the following ones, or
//! the whole series from the next instance on. Each edit makes the meeting's next
//! version ([`MeetingSpec::retimed`]); the node books it like any change, atomically at
//! every office, with conflicts checked and everyone told.
//!
//! How a series moves (DESIGN §3b): the recurrence (DTSTART, RDATEs, EXDATEs, UNTIL,
//! cancelled instances and overrides) shifts by the named instance's move in wall-clock
//! time, so a weekly 09:00 stays 09:00 across DST; the instances before the named one
//! stay where they were, each kept as an override (a past meeting does not move). A rule
//! whose BY-parts fix the days or hours (BYDAY=TU moved by a day, BYHOUR=9 moved by an
//! hour) cannot shift alike: that edit is refused with the reason, not half done.

use super::meeting::{MeetingSpec, Moved, BOOKING_HORIZON_SECS, MAX_DURATION_SECS};
use crate::recurrence::rule::Until;
use crate::time::{Disambiguation, Instant, Wall, Zone};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Which instances an edit changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EditScope {
    /// Every instance not yet started (those past stay where they were).
    Series,
    /// One instance, named by its start (as it is now, or its RECURRENCE-ID).
    Instance(Instant),
    /// This instance and every later one.
    ThisAndFollowing(Instant),
}

/// What an edit changes: the named instance's new start (the others move by as much)
/// and the new length. `None` keeps what is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retime {
    /// The new start of the instance the scope names (for `Series`, of the next one).
    pub start: Option<Instant>,
    /// The new length of each instance changed, in seconds.
    pub duration_secs: Option<i64>,
}

/// Why an edit cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The time names no booked instance.
    #[error("{at} is not an instance of meeting {meeting} (cancelled, or never one)")]
    NoSuchInstance {
        /// The meeting.
        meeting: String,
        /// The time asked for.
        at: Instant,
    },
    /// Every instance has started: nothing is left to move.
    #[error("every instance of meeting {0} has started; nothing is left to change")]
    NothingAhead(String),
    /// The edit changes nothing.
    #[error("nothing to change")]
    Unchanged,
    /// A length out of bounds.
    #[error("a length of {0} seconds; 1 to {MAX_DURATION_SECS} only")]
    BadDuration(i64),
    /// The rule's parts fix days or hours that the move would have to change.
    #[error("the rule {rule} fixes the days or hours of its instances, so they cannot all move by {by}; change the rule instead, or move instances one by one")]
    RuleFixesTimes {
        /// The rule, as written.
        rule: String,
        /// The move, as hours and minutes.
        by: String,
    },
    /// The recurrence could not be expanded.
    #[error("{0}")]
    Expand(String),
}

impl MeetingSpec {
    /// The next version of this meeting with the instances `scope` names retimed;
    /// `now` says which instances are past (a `Series` edit leaves them where they
    /// were). Cancelled instances, overrides, RDATEs and EXDATEs move with the series.
    /// The new version's expansion is computed here; its people, rooms and answers are
    /// this version's (the caller asks everyone again if it wants to).
    pub fn retimed(
        &self,
        scope: EditScope,
        change: Retime,
        now: Instant,
    ) -> Result<MeetingSpec, EditError> {
        if let Some(d) = change.duration_secs {
            if d <= 0 || d > MAX_DURATION_SECS {
                return Err(EditError::BadDuration(d));
            }
        }
        let instances = self
            .instances()
            .map_err(|e| EditError::Expand(e.to_string()))?;
        let named = |at: Instant| {
            self.instance_key(at).ok_or(EditError::NoSuchInstance {
                meeting: self.label(),
                at,
            })
        };
        let mut next = match scope {
            EditScope::Instance(at) => self.retime_one(named(at)?, change),
            EditScope::ThisAndFollowing(at) => self.retime_from(named(at)?, change)?,
            EditScope::Series => {
                let ahead = (instances.iter())
                    .find(|(_, iv)| iv.start >= now)
                    .map(|(k, _)| *k)
                    .ok_or_else(|| EditError::NothingAhead(self.label()))?;
                self.retime_from(ahead, change)?
            }
        };
        // An override that says what the rule says is no override.
        let length = next.duration_secs;
        next.overrides
            .retain(|k, m| m.start != *k || m.duration_secs != length);
        next.expand_once()
            .map_err(|e| EditError::Expand(e.to_string()))?;
        if next == *self {
            return Err(EditError::Unchanged);
        }
        Ok(next)
    }

    /// One instance moved or resized on its own.
    fn retime_one(&self, key: Instant, change: Retime) -> MeetingSpec {
        let now = self.time_of(key);
        let mut next = self.clone();
        next.overrides.insert(
            key,
            Moved {
                start: change.start.unwrap_or(now.start),
                duration_secs: change.duration_secs.unwrap_or(now.len_secs()),
            },
        );
        next
    }

    /// The instance keyed `from` and every later one moved by as much as `change` moves
    /// it (in wall-clock time) and given its length; the earlier ones kept in place.
    fn retime_from(&self, from: Instant, change: Retime) -> Result<MeetingSpec, EditError> {
        let zone = self.recurrence.zone;
        let was = self.time_of(from).start;
        let by = match change.start {
            Some(t) => zone.to_wall(t).0 - zone.to_wall(was).0,
            None => 0,
        };
        let length = change.duration_secs.unwrap_or(self.duration_secs);
        let shift = |t: Instant| shifted(zone, t, by);
        let mut next = self.clone();
        next.duration_secs = length;
        let rec = &mut next.recurrence;
        rec.dtstart = Wall(rec.dtstart.0 + by);
        rec.rdates = rec.rdates.iter().map(|&t| shift(t)).collect();
        rec.exdates = rec.exdates.iter().map(|&t| shift(t)).collect();
        for rule in &mut rec.rrules {
            rule.until = rule.until.map(|u| match u {
                Until::Utc(t) => Until::Utc(shift(t)),
                Until::Wall(w) => Until::Wall(Wall(w.0 + by)),
            });
        }
        next.cancelled = self.cancelled.iter().map(|&t| shift(t)).collect();
        let mut overrides = BTreeMap::new();
        let old = self
            .instances()
            .map_err(|e| EditError::Expand(e.to_string()))?;
        for (key, iv) in old {
            let moved = if key < from {
                // Before the named instance: stays where it is.
                Moved {
                    start: iv.start,
                    duration_secs: iv.len_secs(),
                }
            } else {
                match self.overrides.get(&key) {
                    Some(m) => Moved {
                        start: shift(m.start),
                        duration_secs: change.duration_secs.unwrap_or(m.duration_secs),
                    },
                    None => Moved {
                        start: shift(key),
                        duration_secs: length,
                    },
                }
            };
            overrides.insert(shift(key), moved);
        }
        next.overrides = overrides;
        next.expansion = Default::default();
        self.check_shift(&next, by)?;
        Ok(next)
    }

    /// Refuses a shift the rule does not follow: the new recurrence must give the old
    /// one's starts, each moved by `by`, over the span both cover.
    fn check_shift(&self, next: &MeetingSpec, by: i64) -> Result<(), EditError> {
        if by == 0 {
            return Ok(());
        }
        let zone = self.recurrence.zone;
        // Both expansions up to where both reach (each covers the booking horizon from
        // its own first start).
        let expand = |m: &MeetingSpec| -> Result<(Vec<Instant>, Instant), EditError> {
            let first = m.recurrence.start();
            let end = first.plus_secs(BOOKING_HORIZON_SECS);
            let occ = (m.recurrence.between(first, end, usize::MAX))
                .map_err(|e| EditError::Expand(e.to_string()))?;
            Ok((occ.into_iter().map(|o| o.start).collect(), end))
        };
        let (old, old_end) = expand(self)?;
        let (new, new_end) = expand(next)?;
        let end = shifted(zone, old_end, by).min(new_end);
        let want: BTreeSet<Instant> = (old.into_iter())
            .map(|t| shifted(zone, t, by))
            .filter(|t| *t < end)
            .collect();
        let got: BTreeSet<Instant> = new.into_iter().filter(|t| *t < end).collect();
        if want == got {
            return Ok(());
        }
        let rule = (self.recurrence.rrules.first())
            .map_or_else(|| "of its dates".to_string(), |r| r.to_string());
        let sign = if by < 0 { "-" } else { "+" };
        let by = format!("{sign}{}h{:02}", by.abs() / 3600, by.abs() % 3600 / 60);
        Err(EditError::RuleFixesTimes { rule, by })
    }
}

/// `t` moved by `by` seconds of wall-clock time in `zone` (a wall time that does not
/// exist is read as a clock set forward reads it).
pub fn shifted(zone: Zone, t: Instant, by: i64) -> Instant {
    if by == 0 {
        return t;
    }
    let w = Wall(zone.to_wall(t).0 + by);
    zone.to_instant(w, Disambiguation::Compatible)
        .unwrap_or(Instant(t.0 + by))
}
