//! Two runs side by side (`dms report compare A B`): per operation calls, p50 and p99
//! with B's ratio to A, booking success and conflict rates, and the checkers' verdicts.

use super::markdown::word;
use crate::record::{Outcome, RunRecord};
use std::fmt::Write;

fn ratio(a: f64, b: f64) -> String {
    if a > 0.0 {
        format!("{:.2}x", b / a)
    } else {
        "-".into()
    }
}

fn rates(r: &RunRecord) -> (f64, f64) {
    let b = r.bookings();
    if b.calls == 0 {
        return (0.0, 0.0);
    }
    let n = b.calls as f64;
    let c = b.count(Outcome::Conflicts) as f64;
    ((b.count(Outcome::Done) as f64 + c) / n, c / n)
}

/// The comparison, as Markdown.
pub fn render(a: &RunRecord, b: &RunRecord) -> String {
    let mut o = String::new();
    let name = |r: &RunRecord| {
        format!(
            "{} ({}, seeds {:?}, /{})",
            r.scenario, r.mode, r.seeds, r.scale_down
        )
    };
    let _ = writeln!(o, "# A: {}\n# B: {}\n", name(a), name(b));
    let _ = writeln!(
        o,
        "| operation | calls A | calls B | p50 A ms | p50 B ms | B/A | p99 A ms | p99 B ms | B/A |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let ops: std::collections::BTreeSet<&String> = a.ops.keys().chain(b.ops.keys()).collect();
    for op in ops {
        let (x, y) = (
            a.ops.get(op).cloned().unwrap_or_default(),
            b.ops.get(op).cloned().unwrap_or_default(),
        );
        let (lx, ly) = (&x.latency, &y.latency);
        let _ = writeln!(
            o,
            "| {op} | {} | {} | {:.1} | {:.1} | {} | {:.1} | {:.1} | {} |",
            x.calls,
            y.calls,
            lx.p50_ms,
            ly.p50_ms,
            ratio(lx.p50_ms, ly.p50_ms),
            lx.p99_ms,
            ly.p99_ms,
            ratio(lx.p99_ms, ly.p99_ms)
        );
    }
    let ((sa, ca), (sb, cb)) = (rates(a), rates(b));
    let _ = writeln!(
        o,
        "\n| bookings | A | B |\n|---|---:|---:|\n| success rate | {:.1}% | {:.1}% |\n| conflict rate | {:.1}% | {:.1}% |",
        sa * 100.0,
        sb * 100.0,
        ca * 100.0,
        cb * 100.0
    );
    let _ = writeln!(o, "\n| checker | A | B |\n|---|---|---|");
    let names: std::collections::BTreeSet<&String> = a
        .checkers
        .iter()
        .chain(&b.checkers)
        .map(|v| &v.name)
        .collect();
    for n in names {
        let of = |r: &RunRecord| {
            r.checkers
                .iter()
                .find(|v| &v.name == n)
                .map_or("-", |v| word(v.status))
        };
        let _ = writeln!(o, "| {n} | {} | {} |", of(a), of(b));
    }
    o
}
