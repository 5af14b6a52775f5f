//! Helpers shared by the node's integration tests.
#![allow(dead_code)]

pub mod cluster;
pub mod procs;

use engine::ids::{MeetingId, ResourceId};
use engine::recurrence::RecurrenceSet;
use engine::state::{Attendee, MeetingSpec, Response};
use engine::time::{Wall, Zone};

/// A one-hour single meeting at `start` (UTC) with required attendees and rooms.
pub fn meeting(
    id: &str,
    organizer: &str,
    attendees: &[&str],
    rooms: &[&str],
    start: Wall,
) -> MeetingSpec {
    MeetingSpec {
        id: MeetingId::new(id),
        organizer: ResourceId::new(organizer),
        title: id.into(),
        attendees: attendees
            .iter()
            .map(|a| Attendee {
                resource: ResourceId::new(*a),
                required: true,
                response: Response::NeedsAction,
            })
            .collect(),
        rooms: rooms.iter().map(|r| ResourceId::new(*r)).collect(),
        duration_secs: 3600,
        recurrence: RecurrenceSet::single(start, Zone::Utc),
        cancelled: Default::default(),
    }
}
