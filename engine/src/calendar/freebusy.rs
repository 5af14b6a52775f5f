//! Free/busy of one resource over a window: busy periods merged per status and the free
//! gaps between blocking ones. What other offices see: times and status, never titles.

use super::interval::{merge, subtract, Interval};
use super::resource::{BusyStatus, ResourceCalendar};
use crate::ids::ResourceId;
use serde::{Deserialize, Serialize};

/// A merged busy period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FreeBusyPeriod {
    /// When.
    pub interval: Interval,
    /// The status of every entry merged into it.
    pub status: BusyStatus,
}

/// Free/busy of one resource over a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeBusy {
    /// Whose.
    pub resource: ResourceId,
    /// Over what.
    pub window: Interval,
    /// Busy periods clipped to the window, merged per status, sorted.
    pub busy: Vec<FreeBusyPeriod>,
    /// The window minus every blocking period (tentative time counts as free).
    pub free: Vec<Interval>,
}

/// Computes free/busy of `cal` over `window`.
pub fn free_busy(cal: &ResourceCalendar, resource: &ResourceId, window: Interval) -> FreeBusy {
    let mut per_status: [Vec<Interval>; 3] = Default::default();
    for e in cal.overlapping(window) {
        if let Some(iv) = e.interval.intersect(&window) {
            per_status[e.status as usize].push(iv);
        }
    }
    let statuses = [
        BusyStatus::Confirmed,
        BusyStatus::Tentative,
        BusyStatus::Hold,
    ];
    let mut busy = Vec::new();
    let mut blocking = Vec::new();
    for (k, list) in per_status.into_iter().enumerate() {
        let merged = merge(list);
        if statuses[k].blocks() {
            blocking.extend(merged.iter().copied());
        }
        busy.extend(merged.into_iter().map(|interval| FreeBusyPeriod {
            interval,
            status: statuses[k],
        }));
    }
    busy.sort();
    let free = subtract(&[window], &merge(blocking));
    FreeBusy {
        resource: resource.clone(),
        window,
        busy,
        free,
    }
}
