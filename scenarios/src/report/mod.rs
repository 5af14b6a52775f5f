//! A run's report directory: `record.json` (the [`RunRecord`]), `report.md`,
//! `report.html` (self-contained: styles and plots inline) and the plots as SVG files
//! (`latency.svg`, `throughput.svg`, `load.svg`, which the Markdown shows); and
//! [`compare`], two runs side by side.

pub mod compare;
pub mod html;
pub mod markdown;
pub mod svg;

use crate::record::{Outcome, RunRecord};
use crate::slo::SloRow;
use std::path::{Path, PathBuf};
use svg::{Band, Chart, Line};

/// The three plots of a run: (file name, SVG text).
pub fn plots(r: &RunRecord) -> Vec<(&'static str, String)> {
    vec![
        ("latency.svg", latency(r)),
        ("throughput.svg", throughput(r)),
        ("load.svg", load(r)),
    ]
}

/// Where a quantile goes on the latency plot's x axis: its number of nines (the
/// largest value, quantile 1, at 5).
fn nines(q: f64) -> f64 {
    if q >= 1.0 {
        5.0
    } else {
        (-(1.0 - q).log10()).min(4.5)
    }
}

fn latency(r: &RunRecord) -> String {
    let lines = (r.ops.iter())
        .filter(|(_, s)| !s.latency.quantiles.is_empty())
        .map(|(op, s)| Line {
            name: format!("{op} ({} calls)", s.calls),
            points: (s.latency.quantiles.iter())
                .map(|(q, ms)| (nines(*q), *ms))
                .collect(),
        })
        .collect();
    let ticks = [
        (0.0, "0%"),
        (1.0, "90%"),
        (2.0, "99%"),
        (3.0, "99.9%"),
        (4.0, "99.99%"),
        (5.0, "max"),
    ];
    Chart {
        title: "Latency by percentile, per operation",
        x_label: "percentile",
        y_label: "milliseconds",
        x_ticks: ticks.iter().map(|(x, s)| (*x, s.to_string())).collect(),
        lines,
        bands: vec![],
    }
    .svg()
}

fn throughput(r: &RunRecord) -> String {
    let per_s = r.bucket_s.max(1e-9);
    let lines = [
        (Outcome::Done, "done"),
        (Outcome::Conflicts, "conflicts"),
        (Outcome::Refused, "refused"),
        (Outcome::Failed, "no answer"),
    ]
    .iter()
    .filter(|(o, _)| r.series.iter().any(|p| p.outcomes.contains_key(o)))
    .map(|(o, name)| Line {
        name: format!("{name} per s"),
        points: (r.series.iter())
            .map(|p| {
                (
                    p.t_s,
                    p.outcomes.get(o).copied().unwrap_or(0) as f64 / per_s,
                )
            })
            .collect(),
    })
    .collect();
    let bands = (r.faults.iter())
        .filter(|f| f.injected)
        .map(|f| Band {
            from: f.at_s,
            to: f.at_s + f.for_s,
            label: format!("{} at {:.1} s: {}", f.kind, f.at_s, f.what),
        })
        .collect();
    Chart {
        title: "Throughput over time (shaded: faults)",
        x_label: "seconds from the start",
        y_label: "calls per second",
        x_ticks: vec![],
        lines,
        bands,
    }
    .svg()
}

fn load(r: &RunRecord) -> String {
    let rows: Vec<(String, f64)> = (r.load.iter())
        .map(|(o, n)| (o.clone(), *n as f64))
        .collect();
    svg::bars("Calls served per office", "calls", &rows)
}

/// Writes the report of `r` (evaluated into `rows`) to `dir`; returns the files.
pub fn write(dir: &Path, r: &RunRecord, rows: &[SloRow]) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    let mut put = |name: &str, text: &str| -> std::io::Result<()> {
        let p = dir.join(name);
        std::fs::write(&p, text)?;
        files.push(p);
        Ok(())
    };
    put("record.json", &r.to_json())?;
    let plots = plots(r);
    for (name, svg) in &plots {
        put(name, svg)?;
    }
    put("report.md", &markdown::render(r, rows))?;
    put("report.html", &html::render(r, rows, &plots))?;
    Ok(files)
}
