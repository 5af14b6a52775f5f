//! Malformed, oversized and hostile requests against the HTTP API of a local cluster:
//! each gets its status and problem type (naming the field where there is one), the
//! server keeps serving, and nothing stored changes. 400 is a request outside the
//! OpenAPI document (type, bounds, pattern); 422 one inside it whose value means nothing
//! (a day that does not exist, an unknown zone, person or room, a rule that never occurs).

mod common;

use common::http::{call, call_patiently, dms, new_key, raw, up};

const PORT: u16 = 8703; // New York's HTTP port for base 7701.

const GOOD: &str = r#"{"title":"T","organizer":"alice","attendees":["dev"],"start":"2027-04-07T10:00","duration_minutes":30}"#;

/// Every person's and room's meetings over a wide window, as the admin sees them (more
/// reads than the key's burst, so a fast run waits for the rate limit).
fn everything(admin: &str) -> String {
    let people = call_patiently(PORT, "GET", "/v1/people", Some(admin)).json();
    let rooms = call_patiently(PORT, "GET", "/v1/rooms", Some(admin)).json();
    let mut out = String::new();
    for r in people
        .as_array()
        .unwrap()
        .iter()
        .chain(rooms.as_array().unwrap())
    {
        let id = r["id"].as_str().unwrap();
        let path = format!(
            "/v1/calendars/{id}/meetings?from=2026-06-01T00:00:00Z&to=2027-05-31T00:00:00Z"
        );
        let reply = call_patiently(PORT, "GET", &path, Some(admin));
        assert_eq!(reply.status, 200, "{reply:?}");
        out.push_str(&format!("{id}: {}\n", reply.body));
    }
    out
}

/// Method, path, key, headers, body, then the status, problem type and field expected.
type Case<'a> = (
    &'a str,
    String,
    Option<&'a str>,
    Vec<(&'a str, &'a str)>,
    Option<String>,
    u16,
    &'a str,
    Option<&'a str>,
);

#[test]
fn bad_requests_get_their_problem_and_change_nothing() {
    let up = up("t72", 7701);
    let root = up.0.clone();
    let keys = root.join("api-keys.json");
    let make = |scopes: &str| new_key(&keys, "ny", scopes);
    let (admin, book) = (make("admin"), make("book,freebusy"));
    let revoked = make("book");
    dms(&[
        "admin",
        "key",
        "revoke",
        revoked.split('_').nth(1).unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    let before = everything(&admin);
    assert!(before.contains("alice"), "{before}");

    let big = format!(
        r#"{{"title":"{}","organizer":"alice","start":"2027-04-07T10:00","duration_minutes":30}}"#,
        "x".repeat(100_000)
    );
    let idem = ("Idempotency-Key", "bad");
    let with = |from: &str, to: &str| GOOD.replace(from, to);
    let k = Some(book.as_str());
    // The sample's stand-up, under the id the node made from alice and its UID.
    let standup = engine::ids::MeetingId::made(&"alice".into(), "ny-standup");
    let m = |rest: &str| format!("/v1/meetings/{standup}{rest}");
    let cases: Vec<Case> = vec![
        ("POST", "/v1/meetings".into(), k, vec![idem], Some("{".into()), 400, "bad-json", None),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some("[1,2,3]".into()), 400, "bad-json", None),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("\"T\"", "\"T\",\"colour\":\"red\"")), 400, "bad-json", None),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("30}", "\"thirty\"}")), 400, "bad-json", None),
        ("POST", "/v1/meetings".into(), k, vec![], Some(GOOD.into()), 400, "bad-input", Some("Idempotency-Key")),
        ("POST", "/v1/meetings".into(), k, vec![idem, ("Content-Type", "text/plain")], Some(GOOD.into()), 415, "unsupported-media-type", None),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("2027-04-07T10:00", "2027-02-30T10:00")), 422, "invalid-value", Some("start")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("2027-04-07T10:00", "next tuesday")), 400, "bad-input", Some("start")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with(":30}", ":0}")), 400, "bad-input", Some("duration_minutes")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with(":30}", ":999999999}")), 400, "bad-input", Some("duration_minutes")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("30}", "30,\"zone\":\"Mars/Base\"}")), 422, "invalid-value", Some("zone")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("30}", "30,\"rrule\":\"FREQ=WEEKLY;BYDAY=XX\"}")), 422, "invalid-value", Some("rrule")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("30}", "30,\"rrule\":\"FREQ=MINUTELY\"}")), 422, "invalid-value", Some("rrule")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("30}", "30,\"rrule\":\"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\"}")), 422, "invalid-value", Some("rrule")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("\"alice\"", "\"mallory\"")), 422, "invalid-value", Some("organizer")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("[\"dev\"]", "[\"dev\",\"nobody\"]")), 422, "invalid-value", Some("attendees[1]")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("30}", "30,\"rooms\":[\"../../etc\"]}")), 422, "invalid-value", Some("rooms[0]")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("\"alice\"", "\"dev\"")), 403, "forbidden", None),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(with("[\"dev\"]", "[\"bob\",\"carmen\",\"dev\",\"emma\"],\"rooms\":[\"ny-liberty\"]")), 422, "invalid-value", Some("rooms")),
        ("POST", "/v1/meetings".into(), k, vec![idem], Some(big), 413, "too-large", None),
        ("POST", "/v1/meetings".into(), None, vec![idem], Some(GOOD.into()), 401, "unauthenticated", None),
        ("POST", "/v1/meetings".into(), Some("dms_0000_1111"), vec![idem], Some(GOOD.into()), 401, "unauthenticated", None),
        ("POST", "/v1/meetings".into(), Some("not-a-key"), vec![idem], Some(GOOD.into()), 401, "unauthenticated", None),
        ("POST", "/v1/meetings".into(), Some(revoked.as_str()), vec![idem], Some(GOOD.into()), 401, "unauthenticated", None),
        ("POST", "/v1/meetings".into(), None, vec![idem, ("Authorization", "Basic YWxpY2U6cGFzcw==")], Some(GOOD.into()), 401, "unauthenticated", None),
        ("PATCH", "/v1/meetings".into(), k, vec![], None, 405, "method-not-allowed", None),
        ("GET", "/v1/meetings/..%2F..%2Fetc%2Fpasswd".into(), k, vec![], None, 404, "not-found", None),
        ("GET", "/v1/calendars/..%2Falice.ics".into(), k, vec![], None, 404, "not-found", None),
        ("GET", "/v1/calendars/alice.txt".into(), k, vec![], None, 404, "no-route", None),
        ("GET", "/etc/passwd".into(), k, vec![], None, 404, "no-route", None),
        ("PUT", m(""), k, vec![], Some(with("\"T\"", "\"T\",\"x\":1")), 400, "bad-json", None),
        ("PUT", "/v1/meetings/no-such-meeting".into(), k, vec![], Some(GOOD.into()), 404, "not-found", None),
        ("DELETE", "/v1/meetings/no-such-meeting".into(), k, vec![], None, 404, "not-found", None),
        ("DELETE", m("?scope=sometimes"), k, vec![], None, 400, "bad-input", Some("query")),
        ("DELETE", m("?scope=instance"), k, vec![], None, 422, "invalid-value", Some("at")),
        ("DELETE", m("?scope=instance&at=2027-01-01T03:17"), k, vec![], None, 422, "invalid-value", Some("at")),
        ("POST", m("/responses"), k, vec![], Some(r#"{"attendee":"bob","response":"maybe"}"#.into()), 400, "bad-json", None),
        ("POST", "/v1/calendars/alice/import".into(), k, vec![("Content-Type", "text/calendar")], Some("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".into()), 422, "invalid-value", Some("body")),
        ("POST", "/v1/calendars/alice/import".into(), k, vec![("Content-Type", "text/calendar")], Some("\u{0}\u{1}not a calendar".into()), 422, "invalid-value", Some("body")),
        ("POST", "/v1/calendars/dev/import".into(), k, vec![("Content-Type", "text/calendar")], Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()), 403, "forbidden", None),
        ("GET", "/v1/freebusy?who=".into(), k, vec![], None, 400, "bad-input", Some("who")),
        ("GET", "/v1/freebusy?who=alice&tz=Mars/Base".into(), k, vec![], None, 422, "invalid-value", Some("tz")),
        ("GET", "/v1/freebusy?who=alice&from=2027-01-01T00:00:00Z&to=2030-01-01T00:00:00Z".into(), k, vec![], None, 422, "invalid-value", Some("to")),
        ("GET", "/v1/freebusy?who=alice&from=2027-01-02T00:00:00Z&to=2027-01-01T00:00:00Z".into(), k, vec![], None, 422, "invalid-value", Some("to")),
        ("GET", format!("/v1/freebusy?who={}", vec!["alice"; 101].join(",")), k, vec![], None, 400, "bad-input", Some("who")),
        ("GET", "/v1/freebusy?who=ghost".into(), k, vec![], None, 422, "invalid-value", Some("who")),
        ("GET", "/v1/freebusy?who=alice&bogus=1".into(), k, vec![], None, 400, "bad-input", Some("query")),
        ("POST", "/v1/suggestions".into(), k, vec![], Some(r#"{"required":[],"duration_minutes":30,"from":"2027-01-01","to":"2027-01-02"}"#.into()), 400, "bad-input", Some("required")),
        ("POST", "/v1/suggestions".into(), k, vec![], Some(r#"{"required":["alice"],"duration_minutes":-5,"from":"2027-01-01","to":"2027-01-02"}"#.into()), 400, "bad-input", Some("duration_minutes")),
        ("POST", "/v1/suggestions".into(), k, vec![], Some(r#"{"required":["alice"],"duration_minutes":30,"from":"2027-01-01","to":"2027-01-02","min_attendance":1.5}"#.into()), 400, "bad-input", Some("min_attendance")),
        ("POST", "/v1/suggestions".into(), k, vec![], Some(r#"{"required":["alice"],"duration_minutes":30,"from":"2027-01-01","to":"2027-01-02","rrule":"FREQ=SOMETIMES"}"#.into()), 422, "invalid-value", Some("rrule")),
    ];
    // The key's rate limit is part of the API, not of these cases: a 429 is waited out.
    let patient = |method: &str,
                   path: &str,
                   key: Option<&str>,
                   headers: &[(&str, &str)],
                   body: Option<&str>| {
        let mut r = call(PORT, method, path, key, headers, body);
        while r.status == 429 {
            std::thread::sleep(std::time::Duration::from_millis(500));
            r = call(PORT, method, path, key, headers, body);
        }
        r
    };
    for (method, path, key, headers, body, status, kind, field) in &cases {
        let r = patient(method, path, *key, headers, body.as_deref());
        let what = format!("{method} {}: {r:?}", &path[..path.len().min(80)]);
        assert_eq!(r.status, *status, "{what}");
        assert_eq!(r.problem(), *kind, "{what}");
        let json = r.json();
        assert!(
            json["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{what}"
        );
        assert_eq!(json["status"], *status, "{what}");
        if let Some(f) = field {
            assert_eq!(json["field"], *f, "{what}");
        }
    }

    // A UID of 3,000 characters: the event is not booked, and the answer says why.
    let long_uid = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:{}\r\nDTSTART:20270405T150000Z\r\nDURATION:PT30M\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "u".repeat(3000)
    );
    let r = patient(
        "POST",
        "/v1/calendars/alice/import",
        k,
        &[("Content-Type", "text/calendar")],
        Some(&long_uid),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let why = r.json()["not_booked"][0]["why"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(why.contains("UID must be 1 to 255 bytes"), "{r:?}");

    // Too many headers, or too many bytes of them: 431 with a problem body.
    let names: Vec<String> = (0..80).map(|i| format!("X-Extra-{i}")).collect();
    let many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    let long = "y".repeat(20_000);
    for headers in [many, vec![("X-Long", long.as_str())]] {
        let r = patient("GET", "/v1/offices", k, &headers, None);
        assert_eq!(
            (r.status, r.problem().as_str()),
            (431, "headers-too-large"),
            "{r:?}"
        );
    }

    // Garbage on the wire: answered or dropped, never a crash.
    for junk in [
        &b"GARBAGE\r\n\r\n"[..],
        b"\x00\xff\xfe\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /v1/meetings HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
    ] {
        let r = raw(PORT, junk);
        assert!(
            r.status == 0 || (400..500).contains(&r.status),
            "{junk:?}: {r:?}"
        );
    }
    assert_eq!(
        call(PORT, "GET", "/v1/offices", Some(&admin), &[], None).status,
        200,
        "still serving"
    );
    assert_eq!(
        everything(&admin),
        before,
        "a bad request changed what is stored"
    );
    drop(up);
}
