//! What one side of the benchmark measured, and the side-by-side Markdown report.

use hdrhistogram::Histogram;
use std::fmt::Write;

/// One system's run.
pub struct Measured {
    /// Wall time of the whole run.
    pub wall_secs: f64,
    /// Latency of each booking, microseconds.
    pub hist: Histogram<u64>,
    /// Bookings made.
    pub booked: usize,
    /// Bookings refused for conflicts.
    pub conflicts: usize,
    /// Bookings that failed otherwise.
    pub errors: usize,
    /// CPU seconds the servers used (start-up included), where known.
    pub server_cpu_secs: Option<f64>,
    /// dms only: log syncs and commands logged, summed over the offices (start-up
    /// included), read from their health counters after the run.
    pub log: Option<(u64, u64)>,
}

impl Measured {
    /// Bookings answered per second (booked or refused).
    pub fn throughput(&self) -> f64 {
        (self.booked + self.conflicts + self.errors) as f64 / self.wall_secs
    }

    fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

/// The report: the setup, one row per run, and, when `paired` (rows alternate dms and
/// PostgreSQL at the same concurrency), the ratios of each pair.
pub fn markdown(setup: &str, rows: &[(&str, &Measured)], paired: bool) -> String {
    let mut s = String::from("# Load benchmark: booking throughput and latency\n\n");
    let _ = writeln!(s, "{setup}\n");
    s.push_str("| system | bookings | booked | conflicts | errors | wall s | bookings/s | p50 ms | p99 ms | p99.9 ms | max ms | server CPU ms/booking |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (name, m) in rows {
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} | {:.2} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            m.booked + m.conflicts + m.errors,
            m.booked,
            m.conflicts,
            m.errors,
            m.wall_secs,
            m.throughput(),
            m.ms(0.5),
            m.ms(0.99),
            m.ms(0.999),
            m.hist.max() as f64 / 1000.0,
            m.server_cpu_secs.map_or("-".into(), |c| format!(
                "{:.3}",
                c * 1000.0 / (m.booked + m.conflicts + m.errors).max(1) as f64
            ))
        );
    }
    let logs: Vec<String> = rows
        .iter()
        .filter_map(|(name, m)| {
            let (syncs, commands) = m.log?;
            let n = (m.booked + m.conflicts + m.errors).max(1) as f64;
            Some(format!(
                "- {name}: {:.2} log syncs and {:.2} log records per booking over the offices \
                 ({:.1} records per sync).",
                syncs as f64 / n,
                commands as f64 / n,
                commands as f64 / syncs.max(1) as f64
            ))
        })
        .collect();
    if !logs.is_empty() {
        s.push('\n');
        for l in logs {
            let _ = writeln!(s, "{l}");
        }
    }
    if paired {
        s.push('\n');
        for pair in rows.chunks(2) {
            if let [(a, x), (b, y)] = pair {
                let _ = writeln!(
                    s,
                    "- {a} / {b}: throughput {:.2}x, p99 {:.2}x (below 1: lower latency), \
                     server CPU per booking {}.",
                    x.throughput() / y.throughput(),
                    x.ms(0.99) / y.ms(0.99),
                    match (x.server_cpu_secs, y.server_cpu_secs) {
                        (Some(c), Some(d)) if d > 0.0 => format!("{:.2}x", c / d),
                        _ => "not measured".into(),
                    }
                );
            }
        }
    }
    s
}
