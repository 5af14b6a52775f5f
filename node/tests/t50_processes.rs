//! Real `dms-node` processes on 127.0.0.1: a booking across three offices, `kill -9` of a
//! participant (a booking that needs it is refused and leaves nothing behind), and its
//! restart from its files with every acknowledged booking still there.

mod common;

use common::procs::{addr, busy, busy_settles, meeting, spawn, wait_up, Nodes, OFFICES};
use common::settles_within;
use node::rpc::{connect, BookReply};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

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
            .map(|o| Some(spawn(o, &root, base, None)))
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
            false.into(),
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
            false.into(),
        )
        .await
        .unwrap();
    assert!(
        matches!(&reply, BookReply::Unavailable { office, why } if office.as_str() == "london" && why.contains("london")),
        "{reply:?}"
    );
    assert_eq!(busy(base, "ny", "alice").await, 1, "alice keeps only p1");
    assert_eq!(
        busy_settles(base, "bangalore", "priya", 1).await,
        1,
        "priya keeps only p1"
    );

    // London restarts from its files: the acknowledged booking is there.
    nodes.children[london] = Some(spawn("london", &root, base, None));
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
            false.into(),
        )
        .await
        .unwrap();
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
}

/// Runs `dms` with `args`: exit code and everything it printed.
fn dms(args: &[&str]) -> (Option<i32>, String) {
    // The operator certificate of the cluster `the_cli_drives_a_cluster` starts (its
    // nodes speak mutual TLS); elsewhere the directory is absent and nothing changes.
    let certs = std::env::temp_dir()
        .join(format!("dms-cli-cluster-{}", std::process::id()))
        .join("tls");
    let o = Command::new(env!("CARGO_BIN_EXE_dms"))
        .args(args)
        .env("DMS_TLS_DIR", certs)
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
    let (code, text) = book(&["--uid", "c1"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("booked c1 (m-"), "{text}");
    // The same command again (as after a lost answer): booked before, nothing to do.
    let (code, text) = book(&["--uid", "c1"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("booked c1 (m-") && text.contains(") before"),
        "{text}"
    );
    let (code, text) = book(&["--uid", "c2"]);
    assert_eq!(code, Some(2), "not booked is a failure exit: {text}");
    assert!(
        text.contains("not booked")
            && text.contains("dev is taken by c1")
            && text.contains("best alternatives"),
        "{text}"
    );
    let (code, text) = book(&["--uid", "c3", "--override"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("booked c3") && text.contains("warning: dev double-booked with c1"),
        "{text}"
    );
    let port = ["--base-port", base.as_str()];
    let run = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend_from_slice(&port);
        dms(&a)
    };
    // A command over a window of days.
    let over = |args: &[&str], from: &str, to: &str| {
        let mut a = args.to_vec();
        a.extend_from_slice(&["--from", from, "--to", to]);
        run(&a)
    };
    // priya (Bangalore) declines; the organizer's office (New York) sees it.
    let (code, text) = run(&["respond", "decline", "--id", "alice/c1", "--as", "priya"]);
    assert_eq!(code, Some(0), "{text}");
    let (_, text) = over(
        &["calendar", "--person", "alice"],
        "2027-03-01",
        "2027-03-05",
    );
    assert!(text.contains("c1") && text.contains("c3"), "{text}");
    // Move c1 an hour later and take dev off it: his calendar loses it.
    let (code, text) = run(&[
        "update",
        "--id",
        "alice/c1",
        "--start",
        "2027-03-02T11:00",
        "--remove",
        "dev",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("changed c1"), "{text}");
    // London hears the decision just after the answer: its calendar settles shortly.
    let mut text = String::new();
    for _ in 0..50 {
        text = over(&["calendar", "--person", "dev"], "2027-03-01", "2027-03-05").1;
        if !text.contains("c1 ") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!text.contains("c1 ") && text.contains("c3"), "{text}");
    // Cancel c3 everywhere; export alice's calendar as .ics and import it for sam.
    let (code, text) = run(&["cancel", "--id", "alice/c3"]);
    assert_eq!(code, Some(0), "{text}");
    let (_, ics) = run(&[
        "calendar",
        "--person",
        "alice",
        "--from",
        "2027-03-01",
        "--to",
        "2027-03-05",
        "--ics",
    ]);
    assert!(ics.contains("UID:c1") && !ics.contains("UID:c3"), "{ics}");
    let file = std::env::temp_dir().join(format!("dms-cli-{}.ics", std::process::id()));
    std::fs::write(&file, ics.replace("UID:c1", "UID:c1-copy")).unwrap();
    let (code, text) = run(&[
        "import",
        file.to_str().unwrap(),
        "--person",
        "tom",
        "--override",
    ]);
    // Every event is tom's own meeting now, under an id the server made from tom and
    // the UID (c1-copy, and the sample meetings' UIDs, which Alice's meetings also carry:
    // their ids were made from alice, no clash), the UID kept beside it.
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("booked c1-copy (m-"), "{text}");
    assert!(!text.contains("taken by another organizer"), "{text}");
    // The same file again: every event is booked already, nothing changes.
    let (code, text) = run(&[
        "import",
        file.to_str().unwrap(),
        "--person",
        "tom",
        "--override",
    ]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("already booked") && !text.contains("exists"),
        "{text}"
    );
    let (_, text) = over(
        &["freebusy", "--cluster", "--who", "tom"],
        "2027-03-02",
        "2027-03-03",
    );
    assert!(
        text.contains("busy") || text.contains("confirmed"),
        "{text}"
    );
    let (code, text) = over(
        &["suggest", "--cluster", "--required", "alice,priya"],
        "2027-03-02",
        "2027-03-04",
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("#1"), "{text}");
    let root = std::env::temp_dir().join(format!("dms-cli-cluster-{}", std::process::id()));

    // A weekly series: cancelling a time that is none of its instances is refused and
    // tells nobody; "this and the following" a second time changes nothing and tells
    // nobody again.
    let (code, text) = book(&[
        "--uid",
        "w1",
        "--rrule",
        "FREQ=WEEKLY;COUNT=4",
        "--override",
    ]);
    assert_eq!(code, Some(0), "{text}");
    let w1 = format!(
        "\"{}\"",
        engine::ids::MeetingId::made(&"alice".into(), "w1")
    );
    let told = || -> usize {
        ["ny", "london", "bangalore", "sydney"]
            .iter()
            .map(|o| {
                std::fs::read_to_string(root.join(o).join("notifications.jsonl"))
                    .unwrap_or_default()
            })
            .map(|t| {
                t.lines()
                    .filter(|l| l.contains(&w1) && l.contains("Cancelled"))
                    .count()
            })
            .sum()
    };
    let (code, text) = run(&[
        "cancel",
        "--id",
        "alice/w1",
        "--instance",
        "2027-03-03T10:00",
    ]);
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("no instance"), "{text}");
    assert_eq!(told(), 0);
    let (code, text) = run(&["cancel", "--id", "alice/w1", "--from", "2027-03-16T10:00"]);
    assert_eq!(code, Some(0), "{text}");
    let mut after_first = 0;
    for _ in 0..50 {
        after_first = told();
        if after_first >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        after_first >= 2,
        "dev and priya are told once each: {after_first}"
    );
    let (code, text) = run(&["cancel", "--id", "alice/w1", "--from", "2027-03-16T10:00"]);
    assert_eq!(code, Some(0), "{text}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(told(), after_first, "told again: {text}");
    let (_, text) = dms(&[
        "cluster",
        "status",
        "--base-port",
        &base,
        "--root",
        root.to_str().unwrap(),
    ]);
    assert_eq!(text.matches(": up,").count(), 4, "{text}");

    // Sydney's node stops: free/busy answers for the others and names what it could not.
    let pid = std::fs::read_to_string(root.join("sydney.pid")).unwrap();
    let _ = Command::new("kill").args(["-9", pid.trim()]).status();
    std::thread::sleep(Duration::from_millis(300));
    let (code, text) = over(
        &["freebusy", "--cluster", "--who", "alice,tom"],
        "2027-03-02",
        "2027-03-03",
    );
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("Alice"), "alice's answer is shown: {text}");
    assert!(text.contains("not answered: tom (office sydney"), "{text}");
}

/// Two organizers in different offices (New York, London) race for one room in a third
/// (Bangalore), five times, on real processes: each time exactly one wins, and the other
/// gets the conflict and alternatives; the room holds exactly the winners.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_racing_for_one_room_exactly_one_wins() {
    let base = 12_000 + (std::process::id() % 1_000) as u16 * 4;
    let root = std::env::temp_dir().join(format!("dms-race-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let _nodes = Nodes {
        children: OFFICES
            .iter()
            .map(|o| Some(spawn(o, &root, base, None)))
            .collect(),
        base,
        root: root.clone(),
    };
    for o in OFFICES {
        wait_up(addr(base, o)).await;
    }
    let ny = connect(addr(base, "ny")).await.unwrap();
    let london = connect(addr(base, "london")).await.unwrap();
    for round in 0..5u32 {
        let mut a = meeting(&format!("ra{round}"), &[], 2 + 2 * round);
        a.rooms = vec![engine::ids::ResourceId::new("blr-cubbon")];
        let mut b = a.clone();
        b.id = engine::ids::MeetingId::new(format!("rb{round}"));
        b.organizer = engine::ids::ResourceId::new("dev");
        let (ra, rb) = tokio::join!(
            ny.book(tarpc::context::current(), a, false.into()),
            london.book(tarpc::context::current(), b, false.into())
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let won = |r: &BookReply| matches!(r, BookReply::Booked { .. });
        assert_eq!(
            usize::from(won(&ra)) + usize::from(won(&rb)),
            1,
            "round {round}: {ra:?} / {rb:?}"
        );
        let loser = if won(&ra) { rb } else { ra };
        let BookReply::Conflicts {
            conflicts,
            alternatives,
        } = loser
        else {
            panic!("round {round}: the loser got {loser:?}");
        };
        assert!(conflicts
            .iter()
            .any(|c| c.resource.as_str() == "blr-cubbon"));
        assert!(alternatives.is_some_and(|a| !a.candidates.is_empty()));
    }
    assert_eq!(busy_settles(base, "bangalore", "blr-cubbon", 5).await, 5);
}

/// `kill -9` (an abort at a failpoint) of the coordinator once every office voted yes and
/// before it decided, then after it logged a commit and before anyone heard it; both
/// times it restarts from its files. Every office's durable yes vote is the commit
/// (parallel commits): the restarted coordinator fences the first booking at every
/// office, finds it prepared everywhere and commits it; the participants ask about the
/// second and commit it. All or nothing, and nothing acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_killed_between_prepare_and_commit_ends_all_or_nothing() {
    let base = 16_000 + (std::process::id() % 1_000) as u16 * 4;
    let root = std::env::temp_dir().join(format!("dms-coord-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let ny_index = OFFICES.iter().position(|o| *o == "ny").unwrap();
    let mut nodes = Nodes {
        children: OFFICES
            .iter()
            .map(|o| {
                let fp = (*o == "ny").then_some("crash-after-prepare");
                Some(spawn(o, &root, base, fp))
            })
            .collect(),
        base,
        root: root.clone(),
    };
    for o in OFFICES {
        wait_up(addr(base, o)).await;
    }
    let people = [("ny", "alice"), ("london", "dev"), ("bangalore", "priya")];
    // Books through New York, whose node dies at its failpoint instead of answering.
    let book_and_lose_ny = |nodes: &mut Nodes, id: &'static str, hour: u32| {
        let child = nodes.children[ny_index].take().unwrap();
        async move {
            let ny = connect(addr(base, "ny")).await.unwrap();
            let m = meeting(id, &["dev", "priya"], hour);
            let reply = ny.book(tarpc::context::current(), m, false.into()).await;
            assert!(
                reply.is_err(),
                "the coordinator should have died: {reply:?}"
            );
            let mut child = child;
            let status = child.wait().unwrap();
            assert!(!status.success(), "{status:?}");
        }
    };
    let busy_total = || async {
        let mut n = 0;
        for (office, who) in people {
            n += busy(base, office, who).await;
        }
        n
    };
    let pending_total = || async {
        let mut n = 0;
        for office in ["ny", "london", "bangalore"] {
            let c = connect(addr(base, office)).await.unwrap();
            n += c.health(tarpc::context::current()).await.unwrap().pending;
        }
        n
    };

    book_and_lose_ny(&mut nodes, "k1", 9).await;
    // The participants hold k1, prepared, with no decision.
    assert_eq!(busy(base, "london", "dev").await, 1, "dev's hold");
    // New York comes back (armed to die after its next commit is logged) and settles k1:
    // prepared everywhere, so committed.
    nodes.children[ny_index] = Some(spawn("ny", &root, base, Some("crash-after-decision")));
    wait_up(addr(base, "ny")).await;
    assert_eq!(
        settles_within(0, 10, pending_total).await,
        0,
        "k1 still undecided"
    );
    assert_eq!(busy_total().await, 3, "k1 is not booked everywhere");

    // Now a commit is logged and the coordinator dies before telling anyone.
    book_and_lose_ny(&mut nodes, "k2", 11).await;
    nodes.children[ny_index] = Some(spawn("ny", &root, base, None));
    wait_up(addr(base, "ny")).await;
    // The participants ask the coordinator (after their wait) and commit.
    assert_eq!(
        settles_within(0, 15, pending_total).await,
        0,
        "k2 still undecided"
    );
    for (office, who) in people {
        assert_eq!(busy(base, office, who).await, 2, "{who} lacks k1 or k2");
    }

    // With the CLI: the organizer is told the outcome is unknown and how to learn it
    // (not "the connection was shut down"); the same command again says it was booked
    // (not "meeting exists").
    // These nodes speak plain tarpc: no operator certificate (another test's may exist).
    let plain = root.join("no-tls");
    let k3 = move || {
        let plain = plain.clone();
        move || {
            let o = Command::new(env!("CARGO_BIN_EXE_dms"))
                .args(["book", "--organizer", "alice", "--with", "dev,priya"])
                .args(["--start", "2027-03-02T13:00", "--uid", "k3"])
                .args(["--base-port", &base.to_string()])
                .env("DMS_TLS_DIR", &plain)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            (o.status.code(), text + &String::from_utf8_lossy(&o.stderr))
        }
    };
    let child = nodes.children[ny_index].take().unwrap();
    child_stop(child);
    nodes.children[ny_index] = Some(spawn("ny", &root, base, Some("crash-after-decision")));
    wait_up(addr(base, "ny")).await;
    let (code, text) = tokio::task::spawn_blocking(k3()).await.unwrap();
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("the outcome is unknown: office ny"), "{text}");
    let mut child = nodes.children[ny_index].take().unwrap();
    assert!(!child.wait().unwrap().success());
    nodes.children[ny_index] = Some(spawn("ny", &root, base, None));
    wait_up(addr(base, "ny")).await;
    let (code, text) = tokio::task::spawn_blocking(k3()).await.unwrap();
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("booked k3") && text.contains("before (the same meeting)"),
        "{text}"
    );
}

/// Stops a node process and waits for it.
fn child_stop(mut child: std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
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
        "booked design-review (m-",
        "warning: london-thames double-booked with ldn-planning",
        "stopped 4 node(s)",
        // The HTTP session: booked, the retry replayed, the outsider's view, bad input.
        "HTTP 201",
        "HTTP 204",
        "\"type\":\"urn:dms:problem:invalid-value\"",
    ] {
        assert!(text.contains(must), "main job output lacks {must:?}");
    }
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("## The same company on a real cluster"));
    let _ = std::fs::remove_file(report);
}
