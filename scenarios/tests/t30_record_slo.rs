//! The recorder, the SLO evaluation and the report on hand-made calls: percentiles and
//! outcomes counted, every kind of SLO row passing and failing where it should, the
//! record's JSON read back, the report's files and plots, and a comparison.

use scenarios::record::{FaultMark, Outcome, Recorder, RunRecord, Status, Verdict};
use scenarios::report;
use scenarios::shipped::shipped;
use scenarios::slo::{breaches, evaluate};

const MS: u64 = 1_000_000;

/// 100 bookings of 1..=100 ms (90 booked, 10 refused for conflicts), 10 free/busy
/// queries of 5 ms, one fault.
fn record(checker: Status) -> RunRecord {
    let mut rec = Recorder::new(60);
    for i in 1..=100u64 {
        let outcome = if i % 10 == 0 {
            Outcome::Conflicts
        } else {
            Outcome::Done
        };
        let office = if i % 2 == 0 { "ny" } else { "london" };
        rec.call("book", office, outcome, i * MS * 10, i * MS * 10 + i * MS);
    }
    for i in 0..10u64 {
        rec.call(
            "free_busy",
            "ny",
            Outcome::Done,
            i * MS * 100,
            i * MS * 100 + 5 * MS,
        );
    }
    rec.call("book", "ny", Outcome::Failed, 0, 30_000 * MS);
    rec.fault(FaultMark {
        at_s: 1.0,
        for_s: 2.0,
        kind: "crash".into(),
        what: "ny crashed".into(),
        injected: true,
    });
    rec.end_run(2_000 * MS);
    let checkers = ["linearizability", "safety", "liveness"]
        .iter()
        .map(|n| Verdict {
            name: n.to_string(),
            status: if *n == "safety" {
                checker
            } else {
                Status::Pass
            },
            detail: vec![],
        })
        .collect();
    rec.finish(RunRecord {
        scenario: "thundering-herd".into(),
        mode: "sim".into(),
        seeds: vec![3],
        scale_down: 1,
        checkers,
        ..RunRecord::default()
    })
}

#[test]
fn the_recorder_counts_outcomes_and_percentiles() {
    let r = record(Status::Pass);
    let book = &r.ops["book"];
    assert_eq!(book.calls, 101);
    assert_eq!(book.count(Outcome::Done), 90);
    assert_eq!(book.count(Outcome::Conflicts), 10);
    assert_eq!(book.count(Outcome::Failed), 1);
    // The failed call has no latency: 1..=100 ms, median 50, p99 99.
    assert!(
        (book.latency.p50_ms - 50.0).abs() < 0.1,
        "{:?}",
        book.latency
    );
    assert!(
        (book.latency.p99_ms - 99.0).abs() < 0.1,
        "{:?}",
        book.latency
    );
    assert!((book.latency.max_ms - 100.0).abs() < 0.1);
    assert_eq!(r.load["ny"], 61);
    assert_eq!(r.load["london"], 50);
    assert_eq!(r.faults.len(), 1);
    assert!(!r.series.is_empty());
    let total: u64 = r.series.iter().flat_map(|p| p.outcomes.values()).sum();
    assert_eq!(total, 111, "every call lands in a time bucket");
    let back = RunRecord::from_json(&r.to_json()).expect("reads back");
    assert_eq!(back, r);
    assert!(RunRecord::from_json("{\"format\": 9}").is_err());
}

#[test]
fn slos_pass_and_fail_where_they_should() {
    let s = scenarios::parse(shipped("thundering-herd").unwrap()).unwrap();
    // The herd asks: success >= 99%, conflicts <= 100%, book p50 <= 600, p99 <= 2500,
    // and linearizability, safety, liveness.
    let rows = evaluate(&s, &record(Status::Pass));
    let success = rows.iter().find(|r| r.name == "success rate").unwrap();
    // 100 of 101 bookings booked or refused for conflicts.
    assert_eq!(success.actual, "99.0%");
    assert_eq!(success.status, Status::Pass);
    assert!(breaches(&rows).is_empty(), "{rows:?}");
    let failing = evaluate(&s, &record(Status::Fail));
    assert_eq!(breaches(&failing).len(), 1, "{failing:?}");
    assert!(breaches(&failing)[0].starts_with("checker safety"));
    let tight = s.file.clone();
    let text = shipped("thundering-herd")
        .unwrap()
        .replace("p50_ms = 600", "p50_ms = 10")
        .replace("success_rate_min = 0.99", "success_rate_min = 0.995");
    let s2 = scenarios::parse(&text).unwrap();
    assert_ne!(tight.slo.success_rate_min, s2.file.slo.success_rate_min);
    let b = breaches(&evaluate(&s2, &record(Status::Pass)));
    assert_eq!(b.len(), 2, "{b:?}");
    assert!(b.iter().any(|x| x.starts_with("success rate: 99.0%")));
    assert!(b.iter().any(|x| x.starts_with("book p50: 50.0 ms")));
    // No calls of an operation, or a checker not run: not measured, not a breach.
    let mut quiet = record(Status::NotRun);
    quiet.ops.remove("book");
    let rows = evaluate(&s, &quiet);
    assert!(
        rows.iter().filter(|r| r.status == Status::NotRun).count() >= 4,
        "{rows:?}"
    );
    assert!(breaches(&rows).is_empty());
}

#[test]
fn the_report_has_its_files_plots_and_comparison() {
    let s = scenarios::parse(shipped("thundering-herd").unwrap()).unwrap();
    let r = record(Status::Pass);
    let rows = evaluate(&s, &r);
    let dir = std::env::temp_dir().join(format!("dms-t30-report-{}", std::process::id()));
    let files = report::write(&dir, &r, &rows).expect("writes");
    assert_eq!(files.len(), 6);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 3);
    assert!(
        html.contains("class=\"fault\""),
        "the fault is shaded on the throughput plot"
    );
    assert!(
        !html.contains("<script"),
        "self-contained, nothing to run or fetch"
    );
    let latency = std::fs::read_to_string(dir.join("latency.svg")).unwrap();
    assert_eq!(
        latency.matches("<polyline").count(),
        2,
        "book and free_busy"
    );
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("![latency](latency.svg)")
            && md.contains("| book p50 | ≤ 600 ms | 50.0 ms | pass |"),
        "{md}"
    );
    let mut slower = r.clone();
    slower.ops.get_mut("book").unwrap().latency.p50_ms *= 2.0;
    let c = report::compare::render(&r, &slower);
    assert!(
        c.contains("| book | 101 | 101 | 50.0 | 100.0 | 2.00x |"),
        "{c}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
