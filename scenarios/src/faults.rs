//! A scenario's fault plan, the same in both modes: the file's timeline (an office, or
//! every office one after another for `"*"`) and random faults at its rate (exponential
//! gaps, a kind and an office drawn for each), seeded, in time order, with every time
//! divided by the run's scale.

use crate::validate::Scenario;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Random faults last this long, seconds, at least and at most (before scaling).
pub const RANDOM_FOR_S: (f64, f64) = (2.0, 20.0);

/// One fault to inject.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    /// Seconds from the start.
    pub at_s: f64,
    /// For how long.
    pub for_s: f64,
    /// Its kind.
    pub kind: String,
    /// The office it hits.
    pub office: String,
}

/// The plan of a run of `duration_s` seconds (already scaled) with times divided by
/// `scale`, random draws seeded by `seed`.
pub fn plan(s: &Scenario, scale: f64, duration_s: f64, seed: u64) -> Vec<Planned> {
    let offices: Vec<&str> = s.file.office.iter().map(|o| o.id.as_str()).collect();
    let mut out = Vec::new();
    for e in &s.file.faults.event {
        let who: Vec<&str> = if e.office == "*" {
            offices.clone()
        } else {
            vec![e.office.as_str()]
        };
        for (i, o) in who.into_iter().enumerate() {
            let for_s = f64::from(e.for_s) / scale;
            out.push(Planned {
                at_s: f64::from(e.at_s) / scale + i as f64 * for_s,
                for_s,
                kind: e.kind.clone(),
                office: o.to_string(),
            });
        }
    }
    let f = &s.file.faults;
    if f.per_minute > 0.0 && !f.kinds.is_empty() {
        let mut rng = StdRng::seed_from_u64(seed);
        let mean_gap = 60.0 / f.per_minute / scale;
        let mut t = 0.0;
        loop {
            t += -mean_gap * (1.0 - rng.random::<f64>()).ln();
            if t >= duration_s {
                break;
            }
            let kind = f.kinds[rng.random_range(0..f.kinds.len())].clone();
            let office = offices[rng.random_range(0..offices.len())].to_string();
            let for_s = rng.random_range(RANDOM_FOR_S.0..RANDOM_FOR_S.1) / scale;
            out.push(Planned {
                at_s: t,
                for_s: for_s.max(0.5),
                kind,
                office,
            });
        }
    }
    out.retain(|p| p.at_s < duration_s);
    out.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    out
}

/// The offices a crash or disk fault holds down now: a second such fault on an office
/// already down is skipped (in the simulator and on a cluster alike).
#[derive(Debug, Default)]
pub struct Down(std::sync::Mutex<std::collections::BTreeSet<String>>);

impl Down {
    /// Marks `office` down; false if it already was.
    pub fn take(&self, office: &str) -> bool {
        let mut down = self.0.lock().unwrap_or_else(|e| e.into_inner());
        down.insert(office.to_string())
    }

    /// Marks `office` up again.
    pub fn back(&self, office: &str) {
        let mut down = self.0.lock().unwrap_or_else(|e| e.into_inner());
        down.remove(office);
    }
}
