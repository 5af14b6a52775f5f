//! One seeded run: the sample company on simulated hosts; two rounds, each of three
//! client hosts calling concurrently (see [`crate::workload`]) under a seeded fault plan
//! (see [`crate::faults`]), then healing, liveness (settled within a bound, a new booking
//! succeeds) and the safety invariants at that quiescent point; at the end every
//! person's calendar read, and the whole history checked for linearizability. The run's
//! trace (every call and answer, every fault, the final state) hashes to a number that
//! must be the same for the same seed.

use crate::check::{at_quiescence, availability, final_reads, history, linear};
use crate::cluster::SimCluster;
use crate::faults::{inject, Acks, Injected};
use crate::workload::{client, meeting, target, Call, Pool, Turn};
use crate::{sample_scope, STRAGGLERS};
use madsim::net::NetSim;
use madsim::rand::{thread_rng, Rng};
use madsim::runtime::{Handle, Runtime};
use node::server::Planted;
use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

/// Client hosts.
pub const CLIENTS: usize = 5;
/// Rounds (each: calls under faults, healing, checks).
pub const ROUNDS: usize = 2;
/// Calls per client per round (times [`scale`]).
pub const OPS_PER_ROUND: usize = 10;

/// `SIM_SCALE` (1 to 50, default 1): each client's calls per round are multiplied by it,
/// for soaks with longer histories.
pub fn scale() -> usize {
    std::env::var("SIM_SCALE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 50)
}

/// What one run did and found.
#[derive(Debug)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Every call and what its client saw.
    pub calls: Vec<Call>,
    /// The faults injected.
    pub faults: Injected,
    /// Independent parts the linearizability checker searched.
    pub parts: usize,
    /// Everything that happened, in order, as text.
    pub trace: String,
    /// Broken checks (empty when the run is correct).
    pub violations: Vec<String>,
    /// Simulated seconds the run took.
    pub simulated_secs: f64,
}

impl Report {
    /// A hash of the trace (FNV-1a, stable across builds).
    pub fn trace_hash(&self) -> u64 {
        self.trace.bytes().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
        })
    }
}

/// Runs `seed` (with a planted bug, if given) and checks it, on a fresh thread:
/// thread-local state of a previous run (tokio's per-thread random numbers for
/// `select!`, std's hash keys) would otherwise leak into this one and break determinism.
pub fn run(seed: u64, planted: Option<Planted>) -> Report {
    std::thread::spawn(move || {
        let rt = Runtime::with_seed_and_config(seed, madsim::Config::default());
        rt.block_on(simulate(seed, planted))
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// The simulation itself, inside a runtime made for `seed`.
pub async fn simulate(seed: u64, planted: Option<Planted>) -> Report {
    let epoch = madsim::time::Instant::now();
    let cluster = Arc::new(SimCluster::start(planted));
    let handle = Handle::current();
    let dir = node::sample::parse_directory(node::sample::SAMPLE_OFFICES).expect("sample");
    let mut trace = String::new();
    for (o, (skew, drift)) in &cluster.clocks {
        let _ = writeln!(trace, "clock {o} skew={skew}ms drift={drift}ppm");
    }
    // Messages take 1 ms to a seeded maximum of up to 100 ms (so they overtake each other
    // across connections).
    let max_latency = thread_rng().gen_range(2..100);
    NetSim::current().update_config(|c| {
        c.send_latency = Duration::from_millis(1)..Duration::from_millis(max_latency);
    });
    let _ = writeln!(trace, "latency 1..{max_latency}ms");
    let hosts: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let ip = [10, 0, 1, c as u8 + 1];
            let name = format!("client-{c}");
            handle.create_node().name(name).ip(ip.into()).build()
        })
        .collect();
    let (checker, fault_host) = crate::cluster::helper_hosts();
    let mut calls: Vec<Call> = Vec::new();
    let mut violations = Vec::new();
    let mut faults = Injected::default();
    let booked = Pool::default();
    // One seed in four is about contention: every change comes with a racing call.
    let racing = if thread_rng().gen_bool(0.25) {
        1.0
    } else {
        0.3
    };
    let _ = writeln!(trace, "racing {racing}");
    for round in 0..ROUNDS {
        let acks = Arc::new(Acks::default());
        let n = thread_rng().gen_range(1..4);
        let plan = fault_host.spawn(inject(cluster.clone(), acks.clone(), n, epoch));
        let mut running = Vec::new();
        for (c, host) in hosts.iter().enumerate() {
            let (addrs, dir) = (cluster.addrs.clone(), dir.clone());
            let (acks, booked) = (acks.clone(), booked.clone());
            let turn = Turn {
                client: c,
                round,
                ops: OPS_PER_ROUND * scale(),
                racing,
            };
            let calls = client(turn, addrs, dir, epoch, acks, booked);
            running.push(host.spawn(calls));
        }
        for r in running {
            calls.extend(r.await.expect("a client ended"));
        }
        let injected = plan.await.expect("the fault plan ended");
        trace.push_str(&injected.log);
        for (from, to, which) in &injected.windows {
            let _ = writeln!(trace, "fault window {from}..{to} at {which:?}");
        }
        faults.windows.extend(injected.windows);
        for (k, n) in injected.by_kind {
            *faults.by_kind.entry(k).or_default() += n;
        }
        let (target, so_far) = (target(&cluster.addrs, &dir, epoch), calls.clone());
        let sinks = cluster.sinks.clone();
        let sent =
            move |o: &engine::ids::OfficeId| sinks.get(o).map(|s| s.sent()).unwrap_or_default();
        let who = ["alice", "dev", "priya"];
        let name = format!("{}{round}", crate::check::liveness::PROBE);
        let probe = meeting(name, &who, &[], 4, 9 + round as u32, 1);
        let (probe, found, line) = checker
            .spawn(async move {
                let scope = sample_scope();
                at_quiescence(&target, &so_far, &sent, &scope, probe, STRAGGLERS).await
            })
            .await
            .expect("the checks ended");
        let _ = writeln!(trace, "round {round}: {line}");
        calls.extend(probe);
        violations.extend(found.into_iter().map(|f| format!("round {round}: {f}")));
    }
    // The final state, read through the API: every person's and room's calendar.
    let target = target(&cluster.addrs, &dir, epoch);
    let reads = checker
        .spawn(async move { final_reads(&target, &sample_scope().resources).await })
        .await
        .expect("the final reads ended");
    let quiet = reads.iter().map(|c| c.invoked).min();
    let down = availability::check(&calls, &faults.windows, &dir);
    violations.extend(down.into_iter().map(|d| format!("end: availability: {d}")));
    calls.extend(reads);
    for c in &calls {
        let _ = writeln!(
            trace,
            "{}..{} {:?} {:?} {:?} {:?} {:?} {}",
            c.invoked, c.returned, c.op, c.seen, c.conflicts, c.entries, c.busy, c.why
        );
    }
    let parts = match linear::check_from(&[], &history::translate(&calls, &dir), quiet) {
        Ok(parts) => parts,
        Err(v) => {
            let why = if v.gave_up {
                "gave up on"
            } else {
                "no order of"
            };
            violations.push(format!(
                "end: linearizability: {why} a part of {} calls, at most {} placed; stuck at {}",
                v.calls, v.placed, v.stuck_at
            ));
            0
        }
    };
    cluster.wipe_disks();
    Report {
        seed,
        calls,
        faults,
        parts,
        trace,
        violations,
        simulated_secs: epoch.elapsed().as_secs_f64(),
    }
}
