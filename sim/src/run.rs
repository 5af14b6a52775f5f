//! One seeded run: the sample company on simulated hosts, three client hosts booking,
//! cancelling and answering concurrently (see [`crate::workload`]), a seeded
//! fault plan that cuts offices off the network and heals them, and crashes offices
//! (their disks losing unsynced writes) and restarts them; then quiescence and the
//! checks. The run's trace (every reply, the final state of every office) hashes to a
//! number that must be the same for the same seed.

use crate::check::check;
use crate::cluster::SimCluster;
use crate::workload::{client, Op, Seen};
use engine::ids::OfficeId;
use madsim::net::NetSim;
use madsim::rand::{thread_rng, Rng};
use madsim::runtime::{Handle, Runtime};
use std::fmt::Write;
use std::time::Duration;

/// Client hosts.
pub const CLIENTS: usize = 3;

/// What one run did and found.
#[derive(Debug)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Every call and what its client saw.
    pub calls: Vec<(Op, Seen)>,
    /// Partitions injected.
    pub partitions: usize,
    /// Crashes (with restarts) injected.
    pub crashes: usize,
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

/// Runs `seed` and checks it, on a fresh thread: thread-local state of a previous run
/// (tokio's per-thread random numbers for `select!`, std's hash keys) would otherwise
/// leak into this one and break determinism.
pub fn run(seed: u64) -> Report {
    std::thread::spawn(move || {
        let rt = Runtime::with_seed_and_config(seed, madsim::Config::default());
        rt.block_on(simulate(seed))
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// The simulation itself, inside a runtime made for `seed`.
pub async fn simulate(seed: u64) -> Report {
    let start = madsim::time::Instant::now();
    let cluster = std::sync::Arc::new(SimCluster::start());
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
    // The fault plan: a few times, cut a random office off the network for a while, or
    // crash it (its disk loses unsynced writes, the last one maybe torn) and restart it.
    let offices: Vec<OfficeId> = cluster.addrs.keys().cloned().collect();
    let node_ids: Vec<_> = offices.iter().map(|o| cluster.nodes[o].id()).collect();
    let faults = handle.create_node().name("faults").build().spawn({
        let (node_ids, offices, cluster) = (node_ids.clone(), offices.clone(), cluster.clone());
        async move {
            let (mut partitions, mut crashes) = (0, 0);
            for _ in 0..thread_rng().gen_range(1..5) {
                madsim::time::sleep(Duration::from_millis(thread_rng().gen_range(0..3_000))).await;
                let victim = thread_rng().gen_range(0..node_ids.len());
                if thread_rng().gen_bool(0.5) {
                    NetSim::current().clog_node(node_ids[victim]);
                    madsim::time::sleep(Duration::from_millis(thread_rng().gen_range(500..8_000)))
                        .await;
                    NetSim::current().unclog_node(node_ids[victim]);
                    partitions += 1;
                } else {
                    let down = Duration::from_millis(thread_rng().gen_range(100..5_000));
                    let torn = thread_rng().gen_range(0..64);
                    cluster.crash(&offices[victim], down, torn).await;
                    crashes += 1;
                }
            }
            (partitions, crashes)
        }
    });
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let addrs = cluster.addrs.clone();
        let dir = dir.clone();
        let host = handle
            .create_node()
            .name(format!("client-{c}"))
            .ip([10, 0, 1, c as u8 + 1].into())
            .build();
        clients.push(host.spawn(client(c, addrs, dir)));
    }
    let mut calls = Vec::new();
    for c in clients {
        calls.extend(c.await.expect("a client ended"));
    }
    let (partitions, crashes) = faults.await.expect("the fault plan ended");
    // Heal, then give participants time to ask about old holds.
    for id in &node_ids {
        NetSim::current().unclog_node(*id);
    }
    madsim::time::sleep(Duration::from_secs(30)).await;
    for (op, seen) in &calls {
        let _ = writeln!(trace, "{op:?} {seen:?}");
    }
    let checker = handle
        .create_node()
        .name("checker")
        .ip([10, 0, 2, 1].into())
        .build();
    let (cluster_addrs, calls2) = (cluster.addrs.clone(), calls.clone());
    let (violations, tail) = checker
        .spawn(async move {
            let mut tail = String::new();
            let v = check(&cluster_addrs, &dir, &calls2, &mut tail).await;
            (v, tail)
        })
        .await
        .expect("the checker ended");
    trace.push_str(&tail);
    Report {
        seed,
        calls,
        partitions,
        crashes,
        trace,
        violations,
        simulated_secs: start.elapsed().as_secs_f64(),
    }
}
