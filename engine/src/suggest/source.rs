//! [`BusySource`]: where the suggester reads busy time. The node implements it over its
//! own calendars and its cache of other offices' free/busy.

use crate::calendar::{BusyStatus, Interval, ResourceCalendar};
use crate::ids::ResourceId;
use std::collections::BTreeMap;

/// Busy time of resources.
pub trait BusySource {
    /// The busy entries of `r` overlapping `window` (empty for a resource with none).
    fn busy(&self, r: &ResourceId, window: Interval) -> Vec<(Interval, BusyStatus)>;
}

impl BusySource for BTreeMap<ResourceId, ResourceCalendar> {
    fn busy(&self, r: &ResourceId, window: Interval) -> Vec<(Interval, BusyStatus)> {
        self.get(r)
            .map(|c| {
                c.overlapping(window)
                    .into_iter()
                    .map(|e| (e.interval, e.status))
                    .collect()
            })
            .unwrap_or_default()
    }
}
