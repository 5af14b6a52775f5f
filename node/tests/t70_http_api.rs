//! The HTTP/JSON API end to end, over real HTTP against a local cluster of `dms-node`
//! processes (`dms cluster up`): keys from `dms admin key`, a booking across offices
//! (retried with its idempotency key: booked once), privacy outside the offices
//! involved, an answer seen by the organizer's office, conflicts and an override,
//! free/busy, the `.ics` feed and an `.ics` import, a cancellation, each invitee
//! notified once, a reminder (once, in the invitee's zone), a revoked key, the rate
//! limit, and the OpenAPI document matching the routes.

mod common;

use common::http::{call, dms, new_key, up, Reply};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn key(root: &Path, office: &str, scopes: &str) -> String {
    new_key(&root.join("api-keys.json"), office, scopes)
}

/// `POST /v1/meetings` on `port` with `key`, an idempotency key and a JSON body.
fn create(port: u16, key: &str, idem: &str, body: &str) -> Reply {
    call(
        port,
        "POST",
        "/v1/meetings",
        Some(key),
        &[("Idempotency-Key", idem)],
        Some(body),
    )
}

/// Waits (at most 20 s) until `f` holds.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

const REVIEW: &str = r#"{"title":"Design review","organizer":"alice","attendees":["dev","priya"],"rooms":["ny-hudson"],"start":"2027-03-03T10:00","duration_minutes":45}"#;

fn notices(root: &Path, office: &str, meeting: &str) -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(root.join(office).join("notifications.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|n| n["meeting"] == meeting)
        .map(|n| {
            (
                n["to"].as_str().unwrap_or("").to_string(),
                n["kind"].to_string(),
            )
        })
        .collect()
}

#[test]
fn a_client_books_answers_reads_and_cancels_across_offices_over_http() {
    // Offices in id order: bangalore, london, ny, sydney.
    let cluster = up("t70-e2e", 7641);
    let root = cluster.0.clone();
    let (blr, ldn, ny) = (8641, 8642, 8643);
    let ny_key = key(&root, "ny", "book,freebusy,override");
    let ldn_key = key(&root, "london", "book,freebusy");
    let syd_key = key(&root, "sydney", "freebusy");

    // No key, a wrong key, a missing scope: refused, nothing booked.
    assert_eq!(
        call(ny, "GET", "/v1/offices", None, &[], None).problem(),
        "unauthenticated"
    );
    assert_eq!(
        call(ny, "GET", "/v1/offices", Some("dms_nope_nope"), &[], None).status,
        401
    );
    let r = create(ny, &syd_key, "x", REVIEW);
    assert_eq!(
        (r.status, r.problem()),
        (403, "forbidden".to_string()),
        "{r:?}"
    );

    // Booked across three offices; the same request again (a retry) books nothing new.
    let idem = [("Idempotency-Key", "review-1")];
    let first = call(
        ny,
        "POST",
        "/v1/meetings?tz=Europe/London",
        Some(&ny_key),
        &idem,
        Some(REVIEW),
    );
    assert_eq!(first.status, 201, "{first:?}");
    let id = first.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        first.header("location"),
        Some(format!("/v1/meetings/{id}").as_str())
    );
    assert_eq!(
        first.json()["instances"][0]["start"],
        "2027-03-03T15:00:00+00:00"
    );
    let again = call(
        ny,
        "POST",
        "/v1/meetings",
        Some(&ny_key),
        &idem,
        Some(REVIEW),
    );
    assert_eq!(
        (again.status, again.json()["id"].as_str()),
        (200, Some(id.as_str())),
        "{again:?}"
    );
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let other = REVIEW.replace("45", "30");
    assert_eq!(
        call(
            ny,
            "POST",
            "/v1/meetings",
            Some(&ny_key),
            &idem,
            Some(&other)
        )
        .problem(),
        "idempotency-key-reused"
    );

    // Any node answers for any office; London sees it in full (Dev attends), Sydney
    // sees busy time only.
    let seen = call(
        blr,
        "GET",
        &format!("/v1/meetings/{id}"),
        Some(&ldn_key),
        &[],
        None,
    );
    assert_eq!(seen.json()["title"], "Design review", "{seen:?}");
    let hidden = call(
        blr,
        "GET",
        &format!("/v1/meetings/{id}"),
        Some(&syd_key),
        &[],
        None,
    );
    assert_eq!(hidden.status, 200);
    assert!(
        hidden.json().get("title").is_none() && hidden.json().get("attendees").is_none(),
        "{hidden:?}"
    );
    assert_eq!(
        hidden.json()["instances"][0]["start"],
        "2027-03-03T15:00:00Z"
    );

    // Dev answers through London; the organizer's office sees it.
    let answer = r#"{"attendee":"dev","response":"accepted"}"#;
    assert_eq!(
        call(
            ny,
            "POST",
            &format!("/v1/meetings/{id}/responses"),
            Some(&ny_key),
            &[],
            Some(answer)
        )
        .status,
        403
    );
    let r = call(
        ldn,
        "POST",
        &format!("/v1/meetings/{id}/responses"),
        Some(&ldn_key),
        &[],
        Some(answer),
    );
    assert_eq!(r.status, 200, "{r:?}");
    eventually("New York sees Dev's answer", || {
        let m = call(
            ny,
            "GET",
            &format!("/v1/meetings/{id}"),
            Some(&ny_key),
            &[],
            None,
        )
        .json();
        m["attendees"].as_array().is_some_and(|a| {
            a.iter()
                .any(|x| x["id"] == "dev" && x["response"] == "accepted")
        })
    });

    // Bob and Alice at the same time: Alice conflicts; with the override it is booked
    // with a warning.
    let clash = r#"{"title":"Clash","organizer":"bob","attendees":["alice"],"start":"2027-03-03T10:15","duration_minutes":30}"#;
    let r = create(ny, &ny_key, "clash", clash);
    assert_eq!(
        (r.status, r.problem()),
        (409, "conflict".to_string()),
        "{r:?}"
    );
    assert_eq!(r.json()["conflicts"][0]["meeting"], id.as_str());
    assert!(
        r.json()["alternatives"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{r:?}"
    );
    let forced = clash.replace("\"Clash\"", "\"Clash\",\"override\":true");
    let r = create(ny, &ny_key, "clash-2", &forced);
    assert_eq!(r.status, 201, "{r:?}");
    assert!(
        r.json()["warnings"][0].as_str().unwrap_or("").contains(&id),
        "{r:?}"
    );

    // Free/busy across offices, in one zone.
    let fb = call(ldn, "GET", "/v1/freebusy?who=alice,dev&from=2027-03-03T00:00:00Z&to=2027-03-04T00:00:00Z&tz=Asia/Kolkata", Some(&syd_key), &[], None);
    assert_eq!(fb.status, 200, "{fb:?}");
    let dev = &fb.json()[1];
    assert_eq!(dev["id"], "dev");
    assert_eq!(
        dev["busy"][0]["start"], "2027-03-03T20:30:00+05:30",
        "{fb:?}"
    );

    // The .ics feed: in full for New York, busy blocks for Sydney.
    let window = "from=2027-03-01T00:00:00Z&to=2027-03-10T00:00:00Z";
    let feed = call(
        ldn,
        "GET",
        &format!("/v1/calendars/alice.ics?{window}&key={ny_key}"),
        None,
        &[],
        None,
    );
    assert_eq!(feed.status, 200, "{feed:?}");
    assert!(feed
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/calendar"));
    assert!(
        feed.body.contains("SUMMARY:Design review") && feed.body.contains("BEGIN:VCALENDAR"),
        "{}",
        feed.body
    );
    let outside = call(
        ldn,
        "GET",
        &format!("/v1/calendars/alice.ics?{window}&key={syd_key}"),
        None,
        &[],
        None,
    );
    assert!(
        outside.body.contains("SUMMARY:busy") && !outside.body.contains("Design review"),
        "{}",
        outside.body
    );

    // Cancelled: gone everywhere, and each invitee was told once of each.
    let r = call(
        ny,
        "DELETE",
        &format!("/v1/meetings/{id}"),
        Some(&ny_key),
        &[],
        None,
    );
    assert_eq!(r.status, 204, "{r:?}");
    eventually("the meeting is gone at every office", || {
        call(
            blr,
            "GET",
            &format!("/v1/meetings/{id}"),
            Some(&ny_key),
            &[],
            None,
        )
        .status
            == 404
    });
    eventually(
        "Dev and Priya are told of the invitation and the cancellation",
        || notices(&root, "london", &id).len() >= 2 && notices(&root, "bangalore", &id).len() >= 2,
    );
    std::thread::sleep(Duration::from_millis(500));
    for (office, who) in [("london", "dev"), ("bangalore", "priya")] {
        let got = notices(&root, office, &id);
        let kinds: Vec<&str> = got
            .iter()
            .filter(|(to, _)| to == who)
            .map(|(_, k)| k.as_str())
            .collect();
        assert_eq!(
            kinds.iter().filter(|k| k.contains("Invited")).count(),
            1,
            "{office}: {got:?}"
        );
        assert_eq!(
            kinds.iter().filter(|k| k.contains("Cancelled")).count(),
            1,
            "{office}: {got:?}"
        );
    }
    // Each is told in their own time and in words: Dev at 15:00 London, Priya at 20:30
    // Bangalore.
    for (office, local) in [
        ("london", "2027-03-03T15:00:00+00:00"),
        ("bangalore", "2027-03-03T20:30:00+05:30"),
    ] {
        let text = std::fs::read_to_string(root.join(office).join("notifications.jsonl")).unwrap();
        let invited = (text.lines())
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|n| n["meeting"] == id.as_str() && n["kind"] == "Invited")
            .unwrap();
        assert_eq!(invited["local_start"], local, "{invited}");
        assert!(
            invited["text"].as_str().unwrap_or("").contains(&format!(
                "You are invited to \"Design review\" ({id}), first at {local}"
            )),
            "{invited}"
        );
    }

    // An .ics file imported into Alice's calendar (Dev invited across offices); the same
    // file again books nothing twice.
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t70//EN\r\n\
BEGIN:VEVENT\r\nUID:imported-1\r\nDTSTAMP:20270101T000000Z\r\nDTSTART;TZID=America/New_York:20270310T090000\r\n\
DURATION:PT30M\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Imported weekly\r\nATTENDEE:mailto:dev@example.com\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:imported-2\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270311T150000Z\r\nDTEND:20270311T160000Z\r\n\
SUMMARY:Imported once\r\nATTENDEE:mailto:stranger@elsewhere.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let cal = [("Content-Type", "text/calendar")];
    let import = |text: &str| {
        call(
            ny,
            "POST",
            "/v1/calendars/alice/import",
            Some(&ny_key),
            &cal,
            Some(text),
        )
    };
    let r = import(ics);
    assert_eq!(r.status, 200, "{r:?}");
    // The server made the ids; the UIDs are kept beside them.
    let uids = |list: &serde_json::Value| -> Vec<String> {
        (list.as_array().into_iter().flatten())
            .map(|b| b["uid"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        uids(&r.json()["booked"]),
        ["imported-1", "imported-2"],
        "{r:?}"
    );
    let first = r.json()["booked"][0]["id"].as_str().unwrap().to_string();
    assert!(first.starts_with("m-"), "{r:?}");
    let m = call(
        ny,
        "GET",
        &format!("/v1/meetings/{first}"),
        Some(&ny_key),
        &[],
        None,
    );
    assert_eq!(m.json()["uid"], "imported-1", "{m:?}");
    // Its VALARM is the meeting's reminder.
    assert_eq!(m.json()["reminder_minutes"], 10, "{m:?}");
    assert!(
        r.json()["notes"][0]
            .as_str()
            .unwrap_or("")
            .contains("stranger"),
        "{r:?}"
    );
    let again = import(ics);
    assert_eq!(
        uids(&again.json()["already"]),
        ["imported-1", "imported-2"],
        "{again:?}"
    );
    // Sync by SEQUENCE: a newer version of one event changes its meeting; an older
    // (or equal) one that differs is ignored.
    let newer = ics
        .replace(
            "SUMMARY:Imported once",
            "SUMMARY:Imported once, moved\r\nSEQUENCE:1",
        )
        .replace(
            "DTSTART:20270311T150000Z\r\nDTEND:20270311T160000Z",
            "DTSTART:20270311T160000Z\r\nDTEND:20270311T170000Z",
        );
    let r = import(&newer);
    assert_eq!(uids(&r.json()["updated"]), ["imported-2"], "{r:?}");
    assert_eq!(uids(&r.json()["already"]), ["imported-1"], "{r:?}");
    let older = ics.replace("SUMMARY:Imported once", "SUMMARY:Imported once, older");
    let r = import(&older);
    assert_eq!(uids(&r.json()["ignored"]), ["imported-2"], "{r:?}");
    // An instance moved by an override is booked at its new time; a cancelled one not.
    let moved = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
BEGIN:VEVENT\r\nUID:moved-1\r\nDTSTART;TZID=America/New_York:20270713T090000\r\nDURATION:PT30M\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Moved\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:moved-1\r\nRECURRENCE-ID;TZID=America/New_York:20270720T090000\r\nDTSTART;TZID=America/New_York:20270720T100000\r\nDURATION:PT30M\r\nSUMMARY:Moved\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:moved-1\r\nRECURRENCE-ID;TZID=America/New_York:20270727T090000\r\nDTSTART;TZID=America/New_York:20270727T090000\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let r = import(moved);
    let moved_id = r.json()["booked"][0]["id"].as_str().unwrap().to_string();
    let m = call(
        ny,
        "GET",
        &format!("/v1/meetings/{moved_id}"),
        Some(&ny_key),
        &[],
        None,
    );
    let got: Vec<String> = (m.json()["instances"].as_array().unwrap().iter())
        .map(|i| i["start"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        got,
        ["2027-07-13T09:00:00-04:00", "2027-07-20T10:00:00-04:00"],
        "{m:?}"
    );
    // One event that does not read is reported by line, and the file's others are booked.
    let mixed = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
BEGIN:VEVENT\r\nUID:good-1\r\nDTSTART:20270706T150000Z\r\nDURATION:PT30M\r\nSUMMARY:Good\r\n\
ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:dev@example.com\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:bad-1\r\nDTSTART:garbage\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:birthday\r\nDTSTART;VALUE=DATE:20270707\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let r = import(mixed);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(uids(&r.json()["booked"]), ["good-1"], "{r:?}");
    // ROLE=OPT-PARTICIPANT makes Dev an optional attendee.
    let good = r.json()["booked"][0]["id"].as_str().unwrap().to_string();
    let m = call(
        ny,
        "GET",
        &format!("/v1/meetings/{good}"),
        Some(&ny_key),
        &[],
        None,
    );
    assert_eq!(m.json()["attendees"][0]["required"], false, "{m:?}");
    let notes = r.json()["notes"].to_string();
    assert!(
        notes.contains("line 12: DTSTART")
            && notes.contains("left out")
            && notes.contains("birthday: TRANSP:TRANSPARENT takes no time"),
        "{r:?}"
    );
    // The default feed reaches a year ahead (what a subscribed calendar shows): a
    // meeting 200 days from now is in it.
    let later = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 200 * 86_400;
    let later = engine::time::format::rfc3339_in(
        engine::time::Instant(later - later % 3600),
        engine::time::Zone::Utc,
    );
    let far = create(
        ny,
        &ny_key,
        "far-1",
        &format!(
            r#"{{"title":"Far ahead","organizer":"alice","start":"{later}","duration_minutes":30,"override":true}}"#
        ),
    );
    assert_eq!(far.status, 201, "{far:?}");
    let far_id = far.json()["id"].as_str().unwrap().to_string();
    let feed = call(
        ny,
        "GET",
        "/v1/calendars/alice.ics",
        Some(&ny_key),
        &[],
        None,
    );
    assert!(feed.body.contains(&format!("UID:{far_id}")), "{feed:?}");
    // DTSTAMP says when the feed was written (not 1970).
    assert!(
        feed.body.contains("DTSTAMP:") && !feed.body.contains("DTSTAMP:1970"),
        "{feed:?}"
    );
    // Five people in a four-seat room: refused by name (t72), booked with a warning when
    // the key overrides.
    let crowded = create(
        ny,
        &ny_key,
        "crowded-1",
        r#"{"title":"Crowded","organizer":"alice","attendees":["bob","carmen","dev","emma"],"rooms":["ny-liberty"],"start":"2027-06-01T10:00","duration_minutes":30,"override":true}"#,
    );
    assert_eq!(crowded.status, 201, "{crowded:?}");
    assert!(
        crowded.json()["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("ny-liberty seats 4")),
        "{crowded:?}"
    );
    // A local start that a clock change skips, and a start in the past: booked, with a
    // word about each.
    let noted = |idem: &str, start: &str| {
        create(
            ny,
            &ny_key,
            idem,
            &format!(
                r#"{{"title":"Noted","organizer":"alice","start":"{start}","duration_minutes":30,"override":true}}"#
            ),
        )
    };
    let gap = noted("gap-1", "2027-03-14T02:30");
    assert_eq!(gap.status, 201, "{gap:?}");
    assert!(
        gap.body.contains("does not exist in America/New_York"),
        "{gap:?}"
    );
    assert!(gap.body.contains("2027-03-14T03:30:00-04:00"), "{gap:?}");
    // A start in the past is refused unless asked for (issue 23), then a warning.
    let past = noted("past-1", "2020-01-06T10:00");
    assert_eq!(past.status, 422, "{past:?}");
    assert!(past.body.contains("starts in the past"), "{past:?}");
    let body = r#"{"title":"Noted","organizer":"alice","start":"2020-01-06T10:00","duration_minutes":30,"allow_past":true}"#;
    let past = create(ny, &ny_key, "past-2", body);
    assert_eq!(past.status, 201, "{past:?}");
    assert!(past.body.contains("starts in the past"), "{past:?}");
    // Suggestions take the CLI's options: a weekly series (candidates are first
    // instances) for New York and London; four continents find a time once working hours
    // do not bind, or half of them may be missing.
    let suggest = |body: &str| {
        call(
            ny,
            "POST",
            "/v1/suggestions",
            Some(&ny_key),
            &[],
            Some(body),
        )
    };
    let weekly = suggest(
        r#"{"required":["alice","dev"],"duration_minutes":30,"from":"2027-05-03T00:00:00Z","to":"2027-05-08T00:00:00Z","rrule":"FREQ=WEEKLY;COUNT=4","zone":"America/New_York"}"#,
    );
    assert_eq!(weekly.status, 200, "{weekly:?}");
    assert!(
        !weekly.json()["candidates"].as_array().unwrap().is_empty(),
        "{weekly:?}"
    );
    let everyone = r#""required":["alice","dev","priya","tom"],"duration_minutes":60,"from":"2027-05-03T00:00:00Z","to":"2027-05-08T00:00:00Z""#;
    let loose = suggest(&format!(r#"{{{everyone},"working_hours_only":false}}"#));
    assert!(
        !loose.json()["candidates"].as_array().unwrap().is_empty(),
        "{loose:?}"
    );
    let half = suggest(&format!(r#"{{{everyone},"min_attendance":0.5}}"#));
    assert!(
        !half.json()["candidates"].as_array().unwrap().is_empty(),
        "{half:?}"
    );
    // The feed gives the UID back.
    let feed = call(
        ny,
        "GET",
        "/v1/calendars/alice.ics?from=2027-03-09T00:00:00Z&to=2027-04-01T00:00:00Z",
        Some(&ny_key),
        &[],
        None,
    );
    assert!(feed.body.contains("UID:imported-1"), "{feed:?}");
    // London lists the meeting once New York's commit reaches it (just after the answer).
    eventually("London lists the imported meeting for Dev", || {
        call(
            ldn,
            "GET",
            "/v1/calendars/dev/meetings?from=2027-03-09T00:00:00Z&to=2027-04-01T00:00:00Z",
            Some(&ldn_key),
            &[],
            None,
        )
        .body
        .contains("Imported weekly")
    });
    assert_eq!(
        call(
            ny,
            "POST",
            "/v1/calendars/alice/import",
            Some(&ny_key),
            &[],
            Some(ics)
        )
        .problem(),
        "unsupported-media-type"
    );

    // A reminder (the sample nodes remind 15 minutes ahead): a meeting 15 min 4 s away
    // reminds Dev, in London time, once. Booked with the override: "now" may fall on a
    // sample standing meeting (New York's stand-up), and the reminder is what is tested.
    let soon = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 15 * 60
        + 4;
    let start =
        engine::time::format::rfc3339_in(engine::time::Instant(soon), engine::time::Zone::Utc);
    let body = format!(
        r#"{{"title":"Soon","organizer":"alice","attendees":["dev"],"start":"{start}","duration_minutes":15,"override":true}}"#
    );
    let r = create(ny, &ny_key, "soon", &body);
    assert_eq!(r.status, 201, "{r:?}");
    let soon_id = r.json()["id"].as_str().unwrap().to_string();
    let reminded = || {
        notices(&root, "london", &soon_id)
            .into_iter()
            .filter(|(to, k)| to == "dev" && k.contains("Reminder"))
            .count()
    };
    eventually("Dev is reminded", || reminded() >= 1);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(reminded(), 1, "once");
    let text = std::fs::read_to_string(root.join("london/notifications.jsonl")).unwrap();
    let london = engine::time::format::rfc3339_in(
        engine::time::Instant(soon),
        engine::time::Zone::parse("Europe/London").unwrap(),
    );
    assert!(
        text.contains(&format!("\"local_start\":\"{london}\"")),
        "{text}"
    );

    // A revoked key stops working at once.
    let keys = root.join("api-keys.json");
    let id_of = |k: &str| k.split('_').nth(1).unwrap().to_string();
    dms(&[
        "admin",
        "key",
        "revoke",
        &id_of(&syd_key),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    let r = call(ny, "GET", "/v1/offices", Some(&syd_key), &[], None);
    assert_eq!(
        (r.status, r.problem()),
        (401, "unauthenticated".to_string()),
        "{r:?}"
    );
}

#[test]
fn a_key_over_its_rate_gets_429_with_retry_after() {
    let cluster = up("t70-rate", 7661);
    let k = key(&cluster.0, "ny", "freebusy");
    let replies: Vec<Reply> = (0..60)
        .map(|_| call(8663, "GET", "/v1/offices", Some(&k), &[], None))
        .collect();
    let limited: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert!(
        !limited.is_empty(),
        "60 quick requests, a burst of 40: some must wait"
    );
    assert_eq!(limited[0].problem(), "rate-limited");
    let wait: u64 = limited[0].header("retry-after").unwrap().parse().unwrap();
    assert!(wait >= 1);
    assert!(
        replies[..40].iter().all(|r| r.status == 200),
        "the burst itself is served"
    );
}

#[test]
fn the_openapi_document_matches_the_routes_and_the_checked_in_copy() {
    let cluster = up("t70-openapi", 7681);
    let k = key(&cluster.0, "ny", "admin");
    let doc = call(8683, "GET", "/v1/openapi.json", None, &[], None);
    assert_eq!(doc.status, 200);
    let json = doc.json();
    let paths = json["paths"].as_object().expect("paths");
    assert!(paths.len() >= 9, "{paths:?}");
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path.replace("{id}", "alice").replace("{file}", "alice.ics");
            let body = matches!(method.as_str(), "post" | "put").then_some("{}");
            let r = call(8683, &method.to_uppercase(), &concrete, Some(&k), &[], body);
            assert!(
                r.status != 405 && !(r.status == 404 && r.problem() == "no-route"),
                "{method} {path}: {r:?}"
            );
        }
    }
    // An undocumented path is not served.
    assert_eq!(
        call(8683, "GET", "/v1/secret", Some(&k), &[], None).problem(),
        "no-route"
    );
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    let pretty = serde_json::to_string_pretty(&json).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&file, &pretty).unwrap();
    }
    let checked_in =
        std::fs::read_to_string(&file).expect("docs/openapi.json (UPDATE_GOLDEN=1 writes it)");
    assert!(
        checked_in == pretty,
        "docs/openapi.json is out of date: run the test with UPDATE_GOLDEN=1 and review the diff"
    );
}
