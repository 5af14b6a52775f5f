//! The report as one self-contained HTML page: the Markdown report's tables and the
//! plots inline (no scripts, no files beside it, nothing fetched).

use super::markdown::word;
use crate::record::{Outcome, RunRecord, Status};
use crate::slo::SloRow;
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn class(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::NotRun => "none",
    }
}

fn table(o: &mut String, id: &str, head: &[&str], rows: Vec<Vec<String>>) {
    let _ = write!(o, "<table id=\"{id}\"><tr>");
    for h in head {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr>");
    for row in rows {
        o.push_str("<tr>");
        for cell in row {
            // Cells that are a verdict carry their class, already escaped.
            if let Some(rest) = cell.strip_prefix('\u{1}') {
                let _ = write!(o, "{rest}");
            } else {
                let _ = write!(o, "<td>{}</td>", esc(&cell));
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</table>");
}

fn verdict(s: Status) -> String {
    format!("\u{1}<td class=\"{}\">{}</td>", class(s), word(s))
}

/// The page.
pub fn render(r: &RunRecord, rows: &[SloRow], plots: &[(&str, String)]) -> String {
    let mut o = String::new();
    let title = format!("Scenario {} ({})", r.scenario, r.mode);
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}\
         .pass{{background:#e6f4ea}}.fail{{background:#fce8e6;font-weight:bold}}.none{{background:#f1f3f4}}\
         figure{{margin:1em 0}}</style></head><body><h1>{}</h1><p>{}</p>",
        esc(&title),
        esc(&title),
        esc(&r.description)
    );
    let failed = rows.iter().filter(|x| x.status == Status::Fail).count();
    let _ = write!(
        o,
        "<p id=\"verdict\" class=\"{}\">{}: {failed} of {} SLO rows failed. Seeds {:?}, scaled down {}×, {:.1} s of run time.</p>",
        if failed == 0 { "pass" } else { "fail" },
        if failed == 0 { "Every SLO met" } else { "SLOs breached" },
        rows.len(),
        r.seeds,
        r.scale_down,
        r.run_secs
    );
    for n in &r.notes {
        let _ = write!(o, "<p class=\"note\">Note: {}</p>", esc(n));
    }
    o.push_str("<h2>SLOs</h2>");
    let slo_rows = (rows.iter())
        .map(|x| {
            vec![
                x.name.clone(),
                x.target.clone(),
                x.actual.clone(),
                verdict(x.status),
            ]
        })
        .collect();
    table(
        &mut o,
        "slo",
        &["target", "goal", "actual", "verdict"],
        slo_rows,
    );
    o.push_str("<h2>Checkers</h2>");
    let checks = (r.checkers.iter())
        .map(|v| vec![v.name.clone(), verdict(v.status), v.detail.join("; ")])
        .collect();
    table(
        &mut o,
        "checkers",
        &["checker", "verdict", "detail"],
        checks,
    );
    o.push_str("<h2>Plots</h2>");
    for (name, svg) in plots {
        let _ = write!(
            o,
            "<figure id=\"{}\">{svg}</figure>",
            name.trim_end_matches(".svg")
        );
    }
    o.push_str("<h2>Operations</h2>");
    let ops = (r.ops.iter())
        .map(|(op, s)| {
            let l = &s.latency;
            vec![
                op.clone(),
                s.calls.to_string(),
                s.count(Outcome::Done).to_string(),
                s.count(Outcome::Conflicts).to_string(),
                s.count(Outcome::Refused).to_string(),
                s.count(Outcome::Failed).to_string(),
                format!("{:.1}", l.p50_ms),
                format!("{:.1}", l.p99_ms),
                format!("{:.1}", l.p999_ms),
            ]
        })
        .collect();
    let head = [
        "operation",
        "calls",
        "done",
        "conflicts",
        "refused",
        "no answer",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
    ];
    table(&mut o, "ops", &head, ops);
    o.push_str("<h2>Faults</h2>");
    let faults = (r.faults.iter())
        .map(|f| {
            vec![
                format!("{:.1}", f.at_s),
                format!("{:.1}", f.for_s),
                f.kind.clone(),
                f.what.clone(),
                if f.injected { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    table(
        &mut o,
        "faults",
        &["at s", "for s", "kind", "what", "injected"],
        faults,
    );
    let e = &r.env;
    let _ = write!(
        o,
        "<h2>Run again</h2><pre>{}</pre><h2>Environment</h2><ul><li>commit: {}</li><li>machine: {}</li><li>started: {}</li><li>wall time: {:.1} s</li></ul></body></html>",
        esc(&r.replay),
        esc(&e.commit),
        esc(&e.machine),
        esc(&e.started),
        e.wall_secs
    );
    o
}
