//! [`SuggestRequest`]: who, how long, when, where, and how to rank.

use crate::calendar::Interval;
use crate::ids::{OfficeId, ResourceId};
use crate::recurrence::Rule;
use crate::time::{Instant, Zone};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The most attendees (required and optional) one request may name.
pub const MAX_ATTENDEES: usize = 500;
/// The most candidate start times one request may consider (window / granularity).
pub const MAX_SLOTS: usize = 20_000;
/// The most candidates one answer may hold.
pub const MAX_CANDIDATES: usize = 100;
/// The most instances of a recurring proposal checked per candidate.
pub const MAX_RECURRING_INSTANCES: usize = 52;
/// How many of the best first-instance candidates a recurring proposal checks in full.
pub const RECURRING_SHORTLIST: usize = 200;

/// Which room, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoomRequest {
    /// This room.
    Specific(ResourceId),
    /// Any room with enough seats and these amenities, in this office if given.
    Any {
        /// Seats needed (default: the number of attendees).
        min_capacity: Option<u32>,
        /// Amenities needed.
        amenities: BTreeSet<String>,
        /// Office the room must be in.
        office: Option<OfficeId>,
    },
}

/// What to suggest times for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuggestRequest {
    /// Attendees who must be free.
    pub required: Vec<ResourceId>,
    /// Attendees it would be good to have.
    #[serde(default)]
    pub optional: Vec<ResourceId>,
    /// A room.
    #[serde(default)]
    pub room: Option<RoomRequest>,
    /// Length of the meeting.
    pub duration_secs: i64,
    /// Where to look.
    pub window: Interval,
    /// Step between candidate starts (default 15 minutes).
    #[serde(default = "default_granularity")]
    pub granularity_secs: i64,
    /// The time the organizer would like best.
    #[serde(default)]
    pub preferred: Option<Instant>,
    /// How many candidates (default 5, at most [`MAX_CANDIDATES`]).
    #[serde(default = "default_max")]
    pub max_candidates: usize,
    /// The share of required attendees that must be free (default 1: all of them).
    #[serde(default = "default_attendance")]
    pub min_attendance: f64,
    /// Only times inside every required attendee's working hours.
    #[serde(default)]
    pub working_hours_only: bool,
    /// A recurrence for the meeting: candidates are first instances.
    #[serde(default)]
    pub recurrence: Option<Rule>,
    /// The organizer's zone: recurrences repeat on its wall clock (default: the first
    /// required attendee's zone).
    #[serde(default)]
    pub zone: Option<Zone>,
}

fn default_granularity() -> i64 {
    900
}
fn default_max() -> usize {
    5
}
fn default_attendance() -> f64 {
    1.0
}

impl SuggestRequest {
    /// A request with the defaults.
    pub fn new(required: Vec<ResourceId>, duration_secs: i64, window: Interval) -> SuggestRequest {
        SuggestRequest {
            required,
            optional: vec![],
            room: None,
            duration_secs,
            window,
            granularity_secs: default_granularity(),
            preferred: None,
            max_candidates: default_max(),
            min_attendance: default_attendance(),
            working_hours_only: false,
            recurrence: None,
            zone: None,
        }
    }

    /// Checks the limits and values; returns the number of slots.
    pub fn validate(&self) -> Result<usize, SuggestError> {
        let n = self.required.len() + self.optional.len();
        if n == 0 {
            return Err(SuggestError::Bad("no attendees".into()));
        }
        if n > MAX_ATTENDEES {
            return Err(SuggestError::Bad(format!(
                "{n} attendees; the limit is {MAX_ATTENDEES}"
            )));
        }
        if self.duration_secs <= 0 || self.duration_secs > 7 * 86_400 {
            return Err(SuggestError::Bad(
                "duration must be between 1 second and 7 days".into(),
            ));
        }
        if self.granularity_secs < 60 {
            return Err(SuggestError::Bad(
                "granularity must be at least 60 seconds".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_attendance) {
            return Err(SuggestError::Bad(
                "min_attendance must be between 0 and 1".into(),
            ));
        }
        if self.max_candidates == 0 || self.max_candidates > MAX_CANDIDATES {
            return Err(SuggestError::Bad(format!(
                "max_candidates must be 1..={MAX_CANDIDATES}"
            )));
        }
        let slots = self.window.len_secs() / self.granularity_secs;
        if slots as usize > MAX_SLOTS {
            return Err(SuggestError::Bad(format!(
                "{slots} candidate starts (window / granularity); the limit is {MAX_SLOTS}"
            )));
        }
        Ok(slots.max(0) as usize)
    }
}

/// Why no suggestion could be computed at all (an empty answer is not an error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SuggestError {
    /// The request breaks a limit or makes no sense.
    #[error("bad suggestion request: {0}")]
    Bad(String),
    /// It names someone or something unknown.
    #[error(transparent)]
    Directory(#[from] crate::office::DirectoryError),
    /// Its recurrence cannot be expanded.
    #[error(transparent)]
    Expand(#[from] crate::recurrence::ExpandError),
}
