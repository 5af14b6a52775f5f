//! What one run of a scenario did, in either mode: the [`RunRecord`] (JSON, read back
//! by the report and by `dms report compare`) and the [`Recorder`] that builds it from
//! the calls as they complete (latencies in HdrHistograms, throughput per time bucket,
//! load per office, the fault timeline, the checkers' verdicts).

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The record format's version.
pub const RECORD_FORMAT: u32 = 1;
/// The quantiles each operation's latency distribution is kept at.
pub const QUANTILES: [f64; 12] = [
    0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 1.0,
];
/// Throughput buckets per run, about.
pub const BUCKETS: u32 = 120;
/// The slowest latency a histogram keeps exactly (longer ones are clamped): 10 minutes.
const MAX_LATENCY_US: u64 = 600_000_000;

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Outcome {
    /// Booked, changed, cancelled, answered, read.
    Done,
    /// Refused for conflicts.
    Conflicts,
    /// Refused otherwise (an office unreachable, a meeting being changed).
    Refused,
    /// No answer: it may or may not have happened.
    Failed,
}

/// Latency of one operation, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Mean.
    pub mean_ms: f64,
    /// The distribution: (quantile, latency) at each of [`QUANTILES`].
    pub quantiles: Vec<(f64, f64)>,
}

/// What one operation's calls came to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OpStats {
    /// Calls made.
    pub calls: u64,
    /// Calls by outcome.
    pub outcomes: BTreeMap<Outcome, u64>,
    /// Latency of the calls that were answered.
    pub latency: Latency,
}

/// One group of bookings (by kind, farthest link and answer) against its floor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FloorStats {
    /// Calls in the group.
    pub calls: u64,
    /// The least time one could take, milliseconds (see `node::drive::floor`).
    pub floor_ms: u32,
    /// Their latency.
    pub latency: Latency,
}

impl OpStats {
    /// Calls that ended `o`.
    pub fn count(&self, o: Outcome) -> u64 {
        self.outcomes.get(&o).copied().unwrap_or(0)
    }
}

/// Calls completed in one time bucket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The bucket's start, seconds from the run's start.
    pub t_s: f64,
    /// Calls completed in it, by outcome.
    pub outcomes: BTreeMap<Outcome, u64>,
}

/// One fault on the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultMark {
    /// When it began, seconds from the run's start.
    pub at_s: f64,
    /// How long it lasted.
    pub for_s: f64,
    /// Its kind (`partition`, `crash`...).
    pub kind: String,
    /// What it hit and how, in words.
    pub what: String,
    /// Whether it was injected (a kind the mode cannot inject is listed, not injected).
    pub injected: bool,
}

/// A checker's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// It ran and found nothing wrong.
    Pass,
    /// It ran and found something wrong.
    Fail,
    /// It did not run (the mode cannot run it).
    NotRun,
}

/// One checker's verdict and what it found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The checker (`linearizability`, `safety`, `notifications`, `liveness`).
    pub name: String,
    /// Its verdict.
    pub status: Status,
    /// What it found, or why it did not run (at most a few lines).
    pub detail: Vec<String>,
}

/// Where and when the run ran.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// The git commit of the code (with `+changes` if the tree was dirty).
    pub commit: String,
    /// The machine: host name, CPUs, OS.
    pub machine: String,
    /// When the run started (UTC, RFC 3339).
    pub started: String,
    /// Wall-clock seconds the run took.
    pub wall_secs: f64,
}

/// Everything one run did and found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// [`RECORD_FORMAT`].
    pub format: u32,
    /// The scenario's name.
    pub scenario: String,
    /// Its description.
    pub description: String,
    /// `sim` or `cluster`.
    pub mode: String,
    /// The seeds run (one per simulated run; the workload's seed on a cluster).
    pub seeds: Vec<u64>,
    /// Operations and duration divided by this (1: the file as written).
    pub scale_down: u32,
    /// The command that runs it again.
    pub replay: String,
    /// Where and when.
    pub env: Environment,
    /// Seconds of the run's own time (simulated time in the simulator), all seeds.
    pub run_secs: f64,
    /// Each operation's calls.
    pub ops: BTreeMap<String, OpStats>,
    /// Width of a throughput bucket, seconds.
    pub bucket_s: f64,
    /// Throughput over time (the first seed's run in the simulator).
    pub series: Vec<Point>,
    /// The faults, in order (the first seed's run in the simulator).
    pub faults: Vec<FaultMark>,
    /// Calls served by each office.
    pub load: BTreeMap<String, u64>,
    /// The checkers' verdicts.
    pub checkers: Vec<Verdict>,
    /// Bookings and changes by group, against their floor (simulator runs only).
    #[serde(default)]
    pub floors: BTreeMap<String, FloorStats>,
    /// What this run did not do as the file asks (a mode's limits), in words.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl RunRecord {
    /// All calls of booking operations (`book`, `book_recurring`).
    pub fn bookings(&self) -> OpStats {
        let mut all = OpStats::default();
        for op in ["book", "book_recurring"] {
            if let Some(s) = self.ops.get(op) {
                all.calls += s.calls;
                for (o, n) in &s.outcomes {
                    *all.outcomes.entry(*o).or_default() += n;
                }
            }
        }
        all
    }

    /// Reads a record written by [`RunRecord::to_json`].
    pub fn from_json(text: &str) -> Result<RunRecord, String> {
        let r: RunRecord = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if r.format != RECORD_FORMAT {
            return Err(format!(
                "record format {} is not supported (expected {RECORD_FORMAT})",
                r.format
            ));
        }
        Ok(r)
    }

    /// The record as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// The latency figures of a histogram of microseconds.
fn latency_of(h: &Histogram<u64>) -> Latency {
    let ms = |us: u64| us as f64 / 1_000.0;
    Latency {
        p50_ms: ms(h.value_at_quantile(0.5)),
        p99_ms: ms(h.value_at_quantile(0.99)),
        p999_ms: ms(h.value_at_quantile(0.999)),
        max_ms: ms(h.max()),
        mean_ms: h.mean() / 1_000.0,
        quantiles: QUANTILES
            .iter()
            .map(|q| (*q, ms(h.value_at_quantile(*q))))
            .collect(),
    }
}

/// Builds a [`RunRecord`] from calls as they complete.
pub struct Recorder {
    hist: BTreeMap<String, Histogram<u64>>,
    ops: BTreeMap<String, OpStats>,
    bucket_ns: u64,
    series: BTreeMap<u64, BTreeMap<Outcome, u64>>,
    series_closed: bool,
    faults: Vec<FaultMark>,
    load: BTreeMap<String, u64>,
    run_ns: u64,
    floors: BTreeMap<String, (u32, Histogram<u64>)>,
}

impl Recorder {
    /// A recorder for a run of about `duration_s` seconds.
    pub fn new(duration_s: u32) -> Recorder {
        let bucket_ns = (u64::from(duration_s) * 1_000_000_000 / u64::from(BUCKETS)).max(1);
        Recorder {
            hist: BTreeMap::new(),
            ops: BTreeMap::new(),
            bucket_ns: bucket_ns.max(100_000_000),
            series: BTreeMap::new(),
            series_closed: false,
            faults: Vec::new(),
            load: BTreeMap::new(),
            run_ns: 0,
            floors: BTreeMap::new(),
        }
    }

    /// One booking or change of group `kind`, whose floor is `floor_ms`, invoked and
    /// returned at nanoseconds from the run's start.
    pub fn against_floor(&mut self, kind: &str, floor_ms: u32, invoked: u64, returned: u64) {
        let (_, h) = self.floors.entry(kind.to_string()).or_insert_with(|| {
            let h = Histogram::new_with_max(MAX_LATENCY_US, 3).expect("bounds");
            (floor_ms, h)
        });
        let us = (returned.saturating_sub(invoked) / 1_000).clamp(1, MAX_LATENCY_US);
        h.saturating_record(us);
    }

    /// One call of `op` served by `office`, invoked and returned at nanoseconds from
    /// the run's start.
    pub fn call(&mut self, op: &str, office: &str, outcome: Outcome, invoked: u64, returned: u64) {
        let s = self.ops.entry(op.to_string()).or_default();
        s.calls += 1;
        *s.outcomes.entry(outcome).or_default() += 1;
        if outcome != Outcome::Failed {
            let us = (returned.saturating_sub(invoked) / 1_000).clamp(1, MAX_LATENCY_US);
            let h = self
                .hist
                .entry(op.to_string())
                .or_insert_with(|| Histogram::new_with_max(MAX_LATENCY_US, 3).expect("bounds"));
            h.saturating_record(us);
        }
        *self.load.entry(office.to_string()).or_default() += 1;
        if !self.series_closed {
            let b = returned / self.bucket_ns;
            *self
                .series
                .entry(b)
                .or_default()
                .entry(outcome)
                .or_default() += 1;
        }
    }

    /// A fault on the timeline (kept for the first run only, as the series).
    pub fn fault(&mut self, mark: FaultMark) {
        if !self.series_closed {
            self.faults.push(mark);
        }
    }

    /// The end of one run of `run_ns` nanoseconds: later runs (other seeds) add to the
    /// latencies, outcomes and load, not to the time series or the fault timeline.
    pub fn end_run(&mut self, run_ns: u64) {
        self.series_closed = true;
        self.run_ns += run_ns;
    }

    /// The record, with the rest of what a run knows.
    pub fn finish(mut self, mut base: RunRecord) -> RunRecord {
        for (op, h) in &self.hist {
            self.ops.entry(op.clone()).or_default().latency = latency_of(h);
        }
        base.floors = (self.floors.iter())
            .map(|(kind, (floor_ms, h))| {
                let stats = FloorStats {
                    calls: h.len(),
                    floor_ms: *floor_ms,
                    latency: latency_of(h),
                };
                (kind.clone(), stats)
            })
            .collect();
        let last = self.series.keys().next_back().copied().unwrap_or(0);
        let bucket_s = self.bucket_ns as f64 / 1e9;
        base.series = (0..=last)
            .map(|b| Point {
                t_s: b as f64 * bucket_s,
                outcomes: self.series.remove(&b).unwrap_or_default(),
            })
            .collect();
        base.format = RECORD_FORMAT;
        base.bucket_s = bucket_s;
        base.ops = self.ops;
        base.faults = self.faults;
        base.load = self.load;
        base.run_secs = self.run_ns as f64 / 1e9;
        base
    }
}
