//! A run's record against its scenario's SLOs: one [`SloRow`] per target (success and
//! conflict rates of bookings, each latency percentile named, each checker required),
//! and [`breaches`], the rows that failed, which make `dms scenario run` exit non-zero.

use crate::record::{Outcome, RunRecord, Status};
use crate::validate::Scenario;
use serde::{Deserialize, Serialize};

/// One target and how the run did against it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloRow {
    /// What is measured (`book p99`, `success rate`, `checker linearizability`).
    pub name: String,
    /// The target, in words (`≤ 300 ms`).
    pub target: String,
    /// What the run achieved, in words.
    pub actual: String,
    /// Met, missed, or not measured (no calls of that operation, a checker the mode
    /// cannot run).
    pub status: Status,
}

fn row(name: String, target: String, actual: String, pass: bool) -> SloRow {
    let status = if pass { Status::Pass } else { Status::Fail };
    SloRow {
        name,
        target,
        actual,
        status,
    }
}

fn not_measured(name: String, target: String, why: &str) -> SloRow {
    SloRow {
        name,
        target,
        actual: why.to_string(),
        status: Status::NotRun,
    }
}

/// Every SLO of `s`, evaluated against `r`.
pub fn evaluate(s: &Scenario, r: &RunRecord) -> Vec<SloRow> {
    let slo = &s.file.slo;
    let mut rows = Vec::new();
    let b = r.bookings();
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let (min, max) = (slo.success_rate_min, slo.conflict_rate_max);
    if b.calls == 0 {
        rows.push(not_measured(
            "success rate".into(),
            format!("≥ {}", pct(min)),
            "no bookings",
        ));
        rows.push(not_measured(
            "conflict rate".into(),
            format!("≤ {}", pct(max)),
            "no bookings",
        ));
    } else {
        let n = b.calls as f64;
        let conflicts = b.count(Outcome::Conflicts) as f64;
        let success = (b.count(Outcome::Done) as f64 + conflicts) / n;
        let conflict = conflicts / n;
        let name = "success rate".to_string();
        rows.push(row(
            name,
            format!("≥ {}", pct(min)),
            pct(success),
            success >= min,
        ));
        let name = "conflict rate".to_string();
        rows.push(row(
            name,
            format!("≤ {}", pct(max)),
            pct(conflict),
            conflict <= max,
        ));
    }
    for l in &slo.latency {
        let stats = r
            .ops
            .get(&l.op)
            .filter(|o| o.calls > o.count(Outcome::Failed));
        let targets = [
            ("p50", l.p50_ms, stats.map(|o| o.latency.p50_ms)),
            ("p99", l.p99_ms, stats.map(|o| o.latency.p99_ms)),
            ("p99.9", l.p999_ms, stats.map(|o| o.latency.p999_ms)),
        ];
        for (which, target, actual) in targets {
            let Some(target) = target else { continue };
            let name = format!("{} {which}", l.op);
            let goal = format!("≤ {target} ms");
            rows.push(match actual {
                Some(a) => row(name, goal, format!("{a:.1} ms"), a <= target),
                None => not_measured(name, goal, "no answered calls"),
            });
        }
    }
    for c in &slo.checkers {
        let name = format!("checker {c}");
        let found = r.checkers.iter().find(|v| &v.name == c);
        rows.push(match found {
            Some(v) => SloRow {
                name,
                target: "passes".into(),
                actual: match v.status {
                    Status::Pass => "passed".into(),
                    Status::Fail => format!("failed: {}", v.detail.join("; ")),
                    Status::NotRun => format!("not run: {}", v.detail.join("; ")),
                },
                status: v.status,
            },
            None => not_measured(name, "passes".into(), "not run"),
        });
    }
    rows
}

/// The rows that failed, as `name: actual (target)` lines.
pub fn breaches(rows: &[SloRow]) -> Vec<String> {
    rows.iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| format!("{}: {} (target {})", r.name, r.actual, r.target))
        .collect()
}
