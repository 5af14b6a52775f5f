//! [`Conflict`]: one proposed instance that collides with one booking on one resource.

use super::interval::Interval;
use super::resource::{BusyStatus, ResourceCalendar};
use crate::ids::{MeetingId, ResourceId};
use serde::{Deserialize, Serialize};

/// A proposed instance and the booking it collides with.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Conflict {
    /// The resource both want.
    pub resource: ResourceId,
    /// The proposed instance.
    pub proposed: Interval,
    /// The meeting already there.
    pub with_meeting: MeetingId,
    /// Its instance's time.
    pub with_interval: Interval,
    /// Its status (confirmed or held).
    pub with_status: BusyStatus,
}

/// Every conflict of the proposed instances on `cal`, ignoring `except` (the meeting being
/// changed). O(m·(d·log n + k)) for m instances.
pub fn find_conflicts(
    cal: &ResourceCalendar,
    resource: &ResourceId,
    proposed: &[Interval],
    except: Option<&MeetingId>,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    for &p in proposed {
        for e in cal.blocking(p, except) {
            out.push(Conflict {
                resource: resource.clone(),
                proposed: p,
                with_meeting: e.meeting.clone(),
                with_interval: e.interval,
                with_status: e.status,
            });
        }
    }
    out
}
