//! The invariant checked after every change: on every resource, no two blocking entries of
//! different meetings overlap, unless one of them was booked over the other by an override
//! (and so carries `overridden`).

use crate::calendar::{BusyEntry, ResourceCalendar};
use crate::ids::ResourceId;
use std::fmt;

/// Two entries that should not overlap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The resource.
    pub resource: ResourceId,
    /// One entry.
    pub a: BusyEntry,
    /// The other.
    pub b: BusyEntry,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is double-booked: {} {:?} and {} {:?}, neither overridden",
            self.resource, self.a.meeting, self.a.interval, self.b.meeting, self.b.interval
        )
    }
}

/// Checks one resource's calendar, looking only at entries of the given meetings (the
/// ones a change touched); `None` checks every entry. O(m·(d·log n + k)).
pub fn check_calendar(
    resource: &ResourceId,
    cal: &ResourceCalendar,
    only: Option<&[crate::ids::MeetingId]>,
) -> Result<(), Box<Violation>> {
    let check = |e: &BusyEntry| -> Result<(), Box<Violation>> {
        if !e.status.blocks() || e.overridden {
            return Ok(());
        }
        match cal
            .blocking_unordered(e.interval, Some(&e.meeting))
            .find(|o| !o.overridden)
        {
            Some(o) => Err(Box::new(Violation {
                resource: resource.clone(),
                a: e.clone(),
                b: o.clone(),
            })),
            None => Ok(()),
        }
    };
    match only {
        Some(ms) => ms
            .iter()
            .flat_map(|m| cal.entries_of_unordered(m))
            .try_for_each(check),
        None => cal.iter().try_for_each(check),
    }
}
