//! Reminders on a real `dms-node` process (one office, `reminder_minutes = 1`): a
//! meeting's attendees are reminded once, a minute before it, with the start in their
//! zone; after `kill -9` and a restart nothing is sent twice; a reminder that fell due
//! while the node was down goes out once it is back.

use engine::state::MeetingSpec;
use engine::time::{Instant, Zone};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

const PORT: u16 = 7772;

/// The node process, killed when dropped (also when the test fails).
struct Node(Child);

impl Node {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

fn start(root: &Path) -> Node {
    let child = Command::new(env!("CARGO_BIN_EXE_dms-node"))
        .args(["--config", root.join("london.toml").to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(root.join("london.log"))
                .unwrap(),
        )
        .spawn()
        .unwrap();
    Node(child)
}

fn book(rt: &tokio::runtime::Runtime, id: &str, who: &[&str], at: Instant) {
    rt.block_on(async {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let client = loop {
            if let Ok(c) = node::rpc::connect(([127, 0, 0, 1], PORT).into()).await {
                if c.health(tarpc::context::current()).await.is_ok() {
                    break c;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the node did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let z = Zone::parse("Europe/London").unwrap();
        let m = MeetingSpec::single(id, who[0], &who[1..], &[], z.to_wall(at), z, 1800);
        let r = client
            .book(tarpc::context::current(), m, false)
            .await
            .unwrap();
        assert!(matches!(r, node::rpc::BookReply::Booked { .. }), "{r:?}");
    });
}

/// The reminders in the node's notification log: (to, meeting, local start).
fn reminders(root: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(root.join("london/notifications.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|n| {
            let r = n["kind"].get("Reminder")?;
            Some((
                n["to"].as_str()?.to_string(),
                n["meeting"].as_str()?.to_string(),
                r["local_start"].as_str()?.to_string(),
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

fn now() -> Instant {
    Instant(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    )
}

#[test]
fn reminders_go_once_across_crashes_and_late_after_downtime() {
    let root: PathBuf = std::env::temp_dir().join(format!("dms-t78-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let config = format!(
        "office = \"london\"\nlisten = \"127.0.0.1:{PORT}\"\ndata_dir = \"{}\"\nreminder_minutes = 1\n[peers]\nlondon = \"127.0.0.1:{PORT}\"\n",
        root.join("london").display()
    );
    std::fs::write(root.join("london.toml"), config).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut node = start(&root);
    // Due four seconds from now (a minute before a start 64 s away).
    let first = Instant(now().0 + 64);
    book(&rt, "soon", &["dev", "emma"], first);
    wait_for(&root, 2);
    let z = Zone::parse("Europe/London").unwrap();
    let local = engine::time::format::rfc3339_in(first, z);
    let mut got = reminders(&root);
    got.sort();
    assert_eq!(
        got,
        [
            ("dev".into(), "soon".into(), local.clone()),
            ("emma".into(), "soon".into(), local)
        ]
    );
    // Crash and restart: nothing again.
    node.kill();
    let mut node = start(&root);
    // Another meeting (Farid's), then down before its reminder is due, back after.
    let second = Instant(now().0 + 66);
    book(&rt, "while-down", &["farid"], second);
    node.kill();
    std::thread::sleep(Duration::from_secs(8));
    let mut node = start(&root);
    wait_for(&root, 3);
    std::thread::sleep(Duration::from_secs(3));
    let got = reminders(&root);
    node.kill();
    let count = |m: &str| got.iter().filter(|(_, id, _)| id == m).count();
    assert_eq!((count("soon"), count("while-down")), (2, 1), "{got:?}");
    let _ = std::fs::remove_dir_all(&root);
}
