//! Scenario runs on real processes under real faults (`dms scenario run --cluster`): every
//! shipped scenario, short, with every checker passing (linearizability, safety,
//! notifications and liveness, not "not measured") and its faults injected through the
//! fault proxy and on the processes; a scenario with every fault kind, some at once
//! (`tests/data/every-fault.toml`); and a planted bug caught by a cluster run.

use scenarios::record::{RunRecord, Status};
use std::path::PathBuf;
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dms-t62-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs `scenario` on a cluster at `port` with `more` arguments; its output, its record,
/// and the output of `dms scenario recheck` on the history it wrote.
fn run(
    scenario: &str,
    scale: &str,
    port: &str,
    more: &[&str],
) -> (Output, Option<RunRecord>, Output) {
    let report = scratch(scenario.rsplit('/').next().unwrap_or(scenario));
    let o = Command::new(env!("CARGO_BIN_EXE_dms"))
        .args(["scenario", "run", scenario, "--cluster", "--quiet"])
        .args(["--scale-down", scale, "--base-port", port, "--report"])
        .arg(&report)
        .args(more)
        .output()
        .expect("dms runs");
    let record = std::fs::read_to_string(report.join("record.json"))
        .ok()
        .and_then(|t| RunRecord::from_json(&t).ok());
    let recheck = Command::new(env!("CARGO_BIN_EXE_dms"))
        .args(["scenario", "recheck"])
        .arg(report.join("history.json"))
        .output()
        .expect("dms runs");
    let _ = std::fs::remove_dir_all(&report);
    (o, record, recheck)
}

/// The run passed, every checker it names passed, and the faults of `kinds` were injected.
fn passes(scenario: &str, scale: &str, port: &str, kinds: &[&str]) {
    let (o, r, again) = run(scenario, scale, port, &[]);
    let out = format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{out}");
    let r = r.expect("a record");
    assert_eq!(r.mode, "cluster");
    for v in &r.checkers {
        assert_eq!(v.status, Status::Pass, "{}: {:?}\n{out}", v.name, v.detail);
    }
    // The history it checked was written, and checking it again passes too.
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.status.success() && said.contains("linearizable"),
        "{said}\n{again:?}"
    );
    for kind in kinds {
        assert!(
            r.faults.iter().any(|f| f.kind == *kind && f.injected),
            "no {kind} fault injected: {:?}",
            r.faults
        );
    }
}

#[test]
fn partition_storm_cuts_real_links_and_every_checker_passes() {
    passes("partition-storm", "20", "7601", &["partition", "one-way"]);
}

#[test]
fn rolling_restart_kills_real_processes_and_every_checker_passes() {
    passes("rolling-restart", "20", "7611", &["crash"]);
}

#[test]
fn global_company_passes_every_checker_on_a_cluster() {
    passes("global-company", "100", "7621", &[]);
}

#[test]
fn recurring_quarter_passes_every_checker_on_a_cluster() {
    passes("recurring-quarter", "30", "7631", &[]);
}

#[test]
fn thundering_herd_passes_every_checker_on_a_cluster() {
    passes("thundering-herd", "20", "7641", &[]);
}

#[test]
fn every_fault_kind_some_at_once_on_real_processes() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/every-fault.toml");
    passes(
        file,
        "1",
        "7651",
        &["loss", "partition", "crash", "one-way", "skew", "disk"],
    );
}

#[test]
fn a_planted_bug_is_caught_by_a_cluster_run() {
    // Every prepare votes yes without looking: the herd double-books its rooms.
    let (o, r, _) = run(
        "thundering-herd",
        "20",
        "7661",
        &["--plant", "skip-hold-check", "--max-states", "100000"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "a planted bug must fail the run");
    assert!(
        err.contains("checker safety") && err.contains("double-booked"),
        "{err}"
    );
    let r = r.expect("a record");
    let safety = r.checkers.iter().find(|v| v.name == "safety").unwrap();
    assert_eq!(safety.status, Status::Fail);
    // The detail names the meetings.
    assert!(
        safety.detail.iter().any(|d| d.contains(" m-")),
        "{safety:?}"
    );
    // A bug no build plants is refused, naming the ones there are.
    let (o, _, _) = run("thundering-herd", "20", "7671", &["--plant", "no-such-bug"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("skip-hold-check"),
        "{err}"
    );
}

/// A run stopped by SIGTERM takes its nodes with it: their ports are free again.
#[test]
fn an_interrupted_run_leaves_no_node_behind() {
    let report = scratch("interrupted");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dms"))
        .args(["scenario", "run", "partition-storm", "--cluster", "--quiet"])
        .args(["--scale-down", "5", "--base-port", "7681", "--report"])
        .arg(&report)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dms runs");
    let up = |office: &str| {
        std::fs::read_to_string(report.join(format!("cluster/{office}.log")))
            .unwrap_or_default()
            .contains("serving")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !["bangalore", "london", "ny", "sydney"]
        .iter()
        .all(|o| up(o))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the nodes never came up"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "{status:?}");
    for port in 7681..7685u16 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "port {port} still taken: a node was left behind"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    let _ = std::fs::remove_dir_all(&report);
}
