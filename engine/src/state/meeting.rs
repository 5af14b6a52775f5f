//! [`MeetingSpec`]: a meeting as booked: organizer, attendees with their responses, rooms,
//! when it starts and how it repeats, and which instances were cancelled.

use crate::calendar::Interval;
use crate::ids::{MeetingId, ResourceId};
use crate::recurrence::{ExpandError, RecurrenceSet};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How far ahead a recurring meeting is booked: instances starting within two years of
/// its first are placed on calendars (and checked for conflicts); a series that goes on
/// is extended by a later change.
pub const BOOKING_HORIZON_SECS: i64 = 2 * 366 * 86_400;
/// The most instances one meeting may place on calendars.
pub const MAX_BOOKED_INSTANCES: usize = 1_000;
/// The most attendees and rooms one meeting may have.
pub const MAX_MEETING_RESOURCES: usize = 500;
/// The longest meeting: one week.
pub const MAX_DURATION_SECS: i64 = 7 * 86_400;

/// An attendee's answer to an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Response {
    /// Not answered yet: the time is held as busy.
    NeedsAction,
    /// Accepted: busy.
    Accepted,
    /// Declined: the time is free again.
    Declined,
    /// Tentative: shown as tentative, does not block.
    Tentative,
}

/// An invited person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    /// Who.
    pub resource: ResourceId,
    /// Whether required (an optional attendee's conflicts do not stop a booking).
    pub required: bool,
    /// Their answer.
    pub response: Response,
}

/// A meeting as booked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingSpec {
    /// Id.
    pub id: MeetingId,
    /// Organizer (also an attendee, accepted).
    pub organizer: ResourceId,
    /// Title: seen by attendees and the owner's office only.
    pub title: String,
    /// Invited people.
    pub attendees: Vec<Attendee>,
    /// Rooms.
    pub rooms: Vec<ResourceId>,
    /// Length of each instance.
    pub duration_secs: i64,
    /// First start, zone and recurrence.
    pub recurrence: RecurrenceSet,
    /// Instances cancelled one by one (by original start).
    #[serde(default)]
    pub cancelled: BTreeSet<Instant>,
}

/// The longest meeting id (ids come from clients' UIDs and `.ics` files).
pub const MAX_ID_BYTES: usize = 255;
/// The earliest year a meeting may start in.
pub const MIN_YEAR: i32 = 1900;
/// The latest year a meeting may start in.
pub const MAX_BOOKING_YEAR: i32 = 2200;

impl MeetingSpec {
    /// One instance of `duration_secs` at `start` (read in `zone`), organized by
    /// `organizer` with required `attendees` who have not answered and `rooms`, titled by
    /// its id. Add rules to `recurrence` for a series.
    pub fn single(
        id: &str,
        organizer: &str,
        attendees: &[&str],
        rooms: &[&str],
        start: crate::time::Wall,
        zone: crate::time::Zone,
        duration_secs: i64,
    ) -> MeetingSpec {
        MeetingSpec {
            id: MeetingId::new(id),
            organizer: ResourceId::new(organizer),
            title: id.to_string(),
            attendees: attendees
                .iter()
                .map(|a| Attendee {
                    resource: ResourceId::new(*a),
                    required: true,
                    response: Response::NeedsAction,
                })
                .collect(),
            rooms: rooms.iter().map(|r| ResourceId::new(*r)).collect(),
            duration_secs,
            recurrence: RecurrenceSet::single(start, zone),
            cancelled: BTreeSet::new(),
        }
    }

    /// Every resource the meeting takes: organizer, attendees, rooms, sorted, without
    /// repeats.
    pub fn resources(&self) -> Vec<ResourceId> {
        self.resource_refs().into_iter().cloned().collect()
    }

    /// [`MeetingSpec::resources`], borrowed.
    pub fn resource_refs(&self) -> Vec<&ResourceId> {
        let mut v: Vec<&ResourceId> = std::iter::once(&self.organizer)
            .chain(self.attendees.iter().map(|a| &a.resource))
            .chain(self.rooms.iter())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The response of `r` (the organizer and rooms have accepted).
    pub fn response_of(&self, r: &ResourceId) -> Response {
        self.attendees
            .iter()
            .find(|a| &a.resource == r)
            .map_or(Response::Accepted, |a| a.response)
    }

    /// Whether `r` must be free for the meeting to be booked without an override.
    pub fn is_required(&self, r: &ResourceId) -> bool {
        self.attendees
            .iter()
            .find(|a| &a.resource == r)
            .is_none_or(|a| a.required)
    }

    /// The instances placed on calendars: within the booking horizon, minus cancelled ones.
    pub fn instances(&self) -> Result<Vec<(Instant, Interval)>, ExpandError> {
        let start = self.recurrence.start();
        let horizon = start.plus_secs(BOOKING_HORIZON_SECS);
        let occ = self
            .recurrence
            .between(start, horizon, MAX_BOOKED_INSTANCES)?;
        Ok(occ
            .into_iter()
            .filter(|o| !self.cancelled.contains(&o.start))
            .map(|o| (o.start, Interval::from_len(o.start, self.duration_secs)))
            .collect())
    }

    /// Checks the limits; the error says which.
    pub fn validate(&self) -> Result<(), String> {
        if self.duration_secs <= 0 || self.duration_secs > MAX_DURATION_SECS {
            return Err(format!(
                "duration must be between 1 second and {MAX_DURATION_SECS} seconds"
            ));
        }
        if self.resource_refs().len() > MAX_MEETING_RESOURCES {
            return Err(format!(
                "more than {MAX_MEETING_RESOURCES} attendees and rooms"
            ));
        }
        if self.title.len() > 1_000 {
            return Err("title longer than 1000 bytes".into());
        }
        Ok(())
    }

    /// The checks a new meeting or a new version passes where it enters the system (a
    /// node's `book` and `update`, the HTTP API, imports), on top of [`Self::validate`]:
    /// an id of 1 to [`MAX_ID_BYTES`] bytes with no control characters, nobody named
    /// twice, a start between [`MIN_YEAR`] and [`MAX_BOOKING_YEAR`]. Not part of
    /// `validate`, which the state machine also runs when it replays its log: a meeting
    /// admitted before these checks existed must replay as it was admitted.
    pub fn admissible(&self) -> Result<(), String> {
        self.validate()?;
        let id = self.id.as_str();
        if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(char::is_control) {
            return Err(format!(
                "meeting id must be 1 to {MAX_ID_BYTES} bytes with no control characters"
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        let named = std::iter::once(&self.organizer)
            .chain(self.attendees.iter().map(|a| &a.resource))
            .chain(self.rooms.iter());
        if let Some(twice) = named.into_iter().find(|r| !seen.insert(*r)) {
            return Err(format!("{twice} is named twice in the meeting"));
        }
        let (first, _, _) = self.recurrence.dtstart.ymd();
        if !(MIN_YEAR..=MAX_BOOKING_YEAR).contains(&first) {
            return Err(format!(
                "the meeting starts in year {first}; dates from {MIN_YEAR} to {MAX_BOOKING_YEAR} only"
            ));
        }
        Ok(())
    }
}
