//! The HTTP/JSON API (`/v1`), served by `dms-node` on its own port when its config has an
//! `[http]` table. Any node answers for any office: it forwards each call to the office
//! that owns the acting person over tarpc.
//!
//! - [`problem`]: RFC 9457 errors, one stable `type` per kind.
//! - [`keys`]: API keys (argon2id hashes in a shared key file, scopes, an office).
//! - [`limits`]: request limits and the per-key rate limiter.
//! - [`model`]: request and response JSON, times in and out.
//! - [`meetings`]: create, read, change, cancel, answer (idempotency keys on creates).
//! - [`edits`]: new times for one instance, this and the following ones, or the series.
//! - [`import`]: an `.ics` file booked into a person's calendar.
//! - [`reads`]: directory, free/busy, suggestions, a person's meetings, `.ics` feeds.
//! - [`serve`]: the port: connection caps, timeouts, the caller's address.
//! - [`openapi`]: the OpenAPI document, generated from the handlers, at
//!   `/v1/openapi.json`.

pub mod edits;
pub mod import;
pub mod keys;
pub mod limits;
pub mod meetings;
pub mod model;
pub mod openapi;
pub mod problem;
pub mod reads;
pub mod serve;

use crate::rpc::{connect, OfficeRpcClient};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use engine::ids::{OfficeId, ResourceId};
use engine::office::Directory;
use keys::{KeyRecord, KeyStore, Scope};
use limits::RateLimiter;
use problem::{Problem, PROBLEM_JSON};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// What every handler shares.
pub struct Api {
    /// The company.
    pub dir: Directory,
    /// Every office's tarpc address.
    pub peers: BTreeMap<OfficeId, SocketAddr>,
    /// The keys.
    pub keys: KeyStore,
    /// Per-key rate limits.
    pub limiter: RateLimiter,
    /// The years dates may fall in (`[http] years`).
    pub years: std::ops::RangeInclusive<i32>,
}

/// The state handlers get.
pub type Shared = Arc<Api>;

impl Api {
    /// The caller's key, if the request carries a valid one with `scope` (and within its
    /// rate limit). The key comes as `Authorization: Bearer KEY` (or, for feeds that
    /// calendar applications subscribe to, `?key=`).
    pub async fn caller(
        &self,
        headers: &HeaderMap,
        query_key: Option<&str>,
        scope: Scope,
    ) -> Result<KeyRecord, Problem> {
        let from_header = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or_default().trim())
            .map(|v| v.strip_prefix("Bearer ").map(str::trim).ok_or(()));
        let key = match (from_header, query_key) {
            (Some(Ok(k)), _) => k.to_string(),
            (Some(Err(())), _) => {
                return Err(Problem::unauthenticated(
                    "the Authorization header is not `Bearer KEY`",
                ))
            }
            (None, Some(k)) => k.to_string(),
            (None, None) => {
                return Err(Problem::unauthenticated(
                    "no API key: send `Authorization: Bearer KEY`",
                ))
            }
        };
        let from = serve::PEER.try_with(|ip| *ip).ok();
        let record = self.keys.verify(&key, from).await.map_err(|e| match e {
            keys::KeyError::Store(_) => Problem::keys_unavailable(),
            keys::KeyError::TooMany(secs) => Problem::rate_limited(secs),
            other => Problem::unauthenticated(other.to_string()),
        })?;
        if let Err(wait) = self.limiter.take(&record.id) {
            return Err(Problem::rate_limited(wait));
        }
        if !record.has(scope) {
            return Err(Problem::forbidden(format!(
                "the key has no {scope:?} scope (it has {:?})",
                record.scopes
            ))
            .with("missing_scope", scope));
        }
        Ok(record)
    }

    /// The office of a person or room, or not-found.
    pub fn home(&self, r: &ResourceId) -> Result<OfficeId, Problem> {
        self.dir
            .home(r)
            .cloned()
            .map_err(|_| Problem::not_found("resource", r.as_str()))
    }

    /// A client of `office`'s node, or office-unreachable (nothing was sent).
    pub async fn office(&self, office: &OfficeId) -> Result<OfficeRpcClient, Problem> {
        let Some(addr) = self.peers.get(office) else {
            return Err(Problem::not_found("office", office.as_str()));
        };
        connect(*addr).await.map_err(|e| {
            Problem::unreachable(
                office.as_str(),
                false,
                format!("connecting to {office}: {e}"),
            )
        })
    }

    /// Whether the caller may act for `r`: admin; a person-bound key only for its
    /// person; any other for its office's people and rooms.
    pub fn acts_for(&self, key: &KeyRecord, r: &ResourceId) -> bool {
        self.dir
            .home(r)
            .is_ok_and(|home| key.grant().acts_for(r, home))
    }
}

/// Parses a JSON body (`Content-Type: application/json`), naming what is wrong.
pub fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, Problem> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(Problem::unsupported_media(ct));
    }
    serde_json::from_slice(body).map_err(|e| Problem::bad_json(e.to_string()))
}

/// Turns the framework's own error answers (unknown route, wrong method, body over the
/// limit, a query it cannot parse) into problem details.
async fn as_problem(r: Response) -> Response {
    let is_problem = r
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if r.status().as_u16() < 400 || is_problem {
        return r;
    }
    let status = r.status();
    let allow = r.headers().get(header::ALLOW).cloned();
    let body = axum::body::to_bytes(r.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body).to_string();
    let mut fixed = match status {
        StatusCode::PAYLOAD_TOO_LARGE => Problem::too_large(limits::MAX_BODY_BYTES),
        StatusCode::METHOD_NOT_ALLOWED => Problem::method_not_allowed(),
        StatusCode::NOT_FOUND => Problem::no_route("this path"),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
            Problem::bad_input("query", text)
        }
        _ => Problem::internal(text),
    }
    .into_response();
    if let Some(a) = allow {
        fixed.headers_mut().insert(header::ALLOW, a);
    }
    fixed
}

/// The API's router.
pub fn router(api: Shared) -> Router {
    let (routes, mut doc) = openapi::routes().split_for_parts();
    openapi::complete(&mut doc);
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    openapi::date_patterns(&mut doc, &api.years);
    let doc = Arc::new(doc);
    routes
        .route(
            "/v1/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json((*doc).clone()) }
            }),
        )
        .fallback(|| async { Problem::no_route("this path") })
        .layer(axum::extract::DefaultBodyLimit::max(limits::MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(as_problem))
        .with_state(api)
}

pub use serve::{serve, serve_tls};
