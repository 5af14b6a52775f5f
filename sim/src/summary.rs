//! What many seeded runs add up to: seeds, operations checked by outcome, faults by
//! kind, simulated seconds per wall second; printed by the seed test and written to
//! `reports/out/sim.md`.

use crate::faults::KINDS;
use crate::run::Report;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Totals over runs.
#[derive(Debug, Default)]
pub struct Summary {
    /// Seeds run.
    pub seeds: usize,
    /// Calls checked.
    pub calls: usize,
    /// Calls by kind and outcome ("book done", "read unknown", ...).
    pub by_outcome: BTreeMap<String, usize>,
    /// Faults by kind.
    pub faults: BTreeMap<&'static str, usize>,
    /// Simulated seconds.
    pub simulated: f64,
    /// The longest history of one run.
    pub longest: usize,
}

impl Summary {
    /// Adds one run.
    pub fn add(&mut self, r: &Report) {
        self.seeds += 1;
        self.calls += r.calls.len();
        self.longest = self.longest.max(r.calls.len());
        for c in &r.calls {
            let kind = format!("{:?}", c.op);
            let kind = kind.split('(').next().unwrap_or("").to_lowercase();
            let key = format!("{kind} {:?}", c.seen).to_lowercase();
            *self.by_outcome.entry(key).or_default() += 1;
        }
        for (k, n) in &r.faults.by_kind {
            *self.faults.entry(k).or_default() += n;
        }
        self.simulated += r.simulated_secs;
    }

    /// The fault kinds no run injected.
    pub fn missing_faults(&self) -> Vec<&'static str> {
        KINDS
            .iter()
            .filter(|k| !self.faults.contains_key(*k))
            .copied()
            .collect()
    }

    /// The report, as Markdown, given the wall time the runs took with `jobs` seeds
    /// running at once.
    pub fn markdown(&self, wall_secs: f64, jobs: usize) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# Simulation run\n");
        let _ = writeln!(s, "| | |\n|---|---|");
        let _ = writeln!(s, "| seeds | {} |", self.seeds);
        let _ = writeln!(
            s,
            "| calls checked | {} (longest history {}) |",
            self.calls, self.longest
        );
        for (k, n) in &self.faults {
            let _ = writeln!(s, "| faults: {k} | {n} |");
        }
        let _ = writeln!(s, "| simulated s | {:.0} |", self.simulated);
        let _ = writeln!(s, "| wall s | {wall_secs:.1} ({jobs} seeds at once) |");
        let rate = self.simulated / wall_secs.max(1e-9);
        let _ = writeln!(s, "| simulated s per wall s | {rate:.0} |");
        let per_minute = self.seeds as f64 * 60.0 / wall_secs.max(1e-9);
        let _ = writeln!(s, "| seeds per wall minute | {per_minute:.0} |");
        let _ = writeln!(s, "\n| call outcome | count |\n|---|---|");
        for (k, n) in &self.by_outcome {
            let _ = writeln!(s, "| {k} | {n} |");
        }
        s
    }
}
