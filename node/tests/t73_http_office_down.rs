//! A booking over HTTP that needs an office which is down: 503 `office-unreachable`
//! naming that office and saying the booking did not take effect (not 422 `refused`:
//! the same request may succeed once the office is back), and nothing is booked.
//! Free/busy and suggestions across offices answer for the offices that answer and
//! name the one that did not.

mod common;

use common::http::{call, new_key, up};

const NY: u16 = 8733; // New York's HTTP port for base 7731.
const GOOD: &str = r#"{"title":"T","organizer":"alice","attendees":["dev"],"start":"2027-04-07T10:00","duration_minutes":30}"#;
const ALICE: &str =
    "/v1/calendars/alice/meetings?from=2027-04-01T00:00:00Z&to=2027-04-30T00:00:00Z";

#[test]
fn a_booking_that_needs_a_stopped_office_is_unavailable_not_refused() {
    let up = up("t73", 7731);
    let root = up.0.clone();
    let key = new_key(&root.join("api-keys.json"), "ny", "book,freebusy");
    let k = Some(key.as_str());
    let before = call(NY, "GET", ALICE, k, &[], None);
    assert_eq!(before.status, 200, "{before:?}");

    // kill -9 London, where Dev's calendar is.
    let pid = std::fs::read_to_string(root.join("london.pid")).unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status()
        .unwrap();
    assert!(killed.success());

    let idem = [("Idempotency-Key", "t73-1")];
    let reply = call(NY, "POST", "/v1/meetings", k, &idem, Some(GOOD));
    assert_eq!(reply.status, 503, "{reply:?}");
    assert_eq!(reply.problem(), "office-unreachable");
    let body = reply.json();
    assert_eq!(body["office"], "london", "{body}");
    assert_eq!(body["may_have_taken_effect"], false, "{body}");

    let after = call(NY, "GET", ALICE, k, &[], None);
    assert_eq!(after.status, 200, "{after:?}");
    assert_eq!(after.body, before.body, "nothing booked for Alice");

    // Free/busy of alice (New York) and dev (London): alice's answer, dev's office named.
    let fb = "/v1/freebusy?who=alice,dev&from=2027-04-07T00:00:00Z&to=2027-04-08T00:00:00Z";
    let reply = call(NY, "GET", fb, k, &[], None);
    assert_eq!(reply.status, 200, "{reply:?}");
    let body = reply.json();
    assert_eq!(body[0]["id"], "alice", "{body}");
    assert!(body[0].get("unavailable").is_none(), "{body}");
    assert_eq!(body[1]["id"], "dev", "{body}");
    let why = body[1]["unavailable"].as_str().unwrap_or_default();
    assert!(why.contains("office london did not answer"), "{body}");
    // Suggestions for alice and dev: times come, and London is named (New York asked
    // it for dev's calendar earlier, so what it last knew stands in, with its age).
    let ask = r#"{"required":["alice","dev"],"duration_minutes":30,"from":"2027-04-07T00:00:00Z","to":"2027-04-09T00:00:00Z","working_hours_only":false}"#;
    let reply = call(NY, "POST", "/v1/suggestions", k, &[], Some(ask));
    assert_eq!(reply.status, 200, "{reply:?}");
    let body = reply.json();
    assert!(!body["candidates"].as_array().unwrap().is_empty(), "{body}");
    let notes = body["unavailable"].to_string();
    assert!(notes.contains("office london did not answer"), "{body}");
    assert!(notes.contains("dev"), "{body}");
    // Only London asked: nothing answered, so the whole call is unavailable.
    let only = "/v1/freebusy?who=dev&from=2027-04-07T00:00:00Z&to=2027-04-08T00:00:00Z";
    let reply = call(NY, "GET", only, k, &[], None);
    assert_eq!(
        (reply.status, reply.problem()),
        (503, "office-unreachable".to_string())
    );
}
