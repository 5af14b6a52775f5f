//! What the API reads: the directory (offices, people, rooms), free/busy of anyone in
//! any office, the engine's ranked suggestions, a person's or room's meetings in a
//! window, and their calendar as an `.ics` feed (webcal-subscribable with `?key=`).
//! Outside a person's office, callers see busy time only, unless they are attendees.

use super::keys::Scope;
use super::limits::{MAX_CANDIDATES, MAX_WHO, MAX_WINDOW_DAYS};
use super::meetings::sees_details;
use super::model::{
    self, FreeBusyOut, OfficeOut, PeriodOut, PersonOut, RoomOut, SuggestIn, SuggestionOut,
    SuggestionsOut,
};
use super::problem::Problem;
use super::{json_body, Api, Shared};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::calendar::Interval;
use engine::ical::{export_events_at, Event};
use engine::ids::{OfficeId, ResourceId};
use engine::recurrence::Rule;
use engine::suggest::{RoomRequest, SuggestRequest};
use engine::time::format::rfc3339_in;
use engine::time::{Instant, Zone};
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::IntoParams;

/// Offices.
#[utoipa::path(get, path = "/v1/offices", tag = "directory",
    responses((status = 200, body = [OfficeOut]), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn offices(
    State(api): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Vec<OfficeOut>>, Problem> {
    api.caller(&headers, None, Scope::Freebusy).await?;
    Ok(Json(
        (api.dir.offices.values())
            .map(|o| OfficeOut {
                id: o.id.to_string(),
                name: o.name.clone(),
                zone: o.zone.name().into(),
                holidays: o.holidays.iter().cloned().collect(),
            })
            .collect(),
    ))
}

/// People.
#[utoipa::path(get, path = "/v1/people", tag = "directory",
    responses((status = 200, body = [PersonOut]), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn people(
    State(api): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Vec<PersonOut>>, Problem> {
    api.caller(&headers, None, Scope::Freebusy).await?;
    Ok(Json(
        (api.dir.people.values())
            .map(|p| PersonOut {
                id: p.id.to_string(),
                name: p.name.clone(),
                office: p.office.to_string(),
                zone: api.dir.zone_of(&p.id).unwrap_or(Zone::Utc).name().into(),
            })
            .collect(),
    ))
}

/// Rooms.
#[utoipa::path(get, path = "/v1/rooms", tag = "directory",
    responses((status = 200, body = [RoomOut]), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn rooms(
    State(api): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Vec<RoomOut>>, Problem> {
    api.caller(&headers, None, Scope::Freebusy).await?;
    Ok(Json(
        (api.dir.rooms.values())
            .map(|r| RoomOut {
                id: r.id.to_string(),
                name: r.name.clone(),
                office: r.office.to_string(),
                capacity: r.capacity,
                amenities: r.amenities.iter().cloned().collect(),
            })
            .collect(),
    ))
}

/// The machine's clock, as an instant.
pub(super) fn now() -> Instant {
    Instant(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    )
}

/// A window from `from`/`to` (read in `z` when local; default: 14 days from now), at
/// most [`MAX_WINDOW_DAYS`].
fn window(
    api: &Api,
    from: &Option<String>,
    to: &Option<String>,
    z: Zone,
) -> Result<Interval, Problem> {
    window_of(api, from, to, z, READS)
}

/// Where a window starts and ends when `from` and `to` are not given, and how long it
/// may be, in days.
struct Span {
    back: i64,
    ahead: i64,
    max: i64,
}

/// Reads: 14 days from now; at most [`MAX_WINDOW_DAYS`].
const READS: Span = Span {
    back: 0,
    ahead: 14,
    max: MAX_WINDOW_DAYS,
};

/// Feeds a calendar application subscribes to: 30 days back, a year ahead.
const FEEDS: Span = Span {
    back: 30,
    ahead: 365,
    max: MAX_WINDOW_DAYS + 30,
};

fn window_of(
    api: &Api,
    from: &Option<String>,
    to: &Option<String>,
    z: Zone,
    span: Span,
) -> Result<Interval, Problem> {
    let now = now();
    let from = match from {
        Some(t) => model::time("from", t, z, &api.years)?,
        None => now.plus_secs(-span.back * 86_400),
    };
    let to = match to {
        Some(t) => model::time("to", t, z, &api.years)?,
        None => from.plus_secs((span.back + span.ahead) * 86_400),
    };
    if to <= from {
        return Err(Problem::invalid_value(
            "to",
            "the window ends before it starts",
        ));
    }
    let max = span.max;
    if to.0 - from.0 > max * 86_400 {
        return Err(Problem::invalid_value(
            "to",
            format!("the window is longer than {max} days"),
        ));
    }
    Ok(Interval::new(from, to))
}

fn resource(api: &Api, field: &str, id: &str) -> Result<ResourceId, Problem> {
    let r = ResourceId::new(id);
    api.home(&r).map_err(|p| p.with("field", field))?;
    Ok(r)
}

/// Free/busy of people and rooms of any offices (busy and tentative periods only).
#[utoipa::path(get, path = "/v1/freebusy", tag = "calendars",
    params(model::FreeBusyQuery),
    responses((status = 200, body = [FreeBusyOut]), (status = 400, body = Problem), (status = 503, body = Problem)), security(("bearer" = [])))]
pub async fn free_busy(
    State(api): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<model::FreeBusyQuery>,
) -> Result<Json<Vec<FreeBusyOut>>, Problem> {
    api.caller(&headers, None, Scope::Freebusy).await?;
    let z =
        q.tz.as_deref()
            .map(|t| model::zone("tz", t))
            .transpose()?
            .unwrap_or(Zone::Utc);
    // Exactly the document's pattern: 1 to MAX_WHO non-empty names between commas
    // (spaces around a name are ignored; a blank name is an unknown one).
    let who: Vec<&str> = q.who.split(',').collect();
    if who.len() > MAX_WHO || who.iter().any(|w| w.is_empty()) {
        return Err(Problem::bad_input(
            "who",
            format!("1 to {MAX_WHO} people and rooms, comma-separated"),
        ));
    }
    let who: Vec<&str> = who.into_iter().map(str::trim).collect();
    let window = window(&api, &q.from, &q.to, z)?;
    let mut by_office: BTreeMap<OfficeId, Vec<ResourceId>> = BTreeMap::new();
    for w in &who {
        let r = model::named(&api.dir, "who", w)?;
        by_office.entry(api.home(&r)?).or_default().push(r);
    }
    let mut answers: BTreeMap<ResourceId, FreeBusyOut> = BTreeMap::new();
    let (mut answered, mut unanswered) = (0, 0);
    let offices = by_office.len();
    for (office, list) in by_office {
        // An office that does not answer is named in its people's entries; the other
        // offices' answers stand (503 only when none answers).
        let reply = match api.office(&office).await {
            Ok(client) => (client.free_busy(tarpc::context::current(), list.clone(), window, None))
                .await
                .map_err(|e| e.to_string()),
            Err(p) => Err(p.detail),
        };
        let fresh = match reply {
            Ok(Ok(crate::rpc::FreeBusyReply::Fresh { answer, .. })) => answer,
            Ok(Ok(other)) => return Err(Problem::internal(format!("unexpected {other:?}"))),
            Ok(Err(why)) => return Err(Problem::refused(why)),
            Err(e) if unanswered + 1 == offices && answered == 0 => {
                return Err(Problem::unreachable(office.as_str(), false, e))
            }
            Err(e) => {
                unanswered += 1;
                for r in list {
                    let entry = FreeBusyOut {
                        id: r.to_string(),
                        busy: vec![],
                        unavailable: Some(format!("office {office} did not answer: {e}")),
                    };
                    answers.insert(r, entry);
                }
                continue;
            }
        };
        answered += 1;
        for fb in fresh {
            let busy = (fb.busy.iter())
                .map(|p| PeriodOut {
                    start: rfc3339_in(p.interval.start, z),
                    end: rfc3339_in(p.interval.end, z),
                    status: model::status_word(p.status).into(),
                })
                .collect();
            answers.insert(
                fb.resource.clone(),
                FreeBusyOut {
                    id: fb.resource.to_string(),
                    busy,
                    unavailable: None,
                },
            );
        }
    }
    Ok(Json(
        who.iter()
            .filter_map(|w| answers.remove(&ResourceId::new(*w)))
            .collect(),
    ))
}

/// Ranked, explained times when everyone required (and the room) is free.
#[utoipa::path(post, path = "/v1/suggestions", tag = "calendars",
    request_body = SuggestIn,
    responses((status = 200, body = SuggestionsOut), (status = 400, body = Problem), (status = 503, body = Problem)), security(("bearer" = [])))]
pub async fn suggest(
    State(api): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SuggestionsOut>, Problem> {
    api.caller(&headers, None, Scope::Freebusy).await?;
    let q: SuggestIn = json_body(&headers, &body)?;
    model::count("required", q.required.len(), 1, MAX_WHO)?;
    model::count("optional", q.optional.len(), 0, MAX_WHO)?;
    model::within("duration_minutes", q.duration_minutes, 1, 24 * 60)?;
    let max = q.max.unwrap_or(5);
    model::within("max", max, 1, MAX_CANDIDATES as i64)?;
    let required = (q.required.iter().enumerate())
        .map(|(i, p)| model::named(&api.dir, &format!("required[{i}]"), p))
        .collect::<Result<Vec<_>, _>>()?;
    let optional = (q.optional.iter().enumerate())
        .map(|(i, p)| model::named(&api.dir, &format!("optional[{i}]"), p))
        .collect::<Result<Vec<_>, _>>()?;
    let room = q
        .room
        .as_deref()
        .map(|r| model::named(&api.dir, "room", r))
        .transpose()?;
    let min_attendance = q.min_attendance.unwrap_or(1.0);
    if !(0.0..=1.0).contains(&min_attendance) {
        return Err(Problem::bad_input(
            "min_attendance",
            format!("0 to 1, not {min_attendance}"),
        ));
    }
    let recurrence = (q.rrule.as_deref())
        .map(|r| Rule::parse(r).map_err(|e| Problem::invalid_value("rrule", e.to_string())))
        .transpose()?;
    let zone = q
        .zone
        .as_deref()
        .map(|z| model::zone("zone", z))
        .transpose()?;
    let z = api.dir.zone_of(&required[0]).unwrap_or(Zone::Utc);
    let window = window(&api, &Some(q.from.clone()), &Some(q.to.clone()), z)?;
    let request = SuggestRequest {
        required: required.clone(),
        optional,
        room: room.map(RoomRequest::Specific),
        duration_secs: q.duration_minutes * 60,
        window,
        granularity_secs: 900,
        preferred: None,
        max_candidates: max as usize,
        min_attendance,
        working_hours_only: q.working_hours_only,
        recurrence,
        zone,
    };
    let office = api.home(&required[0])?;
    let client = api.office(&office).await?;
    let answer = match client.suggest(tarpc::context::current(), request).await {
        Ok(Ok(s)) => s,
        Ok(Err(why)) => return Err(Problem::invalid_value("suggestion", why)),
        Err(e) => return Err(Problem::unreachable(office.as_str(), false, e.to_string())),
    };
    Ok(Json(SuggestionsOut {
        candidates: (answer.candidates.iter())
            .map(|c| SuggestionOut {
                start: rfc3339_in(c.start, z),
                end: rfc3339_in(c.end, z),
                score: c.score,
                room: c.room.as_ref().map(|r| r.to_string()),
                reasons: c.reasons.clone(),
            })
            .collect(),
        empty_reason: answer.empty_reason,
        unavailable: answer.unavailable,
    }))
}

/// A window, a zone and (for feeds) the key.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Start of the window (default: now; for an `.ics` feed, 30 days ago).
    pub from: Option<String>,
    /// End of the window (default: 14 days after `from`; for an `.ics` feed, a year
    /// from now).
    pub to: Option<String>,
    /// The zone times are returned in.
    pub tz: Option<String>,
    /// The API key, for calendar applications that cannot send headers.
    pub key: Option<String>,
}

async fn meetings_of(
    api: &Api,
    r: &ResourceId,
    window: Interval,
) -> Result<Vec<engine::state::MeetingSpec>, Problem> {
    let office = api.home(r)?;
    let client = api.office(&office).await?;
    match client
        .meetings_of(tarpc::context::current(), r.clone(), window)
        .await
    {
        Ok(Ok(m)) => Ok(m),
        Ok(Err(why)) => Err(Problem::invalid_value("window", why)),
        Err(e) => Err(Problem::unreachable(office.as_str(), false, e.to_string())),
    }
}

/// The meetings of a person or room with an instance in the window: in full for the
/// callers who may see them, as busy time otherwise.
#[utoipa::path(get, path = "/v1/calendars/{id}/meetings", tag = "calendars",
    params(("id" = String, Path, description = "A person or room"), FeedQuery),
    responses((status = 200, description = "Meetings (full, or times only)", body = [model::MeetingOut]), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn meetings(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, Problem> {
    let key = api
        .caller(&headers, q.key.as_deref(), Scope::Freebusy)
        .await?;
    let r = resource(&api, "id", &id)?;
    let tz = q.tz.as_deref().map(|t| model::zone("tz", t)).transpose()?;
    let z = tz.unwrap_or(api.dir.zone_of(&r).unwrap_or(Zone::Utc));
    let window = window(&api, &q.from, &q.to, z)?;
    let list: Vec<serde_json::Value> = meetings_of(&api, &r, window)
        .await?
        .iter()
        .map(|m| {
            if sees_details(&api, &key, m) {
                serde_json::to_value(model::meeting_out(m, tz, vec![]))
            } else {
                serde_json::to_value(model::busy_out(m, tz))
            }
            .unwrap_or_default()
        })
        .collect();
    Ok(private(Json(list).into_response()))
}

/// Marks an answer private: a calendar (and a `?key=` in its URL) is stored by no cache.
fn private(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

/// A person's or room's calendar as iCalendar (`GET /v1/calendars/alice.ics?key=...`):
/// full events for callers who may see them, `busy` blocks otherwise; by default the
/// meetings from 30 days back to a year ahead (what a subscribed application shows).
#[utoipa::path(get, path = "/v1/calendars/{file}", tag = "calendars",
    params(("file" = String, Path, description = "`ID.ics`"), FeedQuery),
    responses((status = 200, description = "text/calendar", content_type = "text/calendar", body = String), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn ics(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, Problem> {
    let key = api
        .caller(&headers, q.key.as_deref(), Scope::Freebusy)
        .await?;
    let Some(id) = file.strip_suffix(".ics") else {
        return Err(Problem::no_route(&format!("/v1/calendars/{file}")));
    };
    let r = resource(&api, "id", id)?;
    let z = api.dir.zone_of(&r).unwrap_or(Zone::Utc);
    let window = window_of(&api, &q.from, &q.to, z, FEEDS)?;
    let events: Vec<Event> = meetings_of(&api, &r, window)
        .await?
        .iter()
        .flat_map(|m| {
            let details = sees_details(&api, &key, m);
            engine::state::ics::events_of(m)
                .into_iter()
                .map(move |mut e| {
                    if !details {
                        e.summary = Some("busy".into());
                        e.location = None;
                        e.organizer = None;
                        e.attendees.clear();
                    }
                    e
                })
        })
        .collect();
    let mut resp = export_events_at(&events, now()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    Ok(private(resp))
}
