//! `POST /v1/calendars/{id}/import` (`Content-Type: text/calendar`): every event of an
//! iCalendar file booked with the person as organizer, each on its own, across the
//! offices it touches. The server makes each meeting's id from the organizer and the
//! event's UID (kept beside it, and exported again), so importing the same file again
//! books nothing twice (those come back as `already`).

use super::keys::Scope;
use super::limits::MAX_IMPORT_EVENTS;
use super::problem::Problem;
use super::Shared;
use crate::rpc::BookReply;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use engine::ids::{MeetingId, ResourceId};
use serde::Serialize;
use utoipa::ToSchema;

/// One event that was not booked.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotBooked {
    /// The meeting's id (made by the server).
    pub id: String,
    /// The event's UID.
    pub uid: String,
    /// Why: the conflicts, or the refusal.
    pub why: String,
}

/// One event booked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    /// The meeting's id (made by the server).
    pub id: String,
    /// The event's UID.
    pub uid: String,
}

/// What an import did, event by event.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportOut {
    /// Booked now.
    pub booked: Vec<Imported>,
    /// Booked before, exactly so (an earlier import of the same file).
    pub already: Vec<Imported>,
    /// Booked before and changed now: the file's event has a higher SEQUENCE.
    pub updated: Vec<Imported>,
    /// Booked before as something else, and the file's event is no newer (its SEQUENCE
    /// is not higher): left as booked.
    pub ignored: Vec<NotBooked>,
    /// Not booked: conflicts, refusals, invalid events.
    pub not_booked: Vec<NotBooked>,
    /// Attendees left off (not in the company).
    pub notes: Vec<String>,
}

/// The meetings an `.ics` body describes, `organizer` organizing, and notes on what was
/// left out; or the problem with the body (not UTF-8: 400; not a calendar, or more
/// than [`MAX_IMPORT_EVENTS`] events: 422). The `http_bodies` fuzz target drives it.
pub fn read_calendar(
    dir: &engine::office::Directory,
    organizer: &ResourceId,
    body: &[u8],
) -> Result<(Vec<engine::state::MeetingSpec>, Vec<String>), Problem> {
    let text = std::str::from_utf8(body)
        .map_err(|e| Problem::bad_input("body", format!("not UTF-8: {e}")))?;
    let zone = (dir.zone_of(organizer)).map_err(|e| Problem::invalid_value("id", e.to_string()))?;
    let (specs, notes) = engine::state::ics::meetings_of_ics(dir, organizer, zone, text)
        .map_err(|e| Problem::invalid_value("body", e.to_string()))?;
    if specs.len() > MAX_IMPORT_EVENTS {
        return Err(Problem::invalid_value(
            "body",
            format!(
                "{} events; at most {MAX_IMPORT_EVENTS} per import",
                specs.len()
            ),
        ));
    }
    Ok((specs, notes))
}

/// Imports an `.ics` file into a person's calendar, as its organizer.
#[utoipa::path(post, path = "/v1/calendars/{id}/import", tag = "calendars",
    params(("id" = String, Path, description = "The person who organizes the imported meetings")),
    request_body(content = String, content_type = "text/calendar"),
    responses((status = 200, description = "Each event's outcome", body = ImportOut), (status = 400, body = Problem), (status = 415, body = Problem)),
    security(("bearer" = [])))]
pub async fn import(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ImportOut>, Problem> {
    let key = api.caller(&headers, None, Scope::Book).await?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .eq_ignore_ascii_case("text/calendar")
    {
        return Err(Problem::unsupported_media(ct).with("expected", "text/calendar"));
    }
    let organizer = ResourceId::new(&id);
    if !api.dir.people.contains_key(&organizer) {
        return Err(Problem::not_found("person", &id));
    }
    if !api.acts_for(&key, &organizer) {
        return Err(Problem::forbidden(format!(
            "the key is for office {}, not {organizer}'s",
            key.office
        )));
    }
    let (specs, notes) = read_calendar(&api.dir, &organizer, &body)?;
    let home = api.home(&organizer)?;
    let client = api.office(&home).await?;
    let mut out = ImportOut {
        notes,
        ..ImportOut::default()
    };
    for mut spec in specs {
        let mut found = client
            .meeting(tarpc::context::current(), spec.id.clone())
            .await;
        if let (Ok(None), Some(uid)) = (&found, spec.uid.clone()) {
            // A file this server exported names a meeting that had no UID by its id.
            let ctx = tarpc::context::current();
            if let Ok(Some(e)) = client.meeting(ctx, MeetingId::new(&uid)).await {
                if spec.adopt_exported(&e) {
                    found = Ok(Some(e));
                }
            }
        }
        let id = spec.id.to_string();
        let uid = spec.uid.clone().unwrap_or_default();
        let not = |why: String| NotBooked {
            id: id.clone(),
            uid: uid.clone(),
            why,
        };
        let done = || Imported {
            id: id.clone(),
            uid: uid.clone(),
        };
        if let Err(e) = spec
            .admissible()
            .and_then(|_| spec.instances().map(|_| ()).map_err(|e| e.to_string()))
        {
            out.not_booked.push(not(e));
            continue;
        }
        // Sync by UID and SEQUENCE: the same event again changes nothing, a newer one
        // changes the meeting, an older one is ignored.
        let mut change = false;
        match found {
            Ok(Some(existing)) if existing.same_as(&spec) => {
                out.already.push(done());
                continue;
            }
            Ok(Some(existing)) if spec.sequence > existing.sequence => change = true,
            Ok(Some(existing)) => {
                out.ignored.push(not(format!(
                    "SEQUENCE {} is not newer than the booked version's {}",
                    spec.sequence, existing.sequence
                )));
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                return Err(Problem::unreachable(home.as_str(), false, e.to_string())
                    .with("imported_so_far", &out))
            }
        }
        let ctx = tarpc::context::current();
        let reply = match change {
            true => client.update(ctx, spec, false.into()).await,
            false => client.book(ctx, spec, false.into()).await,
        };
        match reply {
            Ok(BookReply::Booked { .. }) if change => out.updated.push(done()),
            Ok(BookReply::Booked { .. }) => out.booked.push(done()),
            Ok(BookReply::Conflicts { conflicts, .. }) => {
                let with: Vec<String> = conflicts
                    .iter()
                    .map(|c| format!("{} on {}", c.with_meeting, c.resource))
                    .collect();
                out.not_booked
                    .push(not(format!("conflicts with {}", with.join(", "))));
            }
            Ok(BookReply::Refused { why }) => out.not_booked.push(not(why)),
            Ok(BookReply::Unavailable { office, why }) => {
                return Err(
                    Problem::unreachable(office.as_str(), false, why).with("imported_so_far", &out)
                )
            }
            Ok(BookReply::Uncertain { why }) => {
                return Err(
                    Problem::storage_failed(home.as_str(), why).with("imported_so_far", &out)
                )
            }
            Err(e) => {
                return Err(Problem::unreachable(home.as_str(), true, e.to_string())
                    .with("imported_so_far", &out))
            }
        }
    }
    Ok(Json(out))
}
