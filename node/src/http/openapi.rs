//! The OpenAPI document, generated from the handlers' annotations together with the
//! router (`utoipa-axum`), so every route is in the document and nothing else is; a test
//! also keeps a copy checked in (`docs/openapi.json`) in step.

use super::problem::PROBLEM_JSON;
use super::{edits, import, meetings, reads, Shared};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The document's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(title = "dms: distributed meeting scheduler API", description = "Offices, people, rooms, meetings across offices, free/busy, suggestions. Errors are RFC 9457 problem details with a stable `type` (urn:dms:problem:NAME)."),
    components(schemas(super::problem::Problem)),
    modifiers(&Bearer)
)]
pub struct Doc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("dms_ID_SECRET")
                        .build(),
                ),
            );
        }
    }
}

/// Every documented route, with its handler.
pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::with_openapi(Doc::openapi())
        .routes(routes!(reads::offices))
        .routes(routes!(reads::people))
        .routes(routes!(reads::rooms))
        .routes(routes!(reads::free_busy))
        .routes(routes!(reads::suggest))
        .routes(routes!(reads::meetings))
        .routes(routes!(reads::ics))
        .routes(routes!(meetings::create))
        .routes(routes!(meetings::get, meetings::update, meetings::cancel))
        .routes(routes!(meetings::respond))
        .routes(routes!(edits::retime))
        .routes(routes!(edits::counter))
        .routes(routes!(import::import))
}

/// What every operation may answer besides its own statuses, by what it takes: the
/// statuses the key check, the rate limit and the body reader give anywhere.
fn common_statuses(op: &Operation, directory: bool) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![
        ("401", "No key, or a wrong or revoked one"),
        ("403", "The key lacks the scope, the office or the person"),
        (
            "429",
            "The key's or the address's rate limit is spent (see Retry-After)",
        ),
        ("431", "Too many request headers, or too many bytes of them"),
        ("503", "An office, or this node's key file, is unavailable"),
    ];
    let takes_input =
        op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some();
    if takes_input {
        out.push(("400", "The request breaks this document (a field missing, of the wrong type, out of its stated bounds)"));
        out.push(("422", "A value this document allows that means nothing here (an unknown zone, a time that does not exist, a rule that never occurs)"));
    }
    if op.request_body.is_some() {
        out.push(("413", "The body is over the size limit"));
        out.push((
            "415",
            "The body is not of the media type the operation takes",
        ));
    }
    if !directory {
        out.push(("404", "An unknown meeting, person, room or office"));
    }
    out
}

/// Completes the document: every operation lists the statuses it may answer, and every
/// error is declared as `application/problem+json` (RFC 9457), as the API sends it.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let directory = ["/v1/offices", "/v1/people", "/v1/rooms"].contains(&path.as_str());
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            for (status, description) in common_statuses(op, directory) {
                (op.responses.responses)
                    .entry(status.to_string())
                    .or_insert_with(|| {
                        RefOr::T(ResponseBuilder::new().description(description).build())
                    });
            }
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if status.as_str() >= "400" {
                    response.content.clear();
                    let schema = Ref::from_schema_name("Problem");
                    (response.content).insert(PROBLEM_JSON.to_string(), Content::new(Some(schema)));
                }
            }
        }
    }
}

/// The pattern a date's start must match: four digits of a year in `years`, a dash.
pub fn year_pattern(years: &std::ops::RangeInclusive<i32>) -> String {
    let (mut y, last) = (*years.start(), *years.end());
    let mut parts = Vec::new();
    while y <= last {
        // The widest block of years 10^k long that starts at y and ends by `last`.
        let mut k = 0;
        while k < 3 && y % 10i32.pow(k + 1) == 0 && y + 10i32.pow(k + 1) - 1 <= last {
            k += 1;
        }
        let digits = format!("{y:04}");
        let prefix = &digits[..4 - k as usize];
        parts.push(match k {
            0 => prefix.to_string(),
            _ => format!("{prefix}[0-9]{{{k}}}"),
        });
        y += 10i32.pow(k);
    }
    format!("^({})-", parts.join("|"))
}

/// Gives every date field and parameter of the document (`start`, `from`, `to`, `at`,
/// `rdates` and `exdates` items) the pattern of [`year_pattern`].
pub fn date_patterns(doc: &mut serde_json::Value, years: &std::ops::RangeInclusive<i32>) {
    let pattern = serde_json::Value::String(year_pattern(years));
    let is_date = |name: &str| ["start", "from", "to", "at"].contains(&name);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    {
        for schema in schemas.values_mut() {
            let Some(props) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) else {
                continue;
            };
            for (name, prop) in props.iter_mut() {
                let target = match name.as_str() {
                    "rdates" | "exdates" => prop.get_mut("items"),
                    n if is_date(n) => Some(prop),
                    _ => None,
                };
                if let Some(t) = target.and_then(|t| t.as_object_mut()) {
                    t.insert("pattern".into(), pattern.clone());
                }
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(|p| p.as_object_mut())
        .flat_map(|p| p.values_mut())
    {
        let Some(params) = op.get_mut("parameters").and_then(|p| p.as_array_mut()) else {
            continue;
        };
        for p in params {
            let named = p.get("name").and_then(|n| n.as_str()).is_some_and(is_date);
            if let Some(s) = p
                .get_mut("schema")
                .and_then(|s| s.as_object_mut())
                .filter(|_| named)
            {
                s.insert("pattern".into(), pattern.clone());
            }
        }
    }
}
