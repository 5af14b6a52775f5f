//! `POST /v1/meetings/{id}/retime`: new times for one instance, this and the following
//! ones, or the series from its next instance on, as calendar programs edit recurring
//! meetings (`engine::state::edit`). The next version is booked like any change:
//! atomically at every office, conflicts answered with alternatives, everyone told.
//! `POST /v1/meetings/{id}/counter`: an invitee proposes another time, or the organizer
//! declines the proposal (accepting it is a `retime`).

use super::keys::Scope;
use super::meetings::{find, force_of, may_act_for, send_change, tz, TzQuery};
use super::model::{self, CancelWhat, CounterIn, CounterOut, RetimeIn};
use super::problem::Problem;
use super::{json_body, Shared};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::ids::MeetingId;
use engine::state::{EditError, EditScope, Outcome, Rejection, Response as Answer, Retime};

/// Moves or resizes part of a recurring meeting (or a single one); every attendee is
/// asked again. Answers the new version, as `PUT` does.
#[utoipa::path(post, path = "/v1/meetings/{id}/retime", tag = "meetings",
    request_body = RetimeIn,
    params(("id" = String, Path, description = "Meeting id"), TzQuery),
    responses((status = 200, body = model::MeetingOut), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn retime(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<TzQuery>,
    body: Bytes,
) -> Result<Response, Problem> {
    let key = api.caller(&headers, None, Scope::Book).await?;
    let tz = tz(&q.tz)?;
    let request: RetimeIn = json_body(&headers, &body)?;
    if let Some(d) = request.duration_minutes {
        model::within("duration_minutes", d, 1, 7 * 24 * 60)?;
    }
    let force = force_of(&key, request.force)?;
    let id = MeetingId::new(&id);
    let m = find(&api, &key, &id).await?;
    // A meeting the key may not change reads as absent.
    if !api.acts_for(&key, &m.organizer) {
        return Err(Problem::not_found("meeting", id.as_str()));
    }
    may_act_for(&api, &key, &m.organizer)?;
    let zone = m.recurrence.zone;
    let time = |field: &str, text: &Option<String>| {
        (text.as_ref())
            .map(|t| model::time(field, t, zone, &api.years))
            .transpose()
    };
    let at = time("at", &request.at)?;
    let scope = match (request.scope, at) {
        (CancelWhat::Series, None) => EditScope::Series,
        (CancelWhat::Series, Some(_)) => {
            return Err(Problem::invalid_value(
                "at",
                "`at` is for scope=instance or scope=following",
            ))
        }
        (_, None) => {
            return Err(Problem::invalid_value(
                "at",
                "this scope needs the instance's start",
            ))
        }
        (CancelWhat::Instance, Some(t)) => EditScope::Instance(t),
        (CancelWhat::Following, Some(t)) => EditScope::ThisAndFollowing(t),
    };
    let change = Retime {
        start: time("start", &request.start)?,
        duration_secs: request.duration_minutes.map(|d| d * 60),
    };
    let mut next = m
        .retimed(scope, change, super::reads::now())
        .map_err(|e| match e {
            EditError::NoSuchInstance { .. } => Problem::invalid_value("at", e.to_string()),
            EditError::BadDuration(_) => Problem::invalid_value("duration_minutes", e.to_string()),
            _ => Problem::invalid_value("start", e.to_string()),
        })?;
    next.admissible()
        .map_err(|e| Problem::invalid_value("start", e))?;
    // A moved meeting asks everyone again.
    for a in &mut next.attendees {
        a.response = Answer::NeedsAction;
    }
    send_change(&api, next, force, tz, vec![]).await
}

/// An invitee proposes another time for the meeting or one instance (the organizer is
/// told), or the organizer declines the proposal (the invitee is told). 202: sent.
#[utoipa::path(post, path = "/v1/meetings/{id}/counter", tag = "meetings",
    request_body = CounterIn,
    params(("id" = String, Path, description = "Meeting id")),
    responses((status = 202, body = CounterOut), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn counter(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let key = api.caller(&headers, None, Scope::Book).await?;
    let request: CounterIn = json_body(&headers, &body)?;
    let attendee = model::named(&api.dir, "attendee", &request.attendee)?;
    let id = MeetingId::new(&id);
    let m = find(&api, &key, &id).await?;
    // The invitee proposes; the organizer declines. A meeting the key may not act on
    // in that role reads as absent.
    let (actor, told) = match request.decline {
        true => (&m.organizer, &attendee),
        false => (&attendee, &m.organizer),
    };
    if !api.acts_for(&key, actor) {
        return Err(Problem::not_found("meeting", id.as_str()));
    }
    let zone = m.recurrence.zone;
    let at = (request.at.as_ref())
        .map(|t| model::time("at", t, zone, &api.years))
        .transpose()?;
    let start = model::time("start", &request.start, zone, &api.years)?;
    if let Some(d) = request.duration_minutes {
        model::within("duration_minutes", d, 1, 7 * 24 * 60)?;
    }
    let proposal = crate::rpc::Counter {
        meeting: id.clone(),
        attendee: attendee.clone(),
        instance: at,
        start,
        duration_secs: request.duration_minutes.unwrap_or(m.duration_secs / 60) * 60,
        declined: request.decline,
    };
    let home = api.home(actor)?;
    let client = api.office(&home).await?;
    match client.counter(tarpc::context::current(), proposal).await {
        Ok(Outcome::Countered { .. }) => Ok((
            StatusCode::ACCEPTED,
            Json(CounterOut {
                meeting: id.to_string(),
                told: told.to_string(),
            }),
        )
            .into_response()),
        Ok(Outcome::Rejected(Rejection::UnknownMeeting(_))) => {
            Err(Problem::not_found("meeting", id.as_str()))
        }
        Ok(Outcome::Rejected(r @ Rejection::NoSuchInstance { .. })) => {
            Err(Problem::invalid_value("at", r.to_string()))
        }
        Ok(Outcome::Rejected(r @ Rejection::NotInvited(_))) => {
            Err(Problem::invalid_value("attendee", r.to_string()))
        }
        Ok(Outcome::Rejected(r)) => Err(Problem::refused(r.to_string())),
        Ok(other) => Err(Problem::refused(format!("{other:?}"))),
        Err(e) => Err(Problem::unreachable(home.as_str(), true, e.to_string())),
    }
}
