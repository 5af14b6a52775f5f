//! Checking a scenario file: everything serde cannot (zones, times, dates, shares that
//! must sum to one, references between fields, limits), turning a [`ScenarioFile`] into
//! a [`Scenario`]. Every error names the field (`office[2].zone`) and the problem.

use crate::error::ScenarioError;
use crate::file::{FaultSpec, ScenarioFile, SloSpec, WorkloadSpec, DEFAULT_DAYS, DEFAULT_START};
use engine::time::civil::days_in_month;
use engine::time::Zone;
use std::collections::BTreeSet;

/// The format version this build reads.
pub const VERSION: u32 = 1;
/// Offices in one scenario, at most.
pub const MAX_OFFICES: usize = 64;
/// People (and rooms) per office, at most.
pub const MAX_PER_OFFICE: u32 = 100_000;
/// A run's length, at most (a week).
pub const MAX_DURATION_S: u32 = 7 * 86_400;
/// Calls in one run, at most.
pub const MAX_OPERATIONS: u32 = 10_000_000;
/// Attendees of one meeting, at most (the engine's suggestion limit).
pub const MAX_ATTENDEES: u32 = engine::suggest::request::MAX_ATTENDEES as u32;
/// One-way latency between offices, at most.
pub const MAX_LATENCY_MS: u32 = 10_000;
/// Days meetings fall on, at most (a year).
pub const MAX_DAYS: u32 = 366;
/// Random faults per minute, at most.
pub const MAX_FAULTS_PER_MINUTE: f64 = 60.0;

/// The operations a workload mixes (and SLOs name).
pub const OPERATIONS: [&str; 7] = [
    "book",
    "book_recurring",
    "change",
    "cancel",
    "respond",
    "free_busy",
    "suggest",
];
/// The kinds of fault.
pub const FAULT_KINDS: [&str; 6] = ["partition", "one-way", "loss", "crash", "skew", "disk"];
/// The checkers an SLO may require.
pub const CHECKERS: [&str; 4] = ["linearizability", "safety", "notifications", "liveness"];

/// One office, checked.
#[derive(Debug, Clone)]
pub struct Office {
    /// Its id.
    pub id: String,
    /// Its zone.
    pub zone: Zone,
    /// Working hours, minutes after local midnight, `[start, end)`.
    pub hours: (u32, u32),
    /// Lunch, the same way.
    pub lunch: Option<(u32, u32)>,
    /// Holidays: (year, month, day).
    pub holidays: Vec<(i32, u32, u32)>,
}

/// A checked scenario: the file as written, and its offices parsed.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file, every field within its limits.
    pub file: ScenarioFile,
    /// Its offices, zones and times parsed.
    pub offices: Vec<Office>,
    /// The first day meetings fall on: (year, month, day).
    pub start: (i32, u32, u32),
    /// How many days from `start` meetings fall on.
    pub days: u32,
}

/// Parses and checks a scenario file's text.
pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let file: ScenarioFile =
        toml::from_str(text).map_err(|e| ScenarioError::Syntax(e.to_string()))?;
    check(file)
}

fn bad(field: impl Into<String>, problem: impl Into<String>) -> ScenarioError {
    ScenarioError::invalid(field, problem)
}

/// A share: a finite number in [0, 1].
fn share(field: &str, x: f64) -> Result<(), ScenarioError> {
    if x.is_finite() && (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(bad(field, format!("{x} is not a share between 0 and 1")))
    }
}

/// A lowercase name of letters, digits and dashes.
pub(crate) fn name(field: &str, s: &str) -> Result<(), ScenarioError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(bad(
            field,
            format!("{s:?} is not a name (1-64 of a-z, 0-9, -)"),
        ))
    }
}

/// `HH:MM-HH:MM` with the start before the end, as minutes.
fn span(field: &str, s: &str) -> Result<(u32, u32), ScenarioError> {
    let minutes = |t: &str| {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
    };
    let parsed = s
        .split_once('-')
        .and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)));
    match parsed {
        Some((a, b)) if a < b => Ok((a, b)),
        Some(_) => Err(bad(field, format!("{s:?} ends before it starts"))),
        None => Err(bad(field, format!("{s:?} is not HH:MM-HH:MM"))),
    }
}

/// `YYYY-MM-DD`.
fn date(field: &str, s: &str) -> Result<(i32, u32, u32), ScenarioError> {
    let parts: Vec<&str> = s.split('-').collect();
    let parsed = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            match (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) {
                (Ok(y), Ok(m), Ok(d)) => Some((y, m, d)),
                _ => None,
            }
        }
        _ => None,
    };
    match parsed {
        Some((y, m, d)) if (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m) => {
            Ok((y, m, d))
        }
        Some(_) => Err(bad(field, format!("{s:?} is not a day of the calendar"))),
        None => Err(bad(field, format!("{s:?} is not YYYY-MM-DD"))),
    }
}

fn check(file: ScenarioFile) -> Result<Scenario, ScenarioError> {
    if file.version != VERSION {
        let v = file.version;
        return Err(bad(
            "version",
            format!("version {v} is not supported (this build reads {VERSION})"),
        ));
    }
    name("name", &file.name)?;
    if file.office.is_empty() || file.office.len() > MAX_OFFICES {
        let n = file.office.len();
        return Err(bad(
            "office",
            format!("{n} offices; 1 to {MAX_OFFICES} allowed"),
        ));
    }
    let mut offices = Vec::new();
    let mut ids = BTreeSet::new();
    let mut taken = BTreeSet::new();
    for (i, o) in file.office.iter().enumerate() {
        let at = |f: &str| format!("office[{i}].{f}");
        name(&at("id"), &o.id)?;
        if !ids.insert(o.id.as_str()) {
            return Err(bad(at("id"), format!("{:?} is used twice", o.id)));
        }
        let zone = Zone::parse(&o.zone).map_err(|e| bad(at("zone"), e.to_string()))?;
        let hours = span(&at("hours"), &o.hours)?;
        let lunch = match &o.lunch {
            Some(l) => Some(span(&at("lunch"), l)?),
            None => None,
        };
        if let Some((a, b)) = lunch {
            if a < hours.0 || b > hours.1 {
                return Err(bad(at("lunch"), "lunch is outside the working hours"));
            }
        }
        let holidays = (o.holidays.iter().enumerate())
            .map(|(k, d)| date(&at(&format!("holidays[{k}]")), d))
            .collect::<Result<_, _>>()?;
        crate::roster::check(&at, o, MAX_PER_OFFICE, &mut taken)?;
        offices.push(Office {
            id: o.id.clone(),
            zone,
            hours,
            lunch,
            holidays,
        });
    }
    check_network(&file, &ids)?;
    check_workload(&file.workload, &file)?;
    let start = file.workload.start.as_deref().unwrap_or(DEFAULT_START);
    let start = date("workload.start", start)?;
    let days = file.workload.days.unwrap_or(DEFAULT_DAYS);
    if days == 0 || days > MAX_DAYS {
        let problem = format!("{days}; 1 to {MAX_DAYS} allowed");
        return Err(bad("workload.days", problem));
    }
    check_faults(&file.faults, file.workload.duration_s, &ids)?;
    check_slo(&file.slo)?;
    Ok(Scenario {
        file,
        offices,
        start,
        days,
    })
}

fn check_network(file: &ScenarioFile, ids: &BTreeSet<&str>) -> Result<(), ScenarioError> {
    let n = &file.network;
    if n.latency_ms > MAX_LATENCY_MS {
        let l = n.latency_ms;
        return Err(bad(
            "network.latency_ms",
            format!("{l} ms; at most {MAX_LATENCY_MS}"),
        ));
    }
    for (i, l) in n.links.iter().enumerate() {
        for (f, o) in [("from", &l.from), ("to", &l.to)] {
            if !ids.contains(o.as_str()) {
                return Err(bad(
                    format!("network.links[{i}].{f}"),
                    format!("no office {o:?}"),
                ));
            }
        }
        if l.from == l.to {
            return Err(bad(
                format!("network.links[{i}]"),
                "a link joins two offices",
            ));
        }
        if l.latency_ms > MAX_LATENCY_MS {
            let f = format!("network.links[{i}].latency_ms");
            return Err(bad(
                f,
                format!("{} ms; at most {MAX_LATENCY_MS}", l.latency_ms),
            ));
        }
    }
    Ok(())
}

fn check_workload(w: &WorkloadSpec, file: &ScenarioFile) -> Result<(), ScenarioError> {
    if (w.clients > 0) == (w.rate_per_s > 0) {
        return Err(bad(
            "workload",
            "give either clients (closed loop) or rate_per_s (open loop), not both or neither",
        ));
    }
    if w.duration_s == 0 || w.duration_s > MAX_DURATION_S {
        let d = w.duration_s;
        return Err(bad(
            "workload.duration_s",
            format!("{d}; 1 to {MAX_DURATION_S} allowed"),
        ));
    }
    if w.operations == 0 || w.operations > MAX_OPERATIONS {
        let n = w.operations;
        return Err(bad(
            "workload.operations",
            format!("{n}; 1 to {MAX_OPERATIONS} allowed"),
        ));
    }
    let shares = w.mix.shares();
    for (op, x) in OPERATIONS.iter().zip(shares) {
        share(&format!("workload.mix.{op}"), x)?;
    }
    let total: f64 = shares.iter().sum();
    if (total - 1.0).abs() > 1e-6 {
        return Err(bad(
            "workload.mix",
            format!("the shares add up to {total:.3}, not 1"),
        ));
    }
    let b = &w.bookings;
    share("workload.bookings.cross_office", b.cross_office)?;
    share("workload.bookings.with_room", b.with_room)?;
    if b.cross_office > 0.0 && file.office.len() < 2 {
        return Err(bad(
            "workload.bookings.cross_office",
            "needs two offices or more",
        ));
    }
    let [lo, hi] = b.attendees;
    if lo > hi || hi > MAX_ATTENDEES {
        let f = "workload.bookings.attendees";
        return Err(bad(
            f,
            format!("[{lo}, {hi}] is not a range within 0 to {MAX_ATTENDEES}"),
        ));
    }
    let [lo, hi] = b.duration_min;
    if lo < 5 || lo > hi || hi > 24 * 60 {
        let f = "workload.bookings.duration_min";
        return Err(bad(
            f,
            format!("[{lo}, {hi}] is not a range within 5 to 1440 minutes"),
        ));
    }
    if let Some(h) = &w.hotspot {
        let rooms: u32 = file.office.iter().map(|o| o.rooms.len() as u32).sum();
        if h.rooms == 0 || h.rooms > rooms {
            let n = h.rooms;
            return Err(bad(
                "workload.hotspot.rooms",
                format!("{n}; 1 to {rooms} (every room)"),
            ));
        }
        share("workload.hotspot.share", h.share)?;
        if b.with_room == 0.0 {
            return Err(bad(
                "workload.hotspot",
                "no booking asks for a room (with_room = 0)",
            ));
        }
    }
    Ok(())
}

fn check_faults(f: &FaultSpec, duration_s: u32, ids: &BTreeSet<&str>) -> Result<(), ScenarioError> {
    if !f.per_minute.is_finite() || !(0.0..=MAX_FAULTS_PER_MINUTE).contains(&f.per_minute) {
        let n = f.per_minute;
        let problem = format!("{n}; 0 to {MAX_FAULTS_PER_MINUTE} allowed");
        return Err(bad("faults.per_minute", problem));
    }
    if f.per_minute > 0.0 && f.kinds.is_empty() {
        return Err(bad("faults.kinds", "random faults need at least one kind"));
    }
    let known = |field: String, kind: &str| {
        if FAULT_KINDS.contains(&kind) {
            Ok(())
        } else {
            Err(bad(
                field,
                format!("unknown fault kind {kind:?} (one of {FAULT_KINDS:?})"),
            ))
        }
    };
    for (i, k) in f.kinds.iter().enumerate() {
        known(format!("faults.kinds[{i}]"), k)?;
    }
    for (i, e) in f.event.iter().enumerate() {
        let at = |x: &str| format!("faults.event[{i}].{x}");
        known(at("kind"), &e.kind)?;
        if e.office != "*" && !ids.contains(e.office.as_str()) {
            return Err(bad(at("office"), format!("no office {:?}", e.office)));
        }
        if e.at_s >= duration_s {
            let problem = format!("{} s is not within the run ({duration_s} s)", e.at_s);
            return Err(bad(at("at_s"), problem));
        }
        if e.for_s == 0 {
            return Err(bad(at("for_s"), "a fault lasts at least a second"));
        }
    }
    Ok(())
}

fn check_slo(s: &SloSpec) -> Result<(), ScenarioError> {
    share("slo.success_rate_min", s.success_rate_min)?;
    share("slo.conflict_rate_max", s.conflict_rate_max)?;
    for (i, c) in s.checkers.iter().enumerate() {
        if !CHECKERS.contains(&c.as_str()) {
            let problem = format!("unknown checker {c:?} (one of {CHECKERS:?})");
            return Err(bad(format!("slo.checkers[{i}]"), problem));
        }
    }
    let mut ops = BTreeSet::new();
    for (i, l) in s.latency.iter().enumerate() {
        let at = |x: &str| format!("slo.latency[{i}].{x}");
        if !OPERATIONS.contains(&l.op.as_str()) {
            let problem = format!("unknown operation {:?} (one of {OPERATIONS:?})", l.op);
            return Err(bad(at("op"), problem));
        }
        if !ops.insert(l.op.as_str()) {
            return Err(bad(at("op"), format!("{:?} has two latency targets", l.op)));
        }
        let given: Vec<(&str, f64)> = [
            ("p50_ms", l.p50_ms),
            ("p99_ms", l.p99_ms),
            ("p999_ms", l.p999_ms),
        ]
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f, v)))
        .collect();
        if given.is_empty() {
            return Err(bad(format!("slo.latency[{i}]"), "no percentile given"));
        }
        for (f, v) in &given {
            if !v.is_finite() || *v <= 0.0 {
                return Err(bad(
                    at(f),
                    format!("{v} is not a positive number of milliseconds"),
                ));
            }
        }
        if given.windows(2).any(|w| w[0].1 > w[1].1) {
            return Err(bad(
                format!("slo.latency[{i}]"),
                "percentiles must not decrease",
            ));
        }
    }
    Ok(())
}
