//! Real `dms-node` processes on 127.0.0.1: a booking across three offices, `kill -9` of a
//! participant (a booking that needs it is refused and leaves nothing behind), and its
//! restart from its files with every acknowledged booking still there.

mod common;

use engine::calendar::Interval;
use engine::ids::ResourceId;
use engine::state::MeetingSpec;
use engine::time::{Instant, Wall};
use node::rpc::{connect, BookReply};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const OFFICES: [&str; 4] = ["bangalore", "london", "ny", "sydney"];

struct Nodes {
    children: Vec<Option<Child>>,
    base: u16,
    root: PathBuf,
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in self.children.iter_mut().flatten() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn spawn(office: &str, root: &Path, base: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dms-node"))
        .args([
            "--office",
            office,
            "--base-port",
            &base.to_string(),
            "--data-root",
        ])
        .arg(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn addr(base: u16, office: &str) -> SocketAddr {
    let i = OFFICES.iter().position(|o| *o == office).unwrap();
    SocketAddr::from(([127, 0, 0, 1], base + i as u16))
}

async fn wait_up(a: SocketAddr) {
    for _ in 0..200 {
        if let Ok(c) = connect(a).await {
            if c.health(tarpc::context::current()).await.is_ok() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("node at {a} did not come up");
}

fn meeting(id: &str, attendees: &[&str], hour: u32) -> MeetingSpec {
    common::meeting(
        id,
        "alice",
        attendees,
        &[],
        Wall::from_ymd_hms(2027, 2, 3, hour, 0, 0),
    )
}

async fn busy(base: u16, office: &str, who: &str) -> usize {
    let c = connect(addr(base, office)).await.unwrap();
    let day = Interval::new(
        Instant(Wall::from_ymd_hms(2027, 2, 3, 0, 0, 0).0),
        Instant(Wall::from_ymd_hms(2027, 2, 4, 0, 0, 0).0),
    );
    c.free_busy(tarpc::context::current(), vec![ResourceId::new(who)], day)
        .await
        .unwrap()
        .unwrap()[0]
        .busy
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_minus_nine_loses_nothing_acknowledged_and_leaves_nothing_half_made() {
    // Fixed ports below Linux's ephemeral range (32768+), so no outgoing connection holds
    // one; each test has its own range.
    let base = 20_000 + (std::process::id() % 1_000) as u16 * 4;
    let root = std::env::temp_dir().join(format!("dms-procs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut nodes = Nodes {
        children: OFFICES
            .iter()
            .map(|o| Some(spawn(o, &root, base)))
            .collect(),
        base,
        root: root.clone(),
    };
    for o in OFFICES {
        wait_up(addr(base, o)).await;
    }
    let ny = connect(addr(nodes.base, "ny")).await.unwrap();
    let reply = ny
        .book(
            tarpc::context::current(),
            meeting("p1", &["dev", "priya"], 9),
            false,
        )
        .await
        .unwrap();
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");

    // kill -9 London.
    let london = OFFICES.iter().position(|o| *o == "london").unwrap();
    let mut child = nodes.children[london].take().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();

    // A booking that needs London is refused, and no office keeps a hold for it.
    let reply = ny
        .book(
            tarpc::context::current(),
            meeting("p2", &["dev", "priya"], 12),
            false,
        )
        .await
        .unwrap();
    assert!(
        matches!(reply, BookReply::Refused { ref why } if why.contains("london")),
        "{reply:?}"
    );
    assert_eq!(busy(base, "ny", "alice").await, 1, "alice keeps only p1");
    assert_eq!(
        busy(base, "bangalore", "priya").await,
        1,
        "priya keeps only p1"
    );

    // London restarts from its files: the acknowledged booking is there.
    nodes.children[london] = Some(spawn("london", &root, base));
    wait_up(addr(base, "london")).await;
    assert_eq!(
        busy(base, "london", "dev").await,
        1,
        "dev's booking was lost"
    );
    // And the refused one can now be booked.
    let reply = ny
        .book(
            tarpc::context::current(),
            meeting("p3", &["dev", "priya"], 12),
            false,
        )
        .await
        .unwrap();
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
}

/// Runs `dms` with `args`: exit code and everything it printed.
fn dms(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_dms"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// Stops a CLI-started cluster and removes its files, even when a test fails.
struct ClusterGuard(PathBuf);

impl Drop for ClusterGuard {
    fn drop(&mut self) {
        dms(&["cluster", "down", "--root", self.0.to_str().unwrap()]);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `dms cluster up`, `dms book` (booked; refused with conflicts and alternatives; booked
/// with --override and its warning), `dms cluster status`, `dms cluster down`.
#[test]
fn the_cli_drives_a_cluster() {
    let base = (24_000 + (std::process::id() % 1_000) * 4).to_string();
    let root = std::env::temp_dir().join(format!("dms-cli-cluster-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (code, text) = dms(&[
        "cluster",
        "up",
        "--root",
        root.to_str().unwrap(),
        "--base-port",
        &base,
    ]);
    let _guard = ClusterGuard(root);
    assert_eq!(code, Some(0), "{text}");
    let book = |extra: &[&str]| {
        let mut a = vec![
            "book",
            "--organizer",
            "alice",
            "--with",
            "dev,priya",
            "--start",
            "2027-03-02T10:00",
            "--base-port",
            &base,
        ];
        a.extend_from_slice(extra);
        dms(&a)
    };
    let (code, text) = book(&["--id", "c1"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("booked c1"), "{text}");
    let (code, text) = book(&["--id", "c2"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("not booked")
            && text.contains("dev is taken by c1")
            && text.contains("best alternatives"),
        "{text}"
    );
    let (code, text) = book(&["--id", "c3", "--override"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("booked c3") && text.contains("warning: dev double-booked with c1"),
        "{text}"
    );
    let (_, text) = dms(&["cluster", "status", "--base-port", &base]);
    assert_eq!(text.matches(": up,").count(), 4, "{text}");
}

/// The README's main job: the demo with a real cluster, its report written.
#[test]
fn the_main_job_runs_a_cluster_and_writes_its_report() {
    let base = (28_000 + (std::process::id() % 1_000) * 4).to_string();
    let report = std::env::temp_dir().join(format!("dms-main-job-{}.md", std::process::id()));
    let (code, text) = dms(&[
        "demo",
        "--cluster",
        "--base-port",
        &base,
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{text}");
    for must in [
        "booked the sample calendars through the organizers' offices: 14 meetings",
        "dev is taken by ldn-planning",
        "booked design-review at 2026-12-08 11:00 -05:00",
        "warning: london-thames double-booked with ldn-planning",
        "stopped 4 node(s)",
    ] {
        assert!(text.contains(must), "main job output lacks {must:?}");
    }
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("## The same company on a real cluster"));
    let _ = std::fs::remove_file(report);
}
