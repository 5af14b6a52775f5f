//! The API's JSON: what requests carry and responses return. Times go out as RFC 3339
//! with the offset, read in the caller's zone (`?tz=`) or else the meeting's or the
//! resource's own; they come in as RFC 3339 with an offset, or as a local time with a
//! `zone`. Every request type refuses unknown fields.

use super::problem::Problem;
use engine::calendar::BusyStatus;
use engine::ids::ResourceId;
use engine::office::Directory;
use engine::state::{MeetingSpec, Response};
use engine::time::format::rfc3339_in;
use engine::time::{Instant, Zone};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;
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
#[schema(example = json!({"title": "Design review", "organizer": "alice", "attendees": ["dev"],
    "rooms": ["ny-hudson"], "start": "2027-03-03T10:00", "duration_minutes": 45}))]
pub struct MeetingIn {
    /// Title.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub title: String,
    /// The organizer (books through their office).
    pub organizer: String,
    /// Required attendees.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub attendees: Vec<String>,
    /// Optional attendees (never block; invited as tentative when busy).
    #[serde(default)]
    #[schema(max_items = 100)]
    pub optional: Vec<String>,
    /// Rooms.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub rooms: Vec<String>,
    /// The (first) start: RFC 3339 with an offset, or a local time read in `zone`.
    pub start: String,
    /// The meeting's zone (its series keep their local time in it); default: the
    /// organizer's.
    #[serde(default)]
    pub zone: Option<String>,
    /// Length in minutes (at most 7 days).
    #[serde(deserialize_with = "whole")]
    #[schema(minimum = 1, maximum = 10080)]
    pub duration_minutes: i64,
    /// An RRULE value (`FREQ=WEEKLY;INTERVAL=2;BYDAY=TU`).
    #[serde(default)]
    pub rrule: Option<String>,
    /// Extra instances (RDATE), like `start`.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub rdates: Vec<String>,
    /// Instances left out (EXDATE), like `start`.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub exdates: Vec<String>,
    /// Book over conflicts (they come back as warnings).
    #[serde(default, rename = "override")]
    pub force: bool,
    /// Book although the meeting starts in the past (refused otherwise; then a warning).
    #[serde(default)]
    pub allow_past: bool,
    /// Remind the attendees this many minutes before each instance (0: no reminder for
    /// this meeting); default: each person's own lead, else the office's.
    #[serde(default, deserialize_with = "whole_opt")]
    #[schema(minimum = 0, maximum = 10080)]
    pub reminder_minutes: Option<i64>,
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
    /// Where the series put it, if it was moved on its own (its RECURRENCE-ID): the
    /// time that names it, as `at`, besides `start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
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
    /// The UID of the `.ics` event it was imported from, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Minutes before each instance its attendees are reminded, if the meeting says
    /// (0: not at all); absent: each person's own lead, else the office's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminder_minutes: Option<u32>,
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
    /// The answer.
    pub response: Answer,
}

/// An invitee's answer.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// Coming.
    Accepted,
    /// Not coming.
    Declined,
    /// Perhaps.
    Tentative,
}

impl From<Answer> for Response {
    fn from(a: Answer) -> Response {
        match a {
            Answer::Accepted => Response::Accepted,
            Answer::Declined => Response::Declined,
            Answer::Tentative => Response::Tentative,
        }
    }
}

/// Which part of a meeting a cancellation or a change takes.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CancelWhat {
    /// Every instance.
    #[default]
    Series,
    /// The instance at `at`.
    Instance,
    /// The instance at `at` and every later one.
    Following,
}

/// New times for part of a meeting: one instance, this and the following ones, or the
/// series from its next instance on (instances already past stay where they were).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scope": "instance", "at": "2027-03-16T09:00", "start": "2027-03-17T14:00"}))]
pub struct RetimeIn {
    /// `series` (default), `instance` or `following`.
    #[serde(default)]
    pub scope: CancelWhat,
    /// For `instance` and `following`: the instance's start (as it is now, or as the
    /// series put it).
    #[serde(default)]
    pub at: Option<String>,
    /// The new start of the instance named (for `series`, of the next one); later
    /// instances move by as much, in the meeting's local time.
    #[serde(default)]
    pub start: Option<String>,
    /// The new length in minutes of the instances changed.
    #[serde(default, deserialize_with = "whole_opt")]
    #[schema(minimum = 1, maximum = 10080)]
    pub duration_minutes: Option<i64>,
    /// Book over conflicts (recorded, and answered as warnings).
    #[serde(default)]
    pub force: bool,
}

/// A counter-proposal: an invitee proposes another time for the meeting or one
/// instance, or (with `decline`) the organizer declines that proposal. Accepting one is a
/// `retime` of the meeting.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"attendee": "dev", "at": "2027-03-16T09:00", "start": "2027-03-16T11:00"}))]
pub struct CounterIn {
    /// The invitee who proposes (or whose proposal the organizer declines).
    #[schema(max_length = 255)]
    pub attendee: String,
    /// The instance, by its start; absent: the series.
    #[serde(default)]
    pub at: Option<String>,
    /// The proposed start.
    pub start: String,
    /// The proposed length in minutes (default: the meeting's).
    #[serde(default, deserialize_with = "whole_opt")]
    #[schema(minimum = 1, maximum = 10080)]
    pub duration_minutes: Option<i64>,
    /// The organizer declines the proposal.
    #[serde(default)]
    pub decline: bool,
}

/// Who a counter-proposal (or its decline) was sent to.
#[derive(Debug, Serialize, ToSchema)]
pub struct CounterOut {
    /// The meeting.
    pub meeting: String,
    /// Who is told: the organizer of a proposal, the invitee of a decline.
    pub told: String,
}

/// Which part of a meeting to cancel.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CancelQuery {
    /// `series` (default), `instance` or `following`.
    #[param(inline)]
    pub scope: Option<CancelWhat>,
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
    /// 1 to 100 people and rooms, comma-separated.
    #[param(pattern = r"^[^,]+(,[^,]+){0,99}$")]
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
    /// Set when their office did not answer (then `busy` is empty and says nothing):
    /// which office, and why. The others' answers stand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

/// A request for suggested times.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"required": ["alice", "dev"], "duration_minutes": 30,
    "from": "2027-03-01T00:00:00Z", "to": "2027-03-05T00:00:00Z"}))]
pub struct SuggestIn {
    /// Who must come.
    #[schema(min_items = 1, max_items = 100)]
    pub required: Vec<String>,
    /// Who may come.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub optional: Vec<String>,
    /// A room, if one is wanted.
    #[serde(default)]
    pub room: Option<String>,
    /// Length in minutes (at most a day).
    #[serde(deserialize_with = "whole")]
    #[schema(minimum = 1, maximum = 1440)]
    pub duration_minutes: i64,
    /// The window's start.
    pub from: String,
    /// The window's end.
    pub to: String,
    /// How many candidates (default 5).
    #[serde(default, deserialize_with = "whole_opt")]
    #[schema(minimum = 1, maximum = 50)]
    pub max: Option<i64>,
    /// A recurrence (an RRULE value): candidates are first instances of the series.
    #[serde(default)]
    pub rrule: Option<String>,
    /// The zone the series repeats in (default: the first required person's).
    #[serde(default)]
    pub zone: Option<String>,
    /// Only times inside every required person's working hours (default true).
    #[serde(default = "yes")]
    pub working_hours_only: bool,
    /// The share of required people who must be free (default 1: all).
    #[serde(default)]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub min_attendance: Option<f64>,
}

fn yes() -> bool {
    true
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
    /// Offices that did not answer, and what stood in for their people's calendars (the
    /// free/busy last known, with its age, or nothing); absent when all answered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<String>,
}

/// An integer, also when written with a zero fraction (`30.0`): JSON Schema counts
/// both as integers, so the API takes both.
fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(serde::de::Error::custom(format!(
            "expected a whole number, got {n}"
        ))),
    }
}

/// [`whole`], for an optional field (`null` is none).
fn whole_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None => Ok(None),
        Some(v) => whole(v).map(Some).map_err(serde::de::Error::custom),
    }
}

/// A person or room named in a request's body or query: unknown is an invalid value
/// (422; a 404 is only for the resource the path names).
pub fn named(dir: &Directory, field: &str, id: &str) -> Result<ResourceId, Problem> {
    let r = ResourceId::new(id);
    match dir.home(&r) {
        Ok(_) => Ok(r),
        Err(_) => Err(Problem::invalid_value(
            field,
            format!("no person or room {id:?}"),
        )),
    }
}

/// A zone by name, or an invalid-value problem naming `field`.
pub fn zone(field: &str, name: &str) -> Result<Zone, Problem> {
    Zone::parse(name).map_err(|e| Problem::invalid_value(field, e.to_string()))
}

/// An RFC 3339 time, or a local one read in `z`, written with a year in `years` (as
/// the document's pattern says: 400 otherwise; a time that then does not parse, 422).
pub fn time(
    field: &str,
    text: &str,
    z: Zone,
    years: &RangeInclusive<i32>,
) -> Result<Instant, Problem> {
    written_year(field, text, years)?;
    crate::timearg::parse_time_arg(text)
        .map(|t| t.resolve(z))
        .map_err(|e| Problem::invalid_value(field, e))
}

/// Bad input unless `text` starts as the document's date pattern says: a year in
/// `years`, four digits, then a dash.
pub fn written_year(field: &str, text: &str, years: &RangeInclusive<i32>) -> Result<(), Problem> {
    let b = text.as_bytes();
    let year = (b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-')
        .then(|| text[..4].parse::<i32>().ok())
        .flatten();
    if !year.is_some_and(|y| years.contains(&y)) {
        return Err(Problem::bad_input(
            field,
            format!(
                "{text:?}: dates are written YYYY-MM-DD..., years {} to {}",
                years.start(),
                years.end()
            ),
        ));
    }
    Ok(())
}

/// Bad input unless `list` has at least `min` and at most `max` items (the bounds the
/// document states for `field`).
pub fn count(field: &str, len: usize, min: usize, max: usize) -> Result<(), Problem> {
    let wide = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    within(field, wide(len), wide(min), wide(max))
        .map_err(|_| Problem::bad_input(field, format!("{min} to {max} items, not {len}")))
}

/// Bad input unless `n` is within `min..=max` (the bounds the document states).
pub fn within(field: &str, n: i64, min: i64, max: i64) -> Result<(), Problem> {
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(Problem::bad_input(
            field,
            format!("{min} to {max}, not {n}"),
        ))
    }
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

fn instances(m: &MeetingSpec, z: Zone) -> Vec<InstanceOut> {
    let mut all = m.instances().unwrap_or_default();
    all.sort_by_key(|(key, iv)| (iv.start, *key));
    (all.into_iter())
        .take(MAX_INSTANCES_SHOWN)
        .map(|(key, iv)| InstanceOut {
            start: rfc3339_in(iv.start, z),
            end: rfc3339_in(iv.end, z),
            moved_from: m.overrides.contains_key(&key).then(|| rfc3339_in(key, z)),
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
        uid: m.uid.clone(),
        reminder_minutes: m.reminder_minutes,
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
