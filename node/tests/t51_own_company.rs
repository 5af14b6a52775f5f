//! A company other than the sample (`examples/acme/offices.toml`: Berlin, San Francisco,
//! Tokyo) run with `dms cluster up --company`, and the README's CLI session against it:
//! the commands learn the company from the nodes (no `--data`), book a weekly series
//! across three offices, move one instance, move it and the following ones, take a
//! counter-proposal and decline it, cancel one instance and then the series; every
//! invitee hears of each in their own time.

mod common;

use common::http::{dms_with, up_with};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BASE: &str = "7991";

/// Runs `dms` with the cluster's port and operator certificate: its output, or a panic
/// with what it printed.
fn dms(root: &Path, args: &[&str]) -> String {
    let mut args = args.to_vec();
    args.extend(["--base-port", BASE]);
    dms_with(&args, &[("DMS_TLS_DIR", &root.join("tls"))])
}

/// The texts of the notifications `office`'s node wrote for `who`.
fn told(root: &Path, office: &str, who: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(root.join(office).join("notifications.jsonl")).unwrap_or_default();
    (text.lines())
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|n| n["to"] == who)
        .map(|n| n["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_company_of_its_own_books_edits_counters_and_cancels() {
    let company = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/acme");
    let up = up_with("t51", 7991, &["--company", company.to_str().unwrap()]);
    let root = up.0.clone();
    let out = std::fs::read_to_string(root.join("offices.toml")).unwrap();
    assert!(out.contains("Tokyo") && !out.contains("New York"), "{out}");

    // Nothing of the sample company: its people are unknown here.
    let o = Command::new(env!("CARGO_BIN_EXE_dms"))
        .args(["book", "--organizer", "alice", "--with", "dev"])
        .args(["--start", "2027-03-02T09:00", "--base-port", BASE])
        .env("DMS_TLS_DIR", root.join("tls"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("alice"));

    let d = |args: &[&str]| dms(&up.0, args);
    // A start in the past is refused unless asked for.
    let o = Command::new(env!("CARGO_BIN_EXE_dms"))
        .args([
            "book",
            "--organizer",
            "ana",
            "--with",
            "ben",
            "--start",
            "2021-03-02T08:00",
        ])
        .args(["--uid", "old", "--base-port", BASE])
        .env("DMS_TLS_DIR", root.join("tls"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let why = String::from_utf8_lossy(&o.stderr);
    assert!(
        why.contains("starts in the past") && why.contains("--past"),
        "{why}"
    );
    let out = d(&[
        "book",
        "--organizer",
        "ana",
        "--with",
        "ben",
        "--start",
        "2021-03-02T08:00",
        "--uid",
        "old",
        "--past",
        "--reminder",
        "5",
    ]);
    assert!(
        out.contains("warning: the meeting starts in the past"),
        "{out}"
    );
    // Its own reminder goes out with it in the .ics file.
    let ics = d(&[
        "calendar",
        "--person",
        "ana",
        "--ics",
        "--from",
        "2021-03-01",
        "--to",
        "2021-03-03",
    ]);
    assert!(
        ics.contains("UID:old") && ics.contains("TRIGGER:-PT5M"),
        "{ics}"
    );
    let out = d(&[
        "book",
        "--organizer",
        "ana",
        "--with",
        "ben,chie",
        "--room",
        "sf-presidio",
        "--start",
        "2027-03-02T08:00",
        "--rrule",
        "FREQ=WEEKLY;COUNT=6",
        "--duration",
        "30",
        "--title",
        "Launch sync",
        "--uid",
        "launch",
    ]);
    assert!(out.contains("booked launch"), "{out}");
    let out = d(&[
        "update",
        "--id",
        "ana/launch",
        "--instance",
        "2027-03-16T08:00",
        "--start",
        "2027-03-17T07:30",
    ]);
    assert!(out.contains("changed launch"), "{out}");
    let out = d(&[
        "update",
        "--id",
        "ana/launch",
        "--following",
        "2027-03-23T08:00",
        "--start",
        "2027-03-23T07:00",
    ]);
    // The first instance stays at 08:00 (it was not moved).
    assert!(
        out.contains("changed launch") && out.contains("2027-03-02 08:00 -08:00"),
        "{out}"
    );
    let out = d(&[
        "counter",
        "--id",
        "ana/launch",
        "--as",
        "chie",
        "--instance",
        "2027-03-30T07:00",
        "--start",
        "2027-03-30T16:00",
    ]);
    assert!(out.contains("ana is told"), "{out}");
    let out = d(&[
        "counter",
        "--id",
        "ana/launch",
        "--as",
        "chie",
        "--instance",
        "2027-03-30T07:00",
        "--start",
        "2027-03-30T16:00",
        "--decline",
    ]);
    assert!(out.contains("chie is told"), "{out}");
    let out = d(&[
        "cancel",
        "--id",
        "ana/launch",
        "--instance",
        "2027-04-06T07:00",
    ]);
    assert!(out.contains("cancelled"), "{out}");
    let table = d(&[
        "calendar",
        "--person",
        "ben",
        "--from",
        "2027-03-01",
        "--to",
        "2027-04-30",
    ]);
    assert!(
        table.contains("Launch sync") && table.contains("2027-03-02 17:00 +01:00"),
        "{table}"
    );

    // Each in their own time: chie in Tokyo, ana in San Francisco.
    let deadline = Instant::now() + Duration::from_secs(20);
    let want = [
        ("tokyo", "chie", "was declined"),
        ("tokyo", "chie", "is cancelled on 2027-04-06T23:00:00+09:00"),
        ("sf", "ana", "chie proposes 2027-03-30T16:00:00-07:00"),
        ("berlin", "ben", "is cancelled on 2027-04-06T16:00:00+02:00"),
    ];
    for (office, who, text) in want {
        while !told(&up.0, office, who).iter().any(|t| t.contains(text)) {
            assert!(
                Instant::now() < deadline,
                "{who} never told {text:?}: {:?}",
                told(&up.0, office, who)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let out = d(&["cancel", "--id", "ana/launch"]);
    assert!(out.contains("cancelled"), "{out}");
    // Tokyo hears of it through the outbox, shortly.
    let chie = || {
        d(&[
            "calendar",
            "--person",
            "chie",
            "--from",
            "2027-03-01",
            "--to",
            "2027-04-30",
        ])
    };
    while chie().contains("Launch sync") {
        assert!(Instant::now() < deadline, "Tokyo never heard: {}", chie());
        std::thread::sleep(Duration::from_millis(200));
    }
}
