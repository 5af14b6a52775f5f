//! Reminders on a real `dms-node` process (one office, `reminder_minutes = 1`): a
//! meeting's attendees are reminded once, a minute before it, with the start in their
//! zone; after `kill -9` and a restart nothing is sent twice; a reminder that fell due
//! while the node was down goes out once it is back. A node with no default reminder
//! (`reminder_minutes = 0`) still reminds for a meeting with a lead of its own.

mod common;

use common::lone::Lone;
use engine::time::{Instant, Zone};
use std::path::Path;
use std::time::Duration;

/// The reminders in the node's notification log: (to, meeting, local start).
fn reminders(root: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(root.join("london/notifications.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|n| {
            let r = n["kind"].get("Reminder")?;
            let field = |v: &serde_json::Value| v.as_str().map(str::to_string);
            Some((
                field(&n["to"])?,
                field(&n["meeting"])?,
                field(&r["local_start"])?,
            ))
        })
        .collect()
}

fn wait_for(root: &Path, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while reminders(root).len() < n {
        assert!(
            std::time::Instant::now() < deadline,
            "{} reminders, wanted {n}",
            reminders(root).len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `secs` from now, as an instant and as a London wall reading.
fn in_secs(secs: i64) -> (Instant, engine::time::Wall) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let at = Instant(now + secs);
    (at, Zone::parse("Europe/London").unwrap().to_wall(at))
}

#[test]
fn reminders_go_once_across_crashes_and_late_after_downtime() {
    let mut node = Lone::new("t78", 7772, "reminder_minutes = 1");
    node.start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Due four seconds from now (a minute before a start 64 s away).
    let (first, wall) = in_secs(64);
    node.book(&rt, "soon", &["dev", "emma"], wall);
    wait_for(node.data(), 2);
    let local = engine::time::format::rfc3339_in(first, Zone::parse("Europe/London").unwrap());
    let mut got = reminders(node.data());
    got.sort();
    assert_eq!(
        got,
        [
            ("dev".into(), "soon".into(), local.clone()),
            ("emma".into(), "soon".into(), local)
        ]
    );
    // Crash and restart: nothing again. Another meeting (Farid's), then down before its
    // reminder is due, back after.
    node.kill();
    node.start();
    let (_, wall) = in_secs(66);
    node.book(&rt, "while-down", &["farid"], wall);
    node.kill();
    std::thread::sleep(Duration::from_secs(8));
    node.start();
    wait_for(node.data(), 3);
    std::thread::sleep(Duration::from_secs(3));
    let got = reminders(node.data());
    let count = |m: &str| got.iter().filter(|(_, id, _)| id == m).count();
    assert_eq!((count("soon"), count("while-down")), (2, 1), "{got:?}");
}

#[test]
fn a_meeting_with_its_own_reminder_is_reminded_where_the_node_has_none() {
    let mut node = Lone::new("t78-own", 7782, "reminder_minutes = 0");
    node.start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let london = Zone::parse("Europe/London").unwrap();
    let (start, wall) = in_secs(64);
    let meeting = |id: &str, who: &[&str], own: Option<u32>| {
        let mut m =
            engine::state::MeetingSpec::single(id, who[0], &who[1..], &[], wall, london, 1800);
        m.reminder_minutes = own;
        m
    };
    node.book_meeting(&rt, meeting("own", &["dev", "emma"], Some(1)));
    node.book_meeting(&rt, meeting("none", &["farid"], None));
    wait_for(node.data(), 2);
    // Past the time a one-minute reminder of "none" would be due: still nothing for it.
    std::thread::sleep(Duration::from_secs(6));
    let mut got = reminders(node.data());
    got.sort();
    let local = engine::time::format::rfc3339_in(start, london);
    assert_eq!(
        got,
        [
            ("dev".into(), "own".into(), local.clone()),
            ("emma".into(), "own".into(), local)
        ]
    );
}
