//! The report as Markdown: what ran, the SLO table, the checkers, latency and outcomes
//! per operation, the faults, load per office, the plots (as the SVG files beside it),
//! and how to run it again.

use crate::record::{Outcome, RunRecord, Status};
use crate::slo::SloRow;
use std::fmt::Write;

/// A status as a word.
pub fn word(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "FAIL",
        Status::NotRun => "not measured",
    }
}

/// The report's text.
pub fn render(r: &RunRecord, rows: &[SloRow]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Scenario `{}` ({})\n\n{}\n",
        r.scenario, r.mode, r.description
    );
    let breached = rows.iter().filter(|x| x.status == Status::Fail).count();
    let verdict = if breached == 0 {
        "every SLO met"
    } else {
        "SLOs BREACHED"
    };
    let _ = writeln!(
        o,
        "**{verdict}** ({breached} of {} rows failed). Seeds {:?}; operations and duration \
         divided by {}; {:.1} s of run time{}.\n",
        rows.len(),
        r.seeds,
        r.scale_down,
        r.run_secs,
        if r.mode == "sim" { " (simulated)" } else { "" }
    );
    for n in &r.notes {
        let _ = writeln!(o, "> Note: {n}\n");
    }
    let _ = writeln!(
        o,
        "## SLOs\n\n| target | goal | actual | verdict |\n|---|---|---|---|"
    );
    for x in rows {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            x.name,
            x.target,
            x.actual,
            word(x.status)
        );
    }
    let _ = writeln!(
        o,
        "\n## Checkers\n\n| checker | verdict | detail |\n|---|---|---|"
    );
    for v in &r.checkers {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            v.name,
            word(v.status),
            v.detail.join("<br>")
        );
    }
    let _ = writeln!(
        o,
        "\n## Operations\n\n| operation | calls | done | conflicts | refused | no answer | p50 ms | p99 ms | p99.9 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (op, s) in &r.ops {
        let l = &s.latency;
        let _ = writeln!(
            o,
            "| {op} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            s.calls,
            s.count(Outcome::Done),
            s.count(Outcome::Conflicts),
            s.count(Outcome::Refused),
            s.count(Outcome::Failed),
            l.p50_ms,
            l.p99_ms,
            l.p999_ms,
            l.max_ms
        );
    }
    floors(&mut o, r);
    let _ = writeln!(
        o,
        "\n![latency](latency.svg)\n\n![throughput](throughput.svg)\n\n![load](load.svg)\n"
    );
    let _ = writeln!(o, "## Faults\n");
    if r.faults.is_empty() {
        let _ = writeln!(o, "None.");
    } else {
        let _ = writeln!(
            o,
            "| at s | for s | kind | what | injected |\n|---:|---:|---|---|---|"
        );
        for f in &r.faults {
            let _ = writeln!(
                o,
                "| {:.1} | {:.1} | {} | {} | {} |",
                f.at_s,
                f.for_s,
                f.kind,
                f.what,
                if f.injected { "yes" } else { "no" }
            );
        }
    }
    let _ = writeln!(o, "\n## Load per office\n\n| office | calls |\n|---|---:|");
    for (office, n) in &r.load {
        let _ = writeln!(o, "| {office} | {n} |");
    }
    let e = &r.env;
    let _ = writeln!(
        o,
        "\n## Run again\n\n```\n{}\n```\n\n## Environment\n\n- commit: {}\n- machine: {}\n- started: {}\n- wall time: {:.1} s",
        r.replay, e.commit, e.machine, e.started, e.wall_secs
    );
    o
}

/// Bookings and changes against their floor (a call to the organizer's office, a sync,
/// and a round trip of the farthest link; `node::drive::floor`), if the run measured it.
fn floors(o: &mut String, r: &RunRecord) {
    if r.floors.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n### Bookings against their floor\n\n| group | calls | floor ms | p50 ms | p99 ms | max ms | p99 / floor |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for (kind, f) in &r.floors {
        let l = &f.latency;
        let ratio = l.p99_ms / f64::from(f.floor_ms.max(1));
        let _ = writeln!(
            o,
            "| {kind} | {} | {} | {:.1} | {:.1} | {:.1} | {ratio:.2} |",
            f.calls, f.floor_ms, l.p50_ms, l.p99_ms, l.max_ms
        );
    }
}
