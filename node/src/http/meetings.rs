//! Meetings: create (single or recurring; an `Idempotency-Key` header is required, so a
//! retried request never books twice), read, change, cancel (the series, one instance,
//! or this and the following ones), and answer. Each is forwarded to the office that
//! owns the acting person: the organizer's, or the attendee's for answers.

use super::keys::{KeyRecord, Scope};
use super::model::{
    self, count, meeting_out, within, CancelWhat, MeetingIn, MeetingOut, ResponseIn,
};
use super::problem::Problem;
use super::{json_body, Api, Shared};
use crate::rpc::BookReply;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::ids::{MeetingId, ResourceId};
use engine::recurrence::{RecurrenceSet, Rule};
use engine::state::{CancelScope, MeetingSpec, Outcome, Rejection, Response as Answer};
use engine::time::Zone;
use serde::Deserialize;
use utoipa::IntoParams;

/// The header that makes a create safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The zone to return times in.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TzQuery {
    /// An IANA zone (default: the meeting's own).
    pub tz: Option<String>,
}

pub(super) fn tz(q: &Option<String>) -> Result<Option<Zone>, Problem> {
    q.as_deref().map(|z| model::zone("tz", z)).transpose()
}

fn person(api: &Api, field: &str, id: &str) -> Result<ResourceId, Problem> {
    let r = ResourceId::new(id);
    if api.dir.people.contains_key(&r) {
        Ok(r)
    } else {
        Err(Problem::invalid_value(field, format!("no person {id:?}")))
    }
}

/// Bad input unless the request keeps the bounds the OpenAPI document states.
fn shape(m: &MeetingIn) -> Result<(), Problem> {
    count("title", m.title.chars().count(), 0, 1000)?;
    count("attendees", m.attendees.len(), 0, 100)?;
    count("optional", m.optional.len(), 0, 100)?;
    count("rooms", m.rooms.len(), 0, 10)?;
    count("rdates", m.rdates.len(), 0, 500)?;
    count("exdates", m.exdates.len(), 0, 500)?;
    within("duration_minutes", m.duration_minutes, 1, 7 * 24 * 60)
}

/// A request's `reminder_minutes`, in range (0 to a week), or a problem naming it.
fn reminder_of(minutes: Option<i64>) -> Result<Option<u32>, Problem> {
    use engine::state::meeting::MAX_REMINDER_MINUTES;
    let Some(n) = minutes else { return Ok(None) };
    match u32::try_from(n) {
        Ok(m) if m <= MAX_REMINDER_MINUTES => Ok(Some(m)),
        _ => Err(Problem::invalid_value(
            "reminder_minutes",
            format!("{n}: a reminder is 0 to {MAX_REMINDER_MINUTES} minutes ahead (a week)"),
        )),
    }
}

/// The meeting a request describes, with id `id`, checked as the engine will.
fn spec_of(api: &Api, id: MeetingId, m: &MeetingIn) -> Result<MeetingSpec, Problem> {
    shape(m)?;
    let organizer = person(api, "organizer", &m.organizer)?;
    let zone = match &m.zone {
        Some(z) => model::zone("zone", z)?,
        None => api.dir.zone_of(&organizer).unwrap_or(Zone::Utc),
    };
    let start = model::time("start", &m.start, zone, &api.years)?;
    let mut recurrence = RecurrenceSet::single(zone.to_wall(start), zone);
    if let Some(r) = &m.rrule {
        let rule = Rule::parse(r).map_err(|e| Problem::invalid_value("rrule", e.to_string()))?;
        recurrence.rrules.push(rule);
    }
    for (field, list, out) in [
        ("rdates", &m.rdates, &mut recurrence.rdates),
        ("exdates", &m.exdates, &mut recurrence.exdates),
    ] {
        for (i, t) in list.iter().enumerate() {
            out.push(model::time(&format!("{field}[{i}]"), t, zone, &api.years)?);
        }
    }
    let named = |field: &str, list: &[String]| -> Result<Vec<ResourceId>, Problem> {
        (list.iter().enumerate())
            .map(|(i, a)| person(api, &format!("{field}[{i}]"), a))
            .collect()
    };
    let attendees = engine::state::meeting::invitees(
        &organizer,
        named("attendees", &m.attendees)?,
        named("optional", &m.optional)?,
    );
    let mut rooms = Vec::new();
    for (i, r) in m.rooms.iter().enumerate() {
        let room = ResourceId::new(r);
        if !api.dir.rooms.contains_key(&room) {
            return Err(Problem::invalid_value(
                &format!("rooms[{i}]"),
                format!("no room {r:?}"),
            ));
        }
        if !rooms.contains(&room) {
            rooms.push(room);
        }
    }
    let spec = MeetingSpec {
        id,
        organizer,
        title: m.title.clone(),
        attendees,
        rooms,
        duration_secs: m.duration_minutes * 60,
        recurrence,
        cancelled: Default::default(),
        expansion: Default::default(),
        uid: None,
        sequence: 0,
        overrides: Default::default(),
        reminder_minutes: reminder_of(m.reminder_minutes)?,
    };
    let mut spec = spec;
    spec.admissible()
        .map_err(|e| Problem::invalid_value("meeting", e))?;
    // Expanded here to tell the caller what is wrong with a rule, and kept for the
    // answer; the node expands again where it admits the meeting (outside its lock).
    spec.expand_once()
        .map_err(|e| Problem::invalid_value("rrule", e.to_string()))?;
    match spec.instances() {
        Ok(i) if i.is_empty() => Err(Problem::invalid_value(
            "rrule",
            "the meeting has no instance",
        )),
        Ok(_) => Ok(spec),
        Err(e) => Err(Problem::invalid_value("rrule", e.to_string())),
    }
}

/// Forbidden unless the key may act for `who` (a person-bound key only as its person).
pub fn may_act_for(api: &Api, key: &KeyRecord, who: &ResourceId) -> Result<(), Problem> {
    if api.acts_for(key, who) {
        return Ok(());
    }
    Err(Problem::forbidden(match &key.person {
        Some(p) if !key.has(Scope::Admin) => format!("the key acts as {p} only, not as {who}"),
        _ => format!("the key is for office {}, not {who}'s", key.office),
    }))
}

/// How far a request asking to override (`asked`) may: forbidden without the override
/// scope; its own office's resources only unless the key is an admin's.
pub(super) fn force_of(key: &KeyRecord, asked: bool) -> Result<crate::auth::Force, Problem> {
    if asked && !key.has(Scope::Override) {
        return Err(
            Problem::forbidden("booking over conflicts needs the override scope")
                .with("missing_scope", Scope::Override),
        );
    }
    Ok(key.grant().force(asked))
}

/// The id of the meeting a key's idempotency key creates.
fn meeting_id(key: &KeyRecord, idempotency: &str) -> MeetingId {
    MeetingId::of_request(&key.id, idempotency)
}

/// Finds a meeting: at the caller's office first, then at every office; the
/// organizer's copy when there is one.
pub(super) async fn find(
    api: &Api,
    key: &KeyRecord,
    id: &MeetingId,
) -> Result<MeetingSpec, Problem> {
    let mut order = vec![key.office.clone()];
    order.extend(api.peers.keys().filter(|o| **o != key.office).cloned());
    for office in order {
        let Ok(client) = api.office(&office).await else {
            continue;
        };
        let Ok(Some(copy)) = client.meeting(tarpc::context::current(), id.clone()).await else {
            continue;
        };
        let home = api.home(&copy.organizer)?;
        if home == office {
            return Ok(copy);
        }
        let client = api.office(&home).await?;
        return match client.meeting(tarpc::context::current(), id.clone()).await {
            Ok(Some(m)) => Ok(m),
            _ => Ok(copy),
        };
    }
    Err(Problem::not_found("meeting", id.as_str()))
}

/// Whether the caller sees the meeting in full: admin; a person-bound key, a meeting its
/// person is in; any other, a meeting with someone of its office.
pub fn sees_details(api: &Api, key: &KeyRecord, m: &MeetingSpec) -> bool {
    std::iter::once(&m.organizer)
        .chain(m.attendees.iter().map(|a| &a.resource))
        .any(|p| api.acts_for(key, p))
}

fn conflicts_problem(
    conflicts: &[engine::calendar::Conflict],
    alternatives: Option<&engine::suggest::Suggestions>,
    z: Zone,
) -> Problem {
    use engine::time::format::rfc3339_in;
    let list: Vec<serde_json::Value> = conflicts
        .iter()
        .map(|c| {
            serde_json::json!({
                "resource": c.resource.as_str(),
                "meeting": c.with_meeting.as_str(),
                "start": rfc3339_in(c.proposed.start, z),
                "end": rfc3339_in(c.proposed.end, z),
            })
        })
        .collect();
    let alts: Vec<serde_json::Value> = alternatives
        .map(|s| s.candidates.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|c| serde_json::json!({"start": rfc3339_in(c.start, z), "end": rfc3339_in(c.end, z), "score": c.score}))
        .collect();
    Problem::conflict(format!(
        "{} conflict(s); nothing was booked",
        conflicts.len()
    ))
    .with("conflicts", list)
    .with("alternatives", alts)
}

/// What a create or a change must pass before anything about the meeting is read: the
/// key acts for the organizer, may override if it asks to, rooms seat everyone (or the
/// request overrides); and the warnings to answer with (crowded rooms, the start).
fn admit(
    api: &Api,
    key: &KeyRecord,
    request: &MeetingIn,
    spec: &MeetingSpec,
) -> Result<(crate::auth::Force, Vec<String>), Problem> {
    may_act_for(api, key, &spec.organizer)?;
    let force = force_of(key, request.force)?;
    let mut warnings = crowded(api, spec, request.force)?;
    warnings.extend(start_notes(request, spec)?);
    Ok((force, warnings))
}

/// Rooms with fewer seats than the meeting has people: refused (422 naming the rooms)
/// unless the request overrides, and then the warnings to send back.
fn crowded(api: &Api, spec: &MeetingSpec, force: bool) -> Result<Vec<String>, Problem> {
    let people = 1 + spec.attendees.len();
    let over: Vec<String> = (spec.rooms.iter())
        .filter_map(|r| api.dir.rooms.get(r))
        .filter(|room| (room.capacity as usize) < people)
        .map(|room| {
            format!(
                "{} seats {}; the meeting has {people} people",
                room.id, room.capacity
            )
        })
        .collect();
    if over.is_empty() || force {
        Ok(over)
    } else {
        Err(Problem::invalid_value("rooms", over.join("; ")))
    }
}

/// Warnings on the written start (a local time a clock change skips); a start in the
/// past is refused (422) unless the request allows it, and then a warning.
fn start_notes(request: &MeetingIn, spec: &MeetingSpec) -> Result<Vec<String>, Problem> {
    let now = super::reads::now().0;
    let Ok(arg) = crate::timearg::parse_time_arg(&request.start) else {
        return Ok(vec![]);
    };
    let (mut notes, past) = crate::timearg::start_notes(arg, spec.recurrence.zone, now);
    if let Some(past) = past {
        if !request.allow_past {
            return Err(Problem::invalid_value(
                "start",
                format!("{past}; allow_past books it anyway"),
            ));
        }
        notes.push(past);
    }
    Ok(notes)
}

/// The conflicts an override booked over, in words.
fn warnings(overridden: &[engine::calendar::Conflict]) -> Vec<String> {
    (overridden.iter())
        .map(|c| format!("booked over {} on {}", c.with_meeting, c.resource))
        .collect()
}

fn with_location(status: StatusCode, m: MeetingOut, replayed: bool) -> Response {
    let location = format!("/v1/meetings/{}", m.id);
    let mut r = (status, Json(m)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    if replayed {
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    r
}

/// Books a new meeting across every office it touches.
#[utoipa::path(post, path = "/v1/meetings", tag = "meetings",
    request_body = MeetingIn,
    params(("Idempotency-Key" = String, Header, pattern = r"^[!-~]{1,200}$", description = "Required: the same key again returns the meeting booked the first time"), TzQuery),
    responses(
        (status = 201, description = "Booked", body = MeetingOut),
        (status = 200, description = "Booked before with this idempotency key", body = MeetingOut),
        (status = 400, description = "Bad input", body = Problem),
        (status = 409, description = "Conflicts, with alternatives", body = Problem),
        (status = 422, description = "Refused, or the idempotency key reused", body = Problem),
        (status = 503, description = "An office unreachable", body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(api): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<TzQuery>,
    body: Bytes,
) -> Result<Response, Problem> {
    let key = api.caller(&headers, None, Scope::Book).await?;
    let idem = headers
        .get(IDEMPOTENCY_KEY)
        .map(|v| v.as_bytes())
        .filter(|v| (1..=200).contains(&v.len()) && v.iter().all(|b| (b'!'..=b'~').contains(b)))
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .ok_or_else(|| {
            Problem::bad_input(
                "Idempotency-Key",
                "the header is required (1-200 visible ASCII characters): retries with the same key book once",
            )
        })?;
    let tz = tz(&q.tz)?;
    let request: MeetingIn = json_body(&headers, &body)?;
    let spec = spec_of(&api, meeting_id(&key, &idem), &request)?;
    let (force, crowded) = admit(&api, &key, &request, &spec)?;
    let home = api.home(&spec.organizer)?;
    let client = api.office(&home).await?;
    let replay = |existing: MeetingSpec| {
        if existing.same_as(&spec) {
            Ok(with_location(
                StatusCode::OK,
                meeting_out(&existing, tz, vec![]),
                true,
            ))
        } else {
            Err(Problem::idempotency_mismatch(format!(
                "idempotency key {idem:?} booked a different meeting"
            )))
        }
    };
    match client
        .meeting(tarpc::context::current(), spec.id.clone())
        .await
    {
        Ok(Some(existing)) => return replay(existing),
        Ok(None) => {}
        Err(e) => return Err(Problem::unreachable(home.as_str(), false, e.to_string())),
    }
    let z = tz.unwrap_or(spec.recurrence.zone);
    match client
        .book(tarpc::context::current(), spec.clone(), force)
        .await
    {
        Ok(BookReply::Booked { overridden, .. }) => {
            let mut warnings = warnings(&overridden);
            warnings.extend(crowded);
            Ok(with_location(
                StatusCode::CREATED,
                meeting_out(&spec, tz, warnings),
                false,
            ))
        }
        Ok(BookReply::Conflicts {
            conflicts,
            alternatives,
        }) => Err(conflicts_problem(&conflicts, alternatives.as_ref(), z)),
        Ok(BookReply::Refused { why }) => match client
            .meeting(tarpc::context::current(), spec.id.clone())
            .await
        {
            Ok(Some(existing)) => replay(existing),
            _ => Err(Problem::refused(why)),
        },
        Ok(BookReply::Unavailable { office, why }) => {
            Err(Problem::unreachable(office.as_str(), false, why))
        }
        Ok(BookReply::Uncertain { why }) => Err(Problem::storage_failed(home.as_str(), why)),
        Err(e) => Err(Problem::unreachable(
            home.as_str(),
            true,
            format!("{e}; retry with the same Idempotency-Key to learn whether it was booked"),
        )),
    }
}

/// A meeting: in full for its people's offices, as busy time for everyone else.
#[utoipa::path(get, path = "/v1/meetings/{id}", tag = "meetings",
    params(("id" = String, Path, description = "Meeting id"), TzQuery),
    responses((status = 200, description = "The meeting (or, outside its offices, only its times)", body = MeetingOut), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<TzQuery>,
) -> Result<Response, Problem> {
    let key = api.caller(&headers, None, Scope::Freebusy).await?;
    let tz = tz(&q.tz)?;
    let m = find(&api, &key, &MeetingId::new(&id)).await?;
    Ok(if sees_details(&api, &key, &m) {
        Json(meeting_out(&m, tz, vec![])).into_response()
    } else {
        Json(model::busy_out(&m, tz)).into_response()
    })
}

/// Replaces a meeting by a new version (moved, people or rooms changed), atomically at
/// every office of either version. Sending the same version again changes nothing.
#[utoipa::path(put, path = "/v1/meetings/{id}", tag = "meetings",
    request_body = MeetingIn,
    params(("id" = String, Path, description = "Meeting id"), TzQuery),
    responses((status = 200, body = MeetingOut), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<TzQuery>,
    body: Bytes,
) -> Result<Response, Problem> {
    let key = api.caller(&headers, None, Scope::Book).await?;
    let tz = tz(&q.tz)?;
    let request: MeetingIn = json_body(&headers, &body)?;
    let id = MeetingId::new(&id);
    let spec = spec_of(&api, id.clone(), &request)?;
    // What the request asks is checked before anything about the meeting is read; a
    // meeting the key may not change reads as absent.
    let (force, crowded) = admit(&api, &key, &request, &spec)?;
    let existing = find(&api, &key, &id).await?;
    if !api.acts_for(&key, &existing.organizer) {
        return Err(Problem::not_found("meeting", id.as_str()));
    }
    if existing.organizer != spec.organizer {
        return Err(Problem::invalid_value(
            "organizer",
            format!("the meeting's organizer is {}", existing.organizer),
        ));
    }
    // Instances cancelled or moved on their own stay so while the rule still has them.
    let mut spec = spec;
    spec.carry_edits(&existing);
    send_change(&api, spec, force, tz, crowded).await
}

/// Sends a meeting's next version to its organizer's office: the new version (200), or
/// the conflicts with alternatives (409), or why not.
pub(super) async fn send_change(
    api: &Api,
    spec: MeetingSpec,
    force: crate::auth::Force,
    tz: Option<Zone>,
    notes: Vec<String>,
) -> Result<Response, Problem> {
    let home = api.home(&spec.organizer)?;
    let client = api.office(&home).await?;
    let z = tz.unwrap_or(spec.recurrence.zone);
    match client
        .update(tarpc::context::current(), spec.clone(), force)
        .await
    {
        Ok(BookReply::Booked { overridden, .. }) => {
            let mut warnings = warnings(&overridden);
            warnings.extend(notes);
            Ok(Json(meeting_out(&spec, tz, warnings)).into_response())
        }
        Ok(BookReply::Conflicts {
            conflicts,
            alternatives,
        }) => Err(conflicts_problem(&conflicts, alternatives.as_ref(), z)),
        Ok(BookReply::Refused { why }) => Err(Problem::refused(why)),
        Ok(BookReply::Unavailable { office, why }) => {
            Err(Problem::unreachable(office.as_str(), false, why))
        }
        Ok(BookReply::Uncertain { why }) => Err(Problem::storage_failed(home.as_str(), why)),
        Err(e) => Err(Problem::unreachable(home.as_str(), true, e.to_string())),
    }
}

/// Cancels the whole series, one instance (`scope=instance&at=START`) or this and the
/// following ones (`scope=following&at=START`); every invitee is told.
#[utoipa::path(delete, path = "/v1/meetings/{id}", tag = "meetings",
    params(("id" = String, Path, description = "Meeting id"), model::CancelQuery),
    responses((status = 204, description = "Cancelled"), (status = 400, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<model::CancelQuery>,
) -> Result<Response, Problem> {
    let key = api.caller(&headers, None, Scope::Book).await?;
    if let Some(t) = &q.at {
        model::written_year("at", t, &api.years)?;
    }
    let id = MeetingId::new(&id);
    let m = find(&api, &key, &id).await?;
    // A meeting the key may not cancel reads as absent: nothing about it is told.
    if !api.acts_for(&key, &m.organizer) {
        return Err(Problem::not_found("meeting", id.as_str()));
    }
    let at = |q: &model::CancelQuery| match &q.at {
        Some(t) => model::time("at", t, m.recurrence.zone, &api.years),
        None => Err(Problem::invalid_value(
            "at",
            "this scope needs the instance's start",
        )),
    };
    let scope = match q.scope.unwrap_or_default() {
        CancelWhat::Series if q.at.is_some() => {
            return Err(Problem::invalid_value(
                "at",
                "`at` is for scope=instance or scope=following",
            ))
        }
        CancelWhat::Series => CancelScope::Series,
        CancelWhat::Instance => CancelScope::Instance(at(&q)?),
        CancelWhat::Following => CancelScope::ThisAndFollowing(at(&q)?),
    };
    let home = api.home(&m.organizer)?;
    let client = api.office(&home).await?;
    match client
        .cancel(tarpc::context::current(), id.clone(), scope)
        .await
    {
        Ok(Outcome::Cancelled { .. }) => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(Outcome::Rejected(Rejection::UnknownMeeting(_))) => {
            Err(Problem::not_found("meeting", id.as_str()))
        }
        Ok(Outcome::Rejected(r @ Rejection::NoSuchInstance { .. })) => {
            Err(Problem::invalid_value("at", r.to_string()))
        }
        Ok(Outcome::Rejected(r @ Rejection::StorageFailed(_))) => {
            Err(Problem::storage_failed(home.as_str(), r.to_string()))
        }
        Ok(other) => Err(Problem::refused(format!("{other:?}"))),
        Err(e) => Err(Problem::unreachable(home.as_str(), true, e.to_string())),
    }
}

/// An invitee answers (accepted, declined or tentative); the organizer and the other
/// offices see it.
#[utoipa::path(post, path = "/v1/meetings/{id}/responses", tag = "meetings",
    request_body = ResponseIn,
    params(("id" = String, Path, description = "Meeting id")),
    responses((status = 200, description = "Recorded", body = ResponseIn), (status = 400, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn respond(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let key = api.caller(&headers, None, Scope::Book).await?;
    let request: ResponseIn = json_body(&headers, &body)?;
    let who = person(&api, "attendee", &request.attendee)?;
    let answer: Answer = request.response.into();
    may_act_for(&api, &key, &who)?;
    let home = api.home(&who)?;
    let client = api.office(&home).await?;
    let id = MeetingId::new(&id);
    match client
        .respond(tarpc::context::current(), id.clone(), who.clone(), answer)
        .await
    {
        Ok(Outcome::Responded { .. }) => Ok(Json(request).into_response()),
        Ok(Outcome::Rejected(Rejection::UnknownMeeting(_))) => {
            Err(Problem::not_found("meeting", id.as_str()))
        }
        Ok(Outcome::Rejected(r @ Rejection::StorageFailed(_))) => {
            Err(Problem::storage_failed(home.as_str(), r.to_string()))
        }
        Ok(Outcome::Rejected(r)) => Err(Problem::refused(r.to_string())),
        Ok(other) => Err(Problem::refused(format!("{other:?}"))),
        Err(e) => Err(Problem::unreachable(home.as_str(), true, e.to_string())),
    }
}
