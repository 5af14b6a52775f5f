//! Arbitrary requests through the API's router in process (no cluster: every office is
//! unreachable): methods, paths with percent-escapes and dot segments, content types,
//! idempotency keys and bodies of arbitrary bytes or mangled JSON. None may panic or
//! answer 500; every error is problem+json with its type and status.

use axum::body::Body;
use axum::http::Request;
use node::http::keys::{create, KeyStore, Scope};
use node::http::limits::RateLimiter;
use node::http::{router, Api};
use node::sample::{parse_directory, SAMPLE_OFFICES};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

struct Fixture {
    api: Arc<Api>,
    key: String,
    rt: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = parse_directory(SAMPLE_OFFICES).unwrap();
        let path = std::env::temp_dir().join(format!("dms-t74-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let (key, _) = create(&path, "ny".into(), None, vec![Scope::Admin], "fuzz").unwrap();
        // Nothing listens on port 9 (discard) of the loopback: every office unreachable.
        let peers: BTreeMap<_, _> = dir
            .offices
            .keys()
            .map(|o| (o.clone(), "127.0.0.1:9".parse().unwrap()))
            .collect();
        let api = Arc::new(Api {
            dir,
            peers,
            keys: KeyStore::new(path),
            limiter: RateLimiter::new(1e9, 1e9),
            years: 1900..=2200,
        });
        let rt = tokio::runtime::Runtime::new().unwrap();
        Fixture { api, key, rt }
    })
}

const GOOD: &str = r#"{"title":"T","organizer":"alice","attendees":["dev"],"start":"2027-04-07T10:00","duration_minutes":30}"#;

fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        Just("v1".to_string()),
        Just("meetings".to_string()),
        Just("calendars".to_string()),
        Just("responses".to_string()),
        Just("freebusy".to_string()),
        Just("alice.ics".to_string()),
        Just("..".to_string()),
        Just("%2e%2e".to_string()),
        Just("%00".to_string()),
        "[a-z0-9%._~-]{0,12}",
    ];
    (
        prop::collection::vec(segment, 0..5),
        prop::option::of("[a-z=&%0-9:,.-]{0,30}"),
    )
        .prop_map(|(s, q)| {
            let mut p = format!("/{}", s.join("/"));
            if let Some(q) = q {
                p.push('?');
                p.push_str(&q);
            }
            p
        })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        (0..GOOD.len(), any::<u8>()).prop_map(|(i, b)| {
            let mut v = GOOD.as_bytes().to_vec();
            v[i] = b;
            v
        }),
        (0..GOOD.len()).prop_map(|i| GOOD.as_bytes()[..i].to_vec()),
        Just(GOOD.as_bytes().to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn no_request_panics_or_fails_without_a_problem(
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE"), Just("PATCH")],
        path in path(),
        ct in prop_oneof![Just("application/json"), Just("text/plain"), Just("application/json; charset=utf-8"), Just("")],
        with_key in any::<bool>(),
        idem in prop::option::of("[ -~]{0,40}"),
        body in body(),
    ) {
        let f = fixture();
        let mut req = Request::builder().method(method).uri(path.as_str());
        if !ct.is_empty() {
            req = req.header("content-type", ct);
        }
        if with_key {
            req = req.header("authorization", format!("Bearer {}", f.key));
        }
        if let Some(i) = &idem {
            req = req.header("idempotency-key", i.as_str());
        }
        let Ok(req) = req.body(Body::from(body)) else { return Ok(()) };
        let (status, ctype, bytes) = f.rt.block_on(async {
            let r = router(f.api.clone()).oneshot(req).await.unwrap();
            let status = r.status().as_u16();
            let ctype = r.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
            let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
            (status, ctype, bytes)
        });
        prop_assert!(status != 500, "{method} {path}: 500 {}", String::from_utf8_lossy(&bytes));
        if status >= 400 {
            prop_assert_eq!(ctype.as_str(), "application/problem+json", "{} {}", method, path);
            let p: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert!(p["type"].as_str().unwrap_or("").starts_with("urn:dms:problem:"));
            prop_assert_eq!(p["status"].as_u64(), Some(u64::from(status)));
        }
    }
}
