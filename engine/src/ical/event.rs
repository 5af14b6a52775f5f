//! [`Event`]: one VEVENT as the scheduler needs it; [`Series`]: a recurring master with the
//! VEVENTs that override single instances of it (same UID, RECURRENCE-ID set).

use crate::recurrence::limits::MAX_INSTANCES;
use crate::recurrence::{ExpandError, RecurrenceSet};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// One VEVENT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// UID.
    pub uid: String,
    /// SUMMARY.
    pub summary: Option<String>,
    /// DESCRIPTION.
    pub description: Option<String>,
    /// LOCATION.
    pub location: Option<String>,
    /// ORGANIZER (a `mailto:` address, as written).
    pub organizer: Option<String>,
    /// ATTENDEEs.
    pub attendees: Vec<Invitee>,
    /// STATUS (`CONFIRMED`, `TENTATIVE`, `CANCELLED`), upper-cased.
    pub status: Option<String>,
    /// SEQUENCE.
    pub sequence: u32,
    /// Whether DTSTART was a DATE (an all-day event).
    pub all_day: bool,
    /// TRANSP:TRANSPARENT: the event takes no time (a holiday marker, a reminder).
    #[serde(default)]
    pub transparent: bool,
    /// Length of each instance in seconds (DTEND - DTSTART or DURATION).
    pub duration_secs: i64,
    /// DTSTART, the zone, and the recurrence (RRULE, RDATE, EXRULE, EXDATE).
    pub recurrence: RecurrenceSet,
    /// RECURRENCE-ID: the original start of the instance this VEVENT overrides.
    pub recurrence_id: Option<Instant>,
    /// Minutes before each instance its first VALARM goes off (one at the start, or
    /// later, reads as 1; at most a week); `Some(0)`: the event asks for no alarm (RFC
    /// 9074's `ACTION:NONE`); `None`: no VALARM.
    #[serde(default)]
    pub alarm_minutes: Option<u32>,
    /// The physical line of `BEGIN:VEVENT`, for messages.
    pub line: usize,
}

impl Event {
    /// Whether this VEVENT says it is cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.status.as_deref() == Some("CANCELLED")
    }
}

/// One ATTENDEE line: the address as written, whether ROLE says the person is optional
/// (`OPT-PARTICIPANT` or `NON-PARTICIPANT`), and PARTSTAT, upper-cased, if given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitee {
    /// The address (`mailto:...`).
    pub address: String,
    /// ROLE=OPT-PARTICIPANT (or NON-PARTICIPANT).
    pub optional: bool,
    /// PARTSTAT (`ACCEPTED`, `DECLINED`, `TENTATIVE`, `NEEDS-ACTION`...).
    pub partstat: Option<String>,
}

impl Invitee {
    /// A required invitee who has not answered.
    pub fn new(address: impl Into<String>) -> Invitee {
        Invitee {
            address: address.into(),
            optional: false,
            partstat: None,
        }
    }
}

/// One instance of a series, after overrides.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Instance {
    /// When it starts.
    pub start: Instant,
    /// When it ends.
    pub end: Instant,
    /// The original start, when an override moved it.
    pub moved_from: Option<Instant>,
    /// Whether the VEVENT it comes from is all-day (DTSTART a DATE).
    pub all_day: bool,
}

/// All VEVENTs of one UID: the master (if present) and its overrides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// The UID.
    pub uid: String,
    /// The VEVENT without RECURRENCE-ID.
    pub master: Option<Event>,
    /// VEVENTs with RECURRENCE-ID.
    pub overrides: Vec<Event>,
}

impl Series {
    /// The zone the series' times are shown in (the master's, else the first override's).
    pub fn zone(&self) -> crate::time::Zone {
        self.master
            .as_ref()
            .or(self.overrides.first())
            .map(|e| e.recurrence.zone)
            .unwrap_or(crate::time::Zone::Utc)
    }

    /// Whether the series has an end (every RRULE has COUNT or UNTIL).
    pub fn is_bounded(&self) -> bool {
        self.master
            .as_ref()
            .is_none_or(|m| m.recurrence.is_bounded())
    }

    /// The instances starting in `[from, to)`, in time order, moved instances at their new
    /// time and cancelled ones left out; at most `limit`, more is an error.
    pub fn instances(
        &self,
        from: Instant,
        to: Instant,
        limit: usize,
    ) -> Result<Vec<Instance>, ExpandError> {
        let out = self.first_instances(from, Some(to), limit.saturating_add(1))?;
        if out.len() > limit {
            return Err(ExpandError::TooManyInstances { limit });
        }
        Ok(out)
    }

    /// The first `limit` instances starting at or after `from` (and before `to`, if given),
    /// in time order, after overrides. Asking for everything (`limit = usize::MAX`) of a
    /// series that never ends is [`ExpandError::Unbounded`].
    pub fn first_instances(
        &self,
        from: Instant,
        to: Option<Instant>,
        limit: usize,
    ) -> Result<Vec<Instance>, ExpandError> {
        if to.is_none() && limit == usize::MAX && !self.is_bounded() {
            return Err(ExpandError::Unbounded);
        }
        let mut out = Vec::new();
        if let Some(m) = &self.master {
            let mut it = m.recurrence.iter_from(from)?;
            while out.len() < limit {
                let Some(o) = it.next_occurrence()? else {
                    break;
                };
                if o.start < from {
                    continue;
                }
                if to.is_some_and(|t| o.start >= t) {
                    break;
                }
                if self
                    .overrides
                    .iter()
                    .any(|ov| ov.recurrence_id == Some(o.start))
                {
                    continue;
                }
                if out.len() == MAX_INSTANCES {
                    return Err(ExpandError::TooManyInstances {
                        limit: MAX_INSTANCES,
                    });
                }
                out.push(Instance {
                    start: o.start,
                    end: o.start.plus_secs(m.duration_secs),
                    moved_from: None,
                    all_day: m.all_day,
                });
            }
        }
        // An override of an instance its master now excludes (a later version of the
        // series added the EXDATE) is gone with it.
        let excluded = |rid: Option<Instant>| {
            (self.master.as_ref())
                .is_some_and(|m| rid.is_some_and(|r| m.recurrence.exdates.contains(&r)))
        };
        for ov in &self.overrides {
            let start = ov.recurrence.start();
            if ov.is_cancelled()
                || excluded(ov.recurrence_id)
                || start < from
                || to.is_some_and(|t| start >= t)
            {
                continue;
            }
            let moved_from = ov.recurrence_id.filter(|&r| r != start);
            out.push(Instance {
                start,
                end: start.plus_secs(ov.duration_secs),
                moved_from,
                all_day: ov.all_day,
            });
        }
        out.sort();
        out.truncate(limit);
        Ok(out)
    }
}
