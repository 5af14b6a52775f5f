//! The API's JSON: what requests carry and responses return. Times go out as RFC 3339
//! with the offset, read in the caller's zone (`?tz=`) or else the meeting's or the
//! resource's own; they come in as RFC 3339 with an offset, or as a local time with a
//! `zone`. Every request type refuses unknown fields.

use super::problem::Problem;
use engine::calendar::BusyStatus;
use engine::state::{MeetingSpec, Response};
use engine::time::format::rfc3339_in;
use engine::time::{Instant, Zone};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An office.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// IANA zone.
    pub zone: String,
    /// Holidays (YYYY-MM-DD).
    pub holidays: Vec<String>,
}

/// A person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Office.
    pub office: String,
    /// Their zone (their office's unless they have their own).
    pub zone: String,
}

/// A room.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Office.
    pub office: String,
    /// Seats.
    pub capacity: u32,
    /// Amenities.
    pub amenities: Vec<String>,
}

/// A new meeting (or, for `PUT`, its new version).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingIn {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// The organizer (books through their office).
    pub organizer: String,
    /// Required attendees.
    #[serde(default)]
    pub attendees: Vec<String>,
    /// Optional attendees (never block; invited as tentative when busy).
    #[serde(default)]
    pub optional: Vec<String>,
    /// Rooms.
    #[serde(default)]
    pub rooms: Vec<String>,
    /// The (first) start: RFC 3339 with an offset, or a local time read in `zone`.
    pub start: String,
    /// The meeting's zone (its series keep their local time in it); default: the
    /// organizer's.
    #[serde(default)]
    pub zone: Option<String>,
    /// Length in minutes.
    pub duration_minutes: i64,
    /// An RRULE value (`FREQ=WEEKLY;INTERVAL=2;BYDAY=TU`).
    #[serde(default)]
    pub rrule: Option<String>,
    /// Extra instances (RDATE), like `start`.
    #[serde(default)]
    pub rdates: Vec<String>,
    /// Instances left out (EXDATE), like `start`.
    #[serde(default)]
    pub exdates: Vec<String>,
    /// Book over conflicts (they come back as warnings).
    #[serde(default, rename = "override")]
    pub force: bool,
}

/// An attendee and their answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendeeOut {
    /// Who.
    pub id: String,
    /// Whether required.
    pub required: bool,
    /// `needs-action`, `accepted`, `declined` or `tentative`.
    pub response: String,
}

/// One instance.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceOut {
    /// Start, RFC 3339.
    pub start: String,
    /// End, RFC 3339.
    pub end: String,
}

/// Instances returned with a meeting, at most.
pub const MAX_INSTANCES_SHOWN: usize = 100;

/// A meeting, as its organizer's office and its attendees see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingOut {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Organizer.
    pub organizer: String,
    /// Attendees and answers.
    pub attendees: Vec<AttendeeOut>,
    /// Rooms.
    pub rooms: Vec<String>,
    /// Its zone.
    pub zone: String,
    /// Length in minutes.
    pub duration_minutes: i64,
    /// Its RRULEs.
    pub rrules: Vec<String>,
    /// Its instances (the first [`MAX_INSTANCES_SHOWN`]).
    pub instances: Vec<InstanceOut>,
    /// Conflicts booked over (an override), in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A meeting as someone outside its offices sees it: when, never what or who.
#[derive(Debug, Serialize, ToSchema)]
pub struct BusyOut {
    /// Id.
    pub id: String,
    /// Its instances (the first [`MAX_INSTANCES_SHOWN`]).
    pub instances: Vec<InstanceOut>,
}

/// An attendee's answer.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseIn {
    /// Who answers (one of the key's office's people).
    pub attendee: String,
    /// `accepted`, `declined` or `tentative`.
    pub response: String,
}

/// Which part of a meeting to cancel.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CancelQuery {
    /// `series` (default), `instance` or `following`.
    pub scope: Option<String>,
    /// For `instance` and `following`: the instance's original start.
    pub at: Option<String>,
}

/// A window and a zone to read times in.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WindowQuery {
    /// Start of the window (default: now).
    pub from: Option<String>,
    /// End of the window (default: 14 days after `from`).
    pub to: Option<String>,
    /// The zone times are returned in.
    pub tz: Option<String>,
}

/// Free/busy of several people and rooms.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FreeBusyQuery {
    /// People and rooms, comma-separated.
    pub who: String,
    /// Start of the window (default: now).
    pub from: Option<String>,
    /// End of the window (default: 14 days after `from`).
    pub to: Option<String>,
    /// The zone times are returned in.
    pub tz: Option<String>,
}

/// One busy period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodOut {
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// `busy` or `tentative`.
    pub status: String,
}

/// One resource's free/busy.
#[derive(Debug, Serialize, ToSchema)]
pub struct FreeBusyOut {
    /// Who.
    pub id: String,
    /// Busy periods.
    pub busy: Vec<PeriodOut>,
}

/// A request for suggested times.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestIn {
    /// Who must come.
    pub required: Vec<String>,
    /// Who may come.
    #[serde(default)]
    pub optional: Vec<String>,
    /// A room, if one is wanted.
    #[serde(default)]
    pub room: Option<String>,
    /// Length in minutes.
    pub duration_minutes: i64,
    /// The window's start.
    pub from: String,
    /// The window's end.
    pub to: String,
    /// How many candidates (default 5, at most 50).
    #[serde(default)]
    pub max: Option<usize>,
}

/// One suggested time.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionOut {
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// Score (higher is better).
    pub score: f64,
    /// The room chosen.
    pub room: Option<String>,
    /// Why, in words.
    pub reasons: Vec<String>,
}

/// Suggested times, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionsOut {
    /// Candidates.
    pub candidates: Vec<SuggestionOut>,
    /// Why there are none, if there are none.
    pub empty_reason: Option<String>,
}

/// A zone by name, or a bad-input problem naming `field`.
pub fn zone(field: &str, name: &str) -> Result<Zone, Problem> {
    Zone::parse(name).map_err(|e| Problem::bad_input(field, e.to_string()))
}

/// An RFC 3339 time, or a local one read in `z`.
pub fn time(field: &str, text: &str, z: Zone) -> Result<Instant, Problem> {
    crate::cli::timearg::parse_time_arg(text)
        .map(|t| t.resolve(z))
        .map_err(|e| Problem::bad_input(field, e))
}

/// The words for an answer.
pub fn response_word(r: Response) -> &'static str {
    match r {
        Response::NeedsAction => "needs-action",
        Response::Accepted => "accepted",
        Response::Declined => "declined",
        Response::Tentative => "tentative",
    }
}

/// An answer from its word.
pub fn parse_response(s: &str) -> Result<Response, Problem> {
    match s {
        "accepted" => Ok(Response::Accepted),
        "declined" => Ok(Response::Declined),
        "tentative" => Ok(Response::Tentative),
        other => Err(Problem::bad_input(
            "response",
            format!("{other:?}: expected accepted, declined or tentative"),
        )),
    }
}

fn instances(m: &MeetingSpec, z: Zone) -> Vec<InstanceOut> {
    (m.instances().unwrap_or_default().into_iter())
        .take(MAX_INSTANCES_SHOWN)
        .map(|(_, iv)| InstanceOut {
            start: rfc3339_in(iv.start, z),
            end: rfc3339_in(iv.end, z),
        })
        .collect()
}

/// A meeting in full, times in `tz` (default: its own zone).
pub fn meeting_out(m: &MeetingSpec, tz: Option<Zone>, warnings: Vec<String>) -> MeetingOut {
    let z = tz.unwrap_or(m.recurrence.zone);
    MeetingOut {
        id: m.id.to_string(),
        title: m.title.clone(),
        organizer: m.organizer.to_string(),
        attendees: (m.attendees.iter())
            .map(|a| AttendeeOut {
                id: a.resource.to_string(),
                required: a.required,
                response: response_word(a.response).into(),
            })
            .collect(),
        rooms: m.rooms.iter().map(|r| r.to_string()).collect(),
        zone: m.recurrence.zone.name().into(),
        duration_minutes: m.duration_secs / 60,
        rrules: m.recurrence.rrules.iter().map(|r| r.to_string()).collect(),
        instances: instances(m, z),
        warnings,
    }
}

/// A meeting as busy time only.
pub fn busy_out(m: &MeetingSpec, tz: Option<Zone>) -> BusyOut {
    BusyOut {
        id: m.id.to_string(),
        instances: instances(m, tz.unwrap_or(Zone::Utc)),
    }
}

/// A busy status in words.
pub fn status_word(s: BusyStatus) -> &'static str {
    match s {
        BusyStatus::Tentative => "tentative",
        _ => "busy",
    }
}
