//! Reminders on a real `dms-node` process (one office, `reminder_minutes = 1`): a
//! meeting's attendees are reminded once, a minute before it, with the start in their
//! zone; after `kill -9` and a restart nothing is sent twice; a reminder that fell due
//! while the node was down goes out once it is back.

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
