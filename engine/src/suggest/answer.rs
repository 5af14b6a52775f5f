//! What a suggestion answer says: candidates with per-attendee availability and reasons,
//! or, when there is none, why (as Microsoft Graph's findMeetingTimes does).

use super::score::ScoreParts;
use crate::ids::ResourceId;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// An attendee's state at a candidate time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Availability {
    /// Nothing booked.
    Free,
    /// A blocking booking.
    Busy,
    /// Only tentative bookings.
    Tentative,
}

/// One attendee at one candidate time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttendeeStatus {
    /// Who.
    pub resource: ResourceId,
    /// Whether required.
    pub required: bool,
    /// Free, busy or tentative.
    pub availability: Availability,
    /// The start in the attendee's own zone, RFC 3339.
    pub local_start: String,
    /// Whether the meeting lies inside their working hours.
    pub in_working_hours: bool,
    /// Whether it overlaps their lunch.
    pub at_lunch: bool,
}

/// How well a recurring proposal's instances fit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceFit {
    /// Instances where every required attendee (and the room) is free.
    pub ok: usize,
    /// Instances checked.
    pub total: usize,
    /// Starts of the instances that do not work (at most 20).
    pub failing: Vec<Instant>,
}

/// One suggested time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Start.
    pub start: Instant,
    /// End.
    pub end: Instant,
    /// The score (see [`super::score`]).
    pub score: f64,
    /// Its parts.
    pub parts: ScoreParts,
    /// Required attendees free.
    pub required_free: usize,
    /// The room chosen, if one was asked for.
    pub room: Option<ResourceId>,
    /// Every attendee's state.
    pub attendees: Vec<AttendeeStatus>,
    /// For a recurring proposal, how its instances fit.
    pub instances: Option<InstanceFit>,
    /// Why this time, in words.
    pub reasons: Vec<String>,
}

/// The answer to a suggestion request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestions {
    /// Best first.
    pub candidates: Vec<Candidate>,
    /// When there are no candidates: why.
    pub empty_reason: Option<String>,
    /// Candidate starts looked at.
    pub slots_considered: usize,
    /// Whose calendars could not be read as they are now (their office did not answer),
    /// and what was used instead, in words; empty when every office answered.
    #[serde(default)]
    pub unavailable: Vec<String>,
}
