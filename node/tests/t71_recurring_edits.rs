//! Recurring edits end to end, against a local cluster of `dms-node` processes: over
//! HTTP, one instance moved (booked at its new time at the attendee's office, the
//! attendee told, its new time checked for conflicts), the moved instance cancelled by
//! the time it shows, a `PUT` of the series that keeps what was cancelled, this and the
//! following instances moved, a counter-proposal told to the organizer and its decline
//! to the invitee (each only through the right office); with the CLI, `dms update
//! --instance` and `--following`, `dms counter`, the `.ics` export with RECURRENCE-ID,
//! and its re-import recognized as booked already (its reminder, set over HTTP, out as a
//! VALARM and back).

mod common;

use common::http::{call, dms, new_key, up, Reply};
use std::time::{Duration, Instant};

const BASE: u16 = 7971;
const NY: u16 = 8973; // offices in id order: bangalore, london, ny, sydney
const WEEKLY: &str = r#"{"title":"Weekly sync","organizer":"alice","attendees":["dev"],"start":"2027-03-02T09:00","duration_minutes":30,"rrule":"FREQ=WEEKLY;COUNT=6","reminder_minutes":20}"#;

fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn starts(r: &Reply) -> Vec<String> {
    let j = r.json();
    (j["instances"].as_array().unwrap().iter())
        .map(|i| i["start"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn recurring_meetings_are_edited_as_calendar_programs_edit_them() {
    let cluster = up("t71", BASE);
    let root = cluster.0.clone();
    let key = new_key(&root.join("api-keys.json"), "ny", "book,freebusy");
    let post = |path: &str, body: &str, idem: Option<&str>| {
        let headers: Vec<(&str, &str)> = idem.map(|i| ("Idempotency-Key", i)).into_iter().collect();
        call(NY, "POST", path, Some(&key), &headers, Some(body))
    };
    // A start in the past is refused unless asked for, and then a warning.
    let past = WEEKLY.replace("2027-03-02T09:00", "2021-03-02T09:00");
    let r = post("/v1/meetings", &past, Some("past-1"));
    assert_eq!(r.status, 422, "{r:?}");
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("starts in the past"),
        "{r:?}"
    );
    let past = past.replace("}", r#","allow_past":true}"#);
    let r = post("/v1/meetings", &past, Some("past-2"));
    assert_eq!(r.status, 201, "{r:?}");
    assert!(r.body.contains("starts in the past"), "{r:?}");

    // A reminder more than a week ahead is refused, naming it.
    let r = post(
        "/v1/meetings",
        &WEEKLY.replace(":20}", ":99999}"),
        Some("weekly-0"),
    );
    assert_eq!(r.status, 422, "{r:?}");
    assert!(r.body.contains("reminder"), "{r:?}");
    let created = post("/v1/meetings", WEEKLY, Some("weekly-1"));
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(created.json()["reminder_minutes"], 20, "{created:?}");
    let id = created.json()["id"].as_str().unwrap().to_string();
    let retime = |body: &str| post(&format!("/v1/meetings/{id}/retime"), body, None);

    // One instance moved on its own: the others stay; the answer names where it was.
    let r = retime(r#"{"scope":"instance","at":"2027-03-16T09:00","start":"2027-03-17T11:00"}"#);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        starts(&r),
        [
            "2027-03-02T09:00:00-05:00",
            "2027-03-09T09:00:00-05:00",
            "2027-03-17T11:00:00-04:00",
            "2027-03-23T09:00:00-04:00",
            "2027-03-30T09:00:00-04:00",
            "2027-04-06T09:00:00-04:00"
        ]
    );
    assert_eq!(
        r.json()["instances"][2]["moved_from"],
        "2027-03-16T09:00:00-04:00"
    );
    // dev's office (London) books the instance at its new time, and tells him.
    // (dev has other meetings in the sample company: the instance's own times are read.)
    let dev_busy_at = |day: &str, start: &str| {
        let path = format!("/v1/freebusy?who=dev&from={day}T00:00:00Z&to={day}T23:59:00Z");
        let r = call(NY, "GET", &path, Some(&key), &[], None);
        assert_eq!(r.status, 200, "{r:?}");
        (r.json()[0]["busy"].as_array().unwrap().iter()).any(|p| p["start"] == start)
    };
    eventually("dev busy on the 17th, free on the 16th", || {
        dev_busy_at("2027-03-17", "2027-03-17T15:00:00Z")
            && !dev_busy_at("2027-03-16", "2027-03-16T13:00:00Z")
    });
    // Told which instance moved, and where, in his own time (London).
    let told = || {
        let text =
            std::fs::read_to_string(root.join("london/notifications.jsonl")).unwrap_or_default();
        text.lines()
            .filter(|l| l.contains(&id) && l.contains("InstanceMoved") && l.contains("\"dev\""))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    eventually("dev told of the change", || !told().is_empty());
    let text = told().remove(0);
    assert!(
        text.contains("The instance of 2027-03-16T13:00:00+00:00")
            && text.contains("now starts at 2027-03-17T15:00:00+00:00 and lasts 30 minutes"),
        "{text}"
    );

    // Its new time is checked: onto another of alice's meetings, a conflict.
    let blocker = r#"{"title":"1:1","organizer":"alice","attendees":[],"start":"2027-03-24T11:00","duration_minutes":30}"#;
    assert_eq!(post("/v1/meetings", blocker, Some("blocker-1")).status, 201);
    let r = retime(r#"{"scope":"instance","at":"2027-03-23T09:00","start":"2027-03-24T11:00"}"#);
    assert_eq!(
        (r.status, r.problem()),
        (409, "conflict".to_string()),
        "{r:?}"
    );
    // A time that is no instance, and a rule that cannot follow, are named.
    let r = retime(r#"{"scope":"instance","at":"2027-03-24T09:00","start":"2027-03-24T10:00"}"#);
    assert_eq!(r.status, 422, "{r:?}");
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("not an instance"),
        "{r:?}"
    );

    // Cancelled by the time it shows now, the moved instance goes.
    let path = format!("/v1/meetings/{id}?scope=instance&at=2027-03-17T11:00");
    let r = call(NY, "DELETE", &path, Some(&key), &[], None);
    assert_eq!(r.status, 204, "{r:?}");
    let got = call(
        NY,
        "GET",
        &format!("/v1/meetings/{id}"),
        Some(&key),
        &[],
        None,
    );
    assert_eq!(starts(&got).len(), 5, "{got:?}");
    // The series written in full again (a new title) keeps the cancellation.
    let renamed = WEEKLY.replace("Weekly sync", "Weekly sync (renamed)");
    let r = call(
        NY,
        "PUT",
        &format!("/v1/meetings/{id}"),
        Some(&key),
        &[],
        Some(&renamed),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(starts(&r).len(), 5, "{r:?}");
    assert!(!starts(&r)
        .iter()
        .any(|s| s.starts_with("2027-03-16") || s.starts_with("2027-03-17")));

    // This and the following ones, an hour later (local time, across nothing here).
    let r = retime(
        r#"{"scope":"following","at":"2027-03-30T09:00","start":"2027-03-30T10:00","duration_minutes":45}"#,
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        starts(&r),
        [
            "2027-03-02T09:00:00-05:00",
            "2027-03-09T09:00:00-05:00",
            "2027-03-23T09:00:00-04:00",
            "2027-03-30T10:00:00-04:00",
            "2027-04-06T10:00:00-04:00"
        ]
    );
    assert_eq!(r.json()["instances"][4]["end"], "2027-04-06T10:45:00-04:00");

    // dev (London) proposes another time for the 30th: alice is told; a key of New
    // York's cannot propose for him. alice declines: dev is told.
    let ldn_key = new_key(&root.join("api-keys.json"), "london", "book");
    let counter = |key: &str, body: &str| {
        let path = format!("/v1/meetings/{id}/counter");
        call(NY, "POST", &path, Some(key), &[], Some(body))
    };
    let proposal = r#"{"attendee":"dev","at":"2027-03-30T10:00","start":"2027-03-30T12:00"}"#;
    assert_eq!(
        counter(&key, proposal).status,
        404,
        "only dev's office proposes for dev"
    );
    let r = counter(&ldn_key, proposal);
    assert_eq!(
        (r.status, r.json()["told"].as_str()),
        (202, Some("alice")),
        "{r:?}"
    );
    let notices = |office: &str, what: &str| {
        let text = std::fs::read_to_string(root.join(office).join("notifications.jsonl"))
            .unwrap_or_default();
        (text.lines())
            .filter(|l| l.contains(&id) && l.contains(what))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    eventually("alice told of dev's proposal", || {
        !notices("ny", "Proposed").is_empty()
    });
    let told = notices("ny", "Proposed").remove(0);
    assert!(
        told.contains("dev proposes 2027-03-30T12:00:00-04:00"),
        "{told}"
    );
    let decline = proposal.replace("}", r#","decline":true}"#);
    assert_eq!(
        counter(&ldn_key, &decline).status,
        404,
        "only alice's office declines"
    );
    let r = counter(&key, &decline);
    assert_eq!(
        (r.status, r.json()["told"].as_str()),
        (202, Some("dev")),
        "{r:?}"
    );
    eventually("dev told of the decline", || {
        !notices("london", "ProposalDeclined").is_empty()
    });
    let r = counter(
        &ldn_key,
        r#"{"attendee":"dev","at":"2027-03-31T10:00","start":"2027-03-30T12:00"}"#,
    );
    assert_eq!(r.status, 422, "no instance on the 31st: {r:?}");

    // The CLI: one instance an hour earlier, then the 23rd and later ones an hour earlier
    // and shorter (alice's stand-up starts at 09:30).
    let port = BASE.to_string();
    let name = format!("alice/{}", created.json()["uid"].as_str().unwrap_or(&id));
    let cli = |args: &[&str]| {
        let mut a = args.to_vec();
        // The cluster's nodes speak mutual TLS: the operator's certificate from its root.
        let tls = root.join("tls");
        a.extend_from_slice(&["--base-port", &port, "--tls-dir", tls.to_str().unwrap()]);
        dms(&a)
    };
    let out = cli(&[
        "update",
        "--id",
        &id,
        "--instance",
        "2027-03-09T09:00",
        "--start",
        "2027-03-09T08:00",
    ]);
    assert!(out.contains("changed"), "{out}");
    let out = cli(&[
        "update",
        "--id",
        &id,
        "--following",
        "2027-03-23T09:00",
        "--start",
        "2027-03-23T08:00",
        "--duration",
        "30",
    ]);
    assert!(out.contains("changed"), "{out}");
    // dev proposes a later time for 6 April with the CLI; alice accepts it as a change.
    let out = cli(&[
        "counter",
        "--id",
        &id,
        "--as",
        "dev",
        "--instance",
        "2027-04-06T09:00",
        "--start",
        "2027-04-06T08:30",
    ]);
    assert!(
        out.contains("proposed") && out.contains("alice is told"),
        "{out}"
    );
    let out = cli(&[
        "update",
        "--id",
        &id,
        "--instance",
        "2027-04-06T09:00",
        "--start",
        "2027-04-06T08:30",
    ]);
    assert!(out.contains("changed"), "{out}");
    let got = call(
        NY,
        "GET",
        &format!("/v1/meetings/{id}"),
        Some(&key),
        &[],
        None,
    );
    assert_eq!(
        starts(&got),
        [
            "2027-03-02T09:00:00-05:00",
            "2027-03-09T08:00:00-05:00",
            "2027-03-23T08:00:00-04:00",
            "2027-03-30T09:00:00-04:00",
            "2027-04-06T08:30:00-04:00"
        ],
        "{name}"
    );
    // Exported with its overrides as RECURRENCE-IDs; importing the file again books
    // nothing new.
    let ics = cli(&[
        "calendar",
        "--person",
        "alice",
        "--ics",
        "--from",
        "2027-03-01",
        "--to",
        "2027-04-30",
    ]);
    assert!(
        ics.contains("RECURRENCE-ID;TZID=America/New_York:"),
        "{ics}"
    );
    // Its own reminder went out as a VALARM (and comes back the same below).
    assert!(ics.contains("TRIGGER:-PT20M"), "{ics}");
    let file = root.join("alice.ics");
    std::fs::write(&file, &ics).unwrap();
    let out = cli(&["import", "--person", "alice", file.to_str().unwrap()]);
    assert!(out.contains(&format!("already booked {id}")), "{out}");
    assert!(out.contains("(0 older ones ignored)"), "{out}");
    // Meetings others organize and invite her to are theirs: not booked again as hers.
    assert!(
        out.contains("to which alice is invited already; not imported"),
        "{out}"
    );
}
