//! RFC 9457 problem details (`application/problem+json`): every error the API returns,
//! each with a stable `type` (`urn:dms:problem:NAME`) and the fields that explain it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:dms:problem:` and the problem's name (stable: clients match on it).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// More fields, by problem: `field` for bad input, `conflicts` and `alternatives`
    /// for conflicts, `may_have_taken_effect` for an unreachable office...
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: serde_json::Map<String, Value>,
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl Problem {
    fn new(status: StatusCode, name: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:dms:problem:{name}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            extra: Default::default(),
            retry_after: None,
        }
    }

    /// Adds a field.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Problem {
        let v = serde_json::to_value(value).unwrap_or(Value::Null);
        self.extra.insert(key.into(), v);
        self
    }

    /// A request that breaks the OpenAPI document (400): a field missing, of the wrong
    /// type, too long or short, a list too long, a value not among those listed.
    pub fn bad_input(field: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad-input", "Bad input", detail).with("field", field)
    }

    /// A value the document allows but that means nothing here (422): a time that does
    /// not parse or exist, an unknown zone, a rule that never occurs, a window that ends
    /// before it starts. JSON Schema cannot say these, so they are not 400s.
    pub fn invalid_value(field: &str, detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-value",
            "Invalid value",
            detail,
        )
        .with("field", field)
    }

    /// A body that is not the JSON the operation takes.
    pub fn bad_json(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-json",
            "Malformed JSON body",
            detail,
        )
    }

    /// No key, or one that is wrong or revoked.
    pub fn unauthenticated(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Not authenticated",
            detail,
        )
    }

    /// A key without the scope or the office the operation needs.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    /// An unknown meeting, person, room or office.
    pub fn not_found(what: &str, id: &str) -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("no {what} {id:?}"),
        )
        .with(what, id)
    }

    /// No such route.
    pub fn no_route(path: &str) -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "no-route",
            "No such resource",
            format!("nothing at {path}"),
        )
    }

    /// The booking collides with others (see `conflicts` and `alternatives`).
    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::CONFLICT, "conflict", "Conflicts", detail)
    }

    /// The office refused (a meeting being changed, a rule it will not take...).
    pub fn refused(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
            "Refused",
            detail,
        )
    }

    /// An idempotency key used again with a different request.
    pub fn idempotency_mismatch(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency key reused with a different request",
            detail,
        )
    }

    /// An office's log failed while taking the change: it may or may not have taken
    /// effect (the node stops; after its restart, a read or a retry with the same
    /// idempotency key tells).
    pub fn storage_failed(office: &str, detail: impl Into<String>) -> Problem {
        Problem::office_unavailable(
            "storage-failed",
            "Office storage failed",
            office,
            true,
            detail,
        )
    }

    /// An office could not be reached; `may_have_taken_effect` says whether the change
    /// may still have happened (retry with the same idempotency key to find out).
    pub fn unreachable(
        office: &str,
        may_have_taken_effect: bool,
        detail: impl Into<String>,
    ) -> Problem {
        Problem::office_unavailable(
            "office-unreachable",
            "Office unreachable",
            office,
            may_have_taken_effect,
            detail,
        )
    }

    /// A 503 about `office`, saying whether the change may have taken effect.
    fn office_unavailable(
        kind: &str,
        title: &str,
        office: &str,
        may_have_taken_effect: bool,
        detail: impl Into<String>,
    ) -> Problem {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, kind, title, detail)
            .with("office", office)
            .with("may_have_taken_effect", may_have_taken_effect)
    }

    /// A body over the size limit.
    pub fn too_large(limit: usize) -> Problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request too large",
            format!("the body is over {limit} bytes"),
        )
        .with("limit_bytes", limit)
    }

    /// Too many request headers, or too many bytes of them (431).
    pub fn headers_too_large(max_headers: usize, max_bytes: usize) -> Problem {
        Problem::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            "Request headers too large",
            format!("at most {max_headers} headers and {max_bytes} bytes of them"),
        )
    }

    /// The key's rate limit is spent: retry after `secs`.
    pub fn rate_limited(secs: u64) -> Problem {
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
            format!("this key's rate limit is spent; retry in {secs} s"),
        );
        p.retry_after = Some(secs);
        p
    }

    /// A body that is not JSON at all (by its media type).
    pub fn unsupported_media(got: &str) -> Problem {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!("expected application/json, got {got:?}"),
        )
    }

    /// The route exists but not with this method.
    pub fn method_not_allowed() -> Problem {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            "this resource does not take that method",
        )
    }

    /// The key file cannot be read and no good copy is known (503; no path is told).
    pub fn keys_unavailable() -> Problem {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "keys-unavailable",
            "Keys unavailable",
            "this node cannot read its API keys; an operator must mend the key file",
        );
        p.retry_after = Some(30);
        p
    }

    /// An error of the node's own (500).
    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            detail,
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut r = (status, body).into_response();
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}
