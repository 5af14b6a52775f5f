//! The `dms` binary as people and scripts use it: exit codes, the expand contract, errors
//! that name the problem, JSON that parses, and the demo.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn dms(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dms"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before reading its input closes the pipe early: not an error.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

const ICS: &str = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=America/New_York:20260305T023000\r\nRRULE:FREQ=DAILY;COUNT=4\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260101T090000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:c\r\nDTSTART:20260101T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn expand_prints_the_contract_form() {
    let o = dms(&["expand", "-", "--limit", "2"], ICS);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "a\t2026-03-05T02:30:00-05:00\na\t2026-03-06T02:30:00-05:00\nb\t2026-01-01T09:00:00Z\nb\t2026-01-08T09:00:00Z\nc\t2026-01-01T09:00:00\n"
    );
    let o = dms(
        &[
            "expand",
            "-",
            "--from",
            "2026-03-08",
            "--to",
            "2026-03-09T00:00:00-05:00",
        ],
        ICS,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    // b falls on Thursdays: none in the window.
    assert_eq!(text(&o.stdout), "a\t2026-03-08T03:30:00-04:00\n");
}

#[test]
fn expand_refuses_endless_output_and_bad_input_with_exit_2() {
    let o = dms(&["expand", "-"], ICS);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("repeats forever"),
        "{}",
        text(&o.stderr)
    );
    let o = dms(&["expand", "-"], "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20260101T000000Z\nRRULE:FREQ=DAILY;COUNT=x\nEND:VEVENT\nEND:VCALENDAR\n");
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("line 5") && err.contains("COUNT"), "{err}");
    let o = dms(&["expand", "/no/such/file.ics"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("/no/such/file.ics"));
    let o = dms(&["expand", "-", "--from", "someday"], ICS);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("someday"));
}

#[test]
fn freebusy_and_suggest_answer_in_json() {
    let o = dms(
        &[
            "freebusy",
            "--who",
            "alice,priya",
            "--tz",
            "Asia/Kolkata",
            "--json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["zone"], "Asia/Kolkata");
    let priya = &v["resources"][1];
    assert_eq!(priya["resource"], "priya");
    assert_eq!(priya["busy"][0]["start"], "2026-12-07T10:30:00+05:30");

    let o = dms(
        &[
            "suggest",
            "--required",
            "alice,dev",
            "--duration",
            "30",
            "--json",
            "--max",
            "3",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = v["candidates"].as_array().unwrap();
    assert_eq!(c.len(), 3);
    assert!(c.iter().all(|x| x["required_free"] == 2));
}

#[test]
fn suggest_names_unknown_people_and_explains_empty_answers() {
    let o = dms(&["suggest", "--required", "alice,zed"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("zed"));
    let o = dms(
        &[
            "suggest",
            "--required",
            "uma",
            "--from",
            "2026-12-07T00:00:00+11:00",
            "--to",
            "2026-12-10T00:00:00+11:00",
        ],
        "",
    );
    assert!(o.status.success());
    assert!(
        text(&o.stdout).contains("attendees unavailable"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn demo_runs_and_writes_its_report() {
    let dir = std::env::temp_dir().join(format!("dms-demo-{}", std::process::id()));
    let report = dir.join("demo.md");
    let o = dms(&["demo", "--report", report.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for must in [
        "36 instances in 2026-2028",
        "2028-11-17T10:00:00-05:00",
        "Refused, nothing booked anywhere",
        "warning: dev double-booked",
        "every one of 8 instances works",
    ] {
        assert!(out.contains(must), "demo output lacks {must:?}");
    }
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .starts_with("# dms demo"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_data_directory_with_mistakes_is_refused_by_name() {
    let dir = std::env::temp_dir().join(format!("dms-data-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("calendars")).unwrap();
    std::fs::write(dir.join("offices.toml"), "version = 1\n[[office]]\nid = \"x\"\nname = \"X\"\nzone = \"Mars/Base\"\nhours = \"MO-FR 09:00-17:00\"\n").unwrap();
    let o = dms(
        &["freebusy", "--who", "a", "--data", dir.to_str().unwrap()],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("Mars/Base"), "{}", text(&o.stderr));
    std::fs::write(dir.join("offices.toml"), "version = 1\n[[office]]\nid = \"x\"\nname = \"X\"\nzone = \"UTC\"\nhourz = \"MO-FR 09:00-17:00\"\n").unwrap();
    let o = dms(
        &["freebusy", "--who", "a", "--data", dir.to_str().unwrap()],
        "",
    );
    assert!(text(&o.stderr).contains("hourz"), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn scenario_list_and_check_name_the_field_of_a_bad_file() {
    let out = dms(&["scenario", "list"], "");
    assert!(out.status.success());
    let list = String::from_utf8_lossy(&out.stdout);
    assert_eq!(list.lines().count(), 5, "{list}");
    assert!(list.contains("thundering-herd"));
    let out = dms(
        &["scenario", "check", "global-company", "rolling-restart"],
        "",
    );
    assert!(out.status.success(), "{out:?}");
    let bad = scenarios::shipped::shipped("thundering-herd")
        .unwrap()
        .replace("zone = \"Europe/London\"", "zone = \"Europe/Atlantis\"");
    let out = dms(&["scenario", "check", "-"], &bad);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("office[1].zone:") && text.contains("Atlantis"),
        "{text}"
    );
}

#[test]
fn scenario_recheck_reads_a_recorded_history_and_names_a_bad_one() {
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/tests/data/partition-storm-cluster.history.json"
    );
    let out = dms(&["scenario", "recheck", data], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(said.contains("linearizable (4819 calls"), "{said}");
    // Not a history: the file and the problem named, no panic.
    let out = dms(&["scenario", "recheck", "-"], "{\"calls\": 7}");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a recorded history"), "{err}");
    // The bound belongs to cluster runs (and rechecks), not to the simulator's.
    let out = dms(
        &["scenario", "run", "partition-storm", "--max-states", "5"],
        "",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--max-states") && err.contains("--cluster"),
        "{err}"
    );
}
