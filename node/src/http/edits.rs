//! `POST /v1/meetings/{id}/retime`: new times for one instance, this and the following
//! ones, or the series from its next instance on, as calendar programs edit recurring
//! meetings (`engine::state::edit`). The next version is booked like any change:
//! atomically at every office, conflicts answered with alternatives, everyone told.

use super::keys::Scope;
use super::meetings::{find, force_of, may_act_for, send_change, tz, TzQuery};
use super::model::{self, CancelWhat, RetimeIn};
use super::problem::Problem;
use super::{json_body, Shared};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use engine::ids::MeetingId;
use engine::state::{EditError, EditScope, Response as Answer, Retime};

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
