//! A scenario file run in the simulator, seed by seed: its company on simulated hosts
//! ([`SimCluster::start_with`]) with its standing calendars imported, each pair of
//! offices with its link's latency (the clients 1-5 ms from the offices they call), its workload from a client host ([`node::drive::clients`]), its faults
//! ([`faults`]), then healing and every checker: liveness, safety and notifications at
//! the quiescent point, linearizability of the whole history (from the standing calendars).

pub mod faults;

use crate::cluster::SimCluster;
use crate::workload::{Call, Target};
use engine::state::MeetingSpec;
use madsim::net::NetSim;
use madsim::rand::Rng;
use madsim::runtime::{Handle, Runtime};
use node::drive::clients::{self, Progress};
use node::drive::preload;
use scenarios::record::{FaultMark, Recorder, Verdict};
use scenarios::world::World;
use scenarios::Scenario;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// What one seed's run did and found.
#[derive(Debug)]
pub struct SeedRun {
    /// The seed.
    pub seed: u64,
    /// The workload's calls (not the checkers' own).
    pub calls: Vec<Call>,
    /// The standing meetings imported before the workload.
    pub standing: Vec<MeetingSpec>,
    /// The faults.
    pub faults: Vec<FaultMark>,
    /// What the checkers found, each line prefixed by its checker's name.
    pub violations: Vec<String>,
    /// Simulated nanoseconds the workload took.
    pub workload_ns: u64,
}

impl SeedRun {
    /// Adds this run to `rec` (its calls, bookings against their floor on `world`'s
    /// network; its time series and faults if it is the first).
    pub fn record(&self, rec: &mut Recorder, world: &World) {
        for c in &self.calls {
            let outcome = c.seen.outcome();
            rec.call(
                c.op.name(),
                c.office.as_str(),
                outcome,
                c.invoked,
                c.returned,
            );
            if let Some((kind, floor_ms)) = node::drive::floor::kind_of(world, c) {
                rec.against_floor(&kind, floor_ms, c.invoked, c.returned);
            }
        }
        for f in &self.faults {
            rec.fault(f.clone());
        }
        rec.end_run(self.workload_ns);
    }
}

/// The checkers' verdicts over several runs (a checker fails if it failed in any).
pub fn verdicts(runs: &[SeedRun]) -> Vec<Verdict> {
    let found: Vec<(u64, &[String])> = (runs.iter())
        .map(|r| (r.seed, r.violations.as_slice()))
        .collect();
    node::check::run::verdicts(&found)
}

/// Runs `s` with `seed`, its operations, duration and fault times divided by `scale`,
/// on a fresh thread (see [`crate::run::run`] for why).
pub fn run_seed(s: &Scenario, seed: u64, scale: u32) -> SeedRun {
    let s = s.clone();
    std::thread::spawn(move || {
        let rt = Runtime::with_seed_and_config(seed, madsim::Config::default());
        rt.block_on(simulate(s, seed, scale))
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

pub use node::check::phase;

async fn simulate(s: Scenario, seed: u64, scale: u32) -> SeedRun {
    let world = Arc::new(World::of(&s));
    let cluster = Arc::new(SimCluster::start_with(world.dir.clone(), None));
    // Each pair of offices gets its link's latency (one way, up to 1 ms of jitter);
    // clients sit next to the offices they call (1-5 ms).
    let net = NetSim::current();
    net.update_config(|c| {
        c.send_latency = Duration::from_millis(1)..Duration::from_millis(5);
    });
    for ((a, b), ms) in &world.latency_ms {
        if let (Some(x), Some(y)) = (cluster.nodes.get(a), cluster.nodes.get(b)) {
            let ms = Duration::from_millis(u64::from(*ms).max(1));
            net.set_link_latency(x.id(), y.id(), ms..ms + Duration::from_millis(1));
        }
    }
    let handle = Handle::current();
    let client_host = handle
        .create_node()
        .name("clients")
        .ip([10, 0, 1, 1].into())
        .build();
    let (checker, fault_host) = crate::cluster::helper_hosts();
    let mut target = Target {
        addrs: cluster.addrs.clone(),
        dir: world.dir.clone(),
        epoch: madsim::time::Instant::now(),
        window: world.window,
    };
    // The calendars the run starts with, before the clock of the run starts.
    let (w1, t1) = (world.clone(), target.clone());
    let loaded = client_host
        .spawn(async move { preload::load(&w1, &t1).await })
        .await
        .unwrap_or_else(|_| Err("the import task failed".into()));
    let (standing, mut early) = match loaded {
        Ok(m) => (m, vec![]),
        Err(e) => (
            vec![],
            vec![format!("liveness: the standing calendars: {e}")],
        ),
    };
    phase("standing calendars");
    let epoch = madsim::time::Instant::now();
    target.epoch = epoch;
    let target = Arc::new(target);
    let scale = scale.max(1);
    let duration_s = f64::from(s.file.workload.duration_s) / f64::from(scale);
    let budget = u64::from(s.file.workload.operations / scale).max(1);
    let plan_seed = madsim::rand::thread_rng().gen::<u64>();
    let plan = faults::plan(&s, f64::from(scale), duration_s, plan_seed);
    let over = Arc::new(AtomicBool::new(false));
    let injecting = fault_host.spawn(faults::inject(cluster.clone(), plan, over.clone()));
    let (s2, w2, t2) = (s.clone(), world.clone(), target.clone());
    let duration = Duration::from_secs_f64(duration_s);
    let calls = client_host
        .spawn(async move {
            let progress = Arc::new(Progress::new(budget));
            clients::run(&s2, w2, t2, seed, progress, duration).await
        })
        .await
        .unwrap_or_default();
    let workload_ns = epoch.elapsed().as_nanos() as u64;
    phase("workload");
    over.store(true, std::sync::atomic::Ordering::Relaxed);
    let marks = injecting.await.unwrap_or_default();
    crate::faults::heal(&cluster);
    // The checks read thousands of calendars one call after another: fast links keep
    // them short (they measure the state, not the network).
    NetSim::current().update_config(|c| {
        c.send_latency = Duration::from_millis(1)..Duration::from_millis(2);
    });
    let (t3, so_far, sinks) = (target.clone(), calls.clone(), cluster.sinks.clone());
    let sent = move |o: &engine::ids::OfficeId| sinks.get(o).map(|s| s.sent()).unwrap_or_default();
    let (w3, s3) = (world.clone(), standing.clone());
    let mut violations = checker
        .spawn(async move {
            node::check::run::after_workload(
                &t3,
                &so_far,
                &s3,
                &sent,
                &w3,
                crate::STRAGGLERS,
                node::check::linear::MAX_STATES,
                None,
            )
            .await
        })
        .await
        .unwrap_or_else(|_| vec!["liveness: the checks did not end".into()]);
    violations.append(&mut early);
    cluster.wipe_disks();
    SeedRun {
        seed,
        calls,
        standing,
        faults: marks,
        violations,
        workload_ns,
    }
}
