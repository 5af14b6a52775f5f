//! A scenario file run in the simulator, seed by seed: its company on simulated hosts
//! ([`SimCluster::start_with`]) with its standing calendars imported, each pair of
//! offices with its link's latency (the clients 1-5 ms from the offices they call), its workload from a client host ([`node::drive::clients`]), its faults
//! ([`faults`]), then healing and every checker: liveness, safety and notifications at
//! the quiescent point, linearizability of the whole history (from the standing calendars).

pub mod faults;

use crate::check::{at_quiescence, final_reads, history, linear, Scope};
use crate::cluster::SimCluster;
use crate::workload::{Call, Target};
use engine::state::MeetingSpec;
use engine::time::{Wall, Zone};
use madsim::net::NetSim;
use madsim::rand::Rng;
use madsim::runtime::{Handle, Runtime};
use node::drive::clients::{self, Progress};
use node::drive::preload;
use scenarios::record::{FaultMark, Recorder, Status, Verdict};
use scenarios::validate::CHECKERS;
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
    CHECKERS
        .iter()
        .map(|name| {
            let lines = |prefix: String| -> Vec<String> {
                (runs.iter())
                    .flat_map(|r| {
                        let prefix = prefix.clone();
                        (r.violations.iter())
                            .filter(move |v| v.starts_with(&prefix))
                            .map(move |v| format!("seed {}: {v}", r.seed))
                    })
                    .collect()
            };
            let failed = lines(format!("{name}: "));
            let undecided = lines(format!("{name} inconclusive: "));
            let (status, detail) = match (failed.is_empty(), undecided.is_empty()) {
                (false, _) => (Status::Fail, failed),
                (true, false) => (Status::NotRun, undecided),
                (true, true) => (Status::Pass, vec![]),
            };
            Verdict {
                name: name.to_string(),
                status,
                detail: detail.into_iter().take(5).collect(),
            }
        })
        .collect()
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

/// A meeting of the first person of up to three offices, at noon UTC the day before
/// the workload's first day (which no workload meeting touches).
fn probe(world: &World) -> MeetingSpec {
    let who: Vec<&str> = (world.people.values())
        .take(3)
        .filter_map(|p| p.first().map(|r| r.as_str()))
        .collect();
    let start = world.window.start.plus_secs(12 * 3600).utc_wall();
    let (y, m, d) = start.ymd();
    let wall = Wall::from_ymd_hms(y, m, d, 12, 0, 0);
    MeetingSpec::single("", who[0], &who[1..], &[], wall, Zone::Utc, 1800).named("probe")
}

/// With `DMS_SIM_PHASES` set, says on stderr when each phase of a run ends (to see
/// where a long run's wall time goes).
pub fn phase(name: &str) {
    if std::env::var_os("DMS_SIM_PHASES").is_some() {
        eprintln!("phase done: {name}");
    }
}

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
    let scope = Scope {
        resources: node::drive::call::touched(&calls),
        window: world.window,
    };
    let (t3, so_far, sinks) = (target.clone(), calls.clone(), cluster.sinks.clone());
    let (scope2, probe) = (scope.clone(), probe(&world));
    let (probes, mut violations, _) = checker
        .spawn(async move { at_quiescence(&t3, &so_far, &sinks, &scope2, probe).await })
        .await
        .unwrap_or_else(|_| {
            (
                vec![],
                vec!["liveness: the checks did not end".into()],
                String::new(),
            )
        });
    phase("quiescence checks");
    let t4 = target.clone();
    let reads = checker
        .spawn(async move { final_reads(&t4, &scope.resources).await })
        .await
        .unwrap_or_default();
    phase("final reads");
    let mut all = calls.clone();
    all.extend(probes);
    let quiet = reads.iter().map(|c| c.invoked).min();
    all.extend(reads);
    violations.append(&mut early);
    let (initial, history) = history::translate_from(&standing, &all, &world.dir);
    match linear::check_from(&initial, &history, quiet) {
        Err(v) if v.gave_up => violations.push(format!(
            "linearizability inconclusive: gave up on a part of {} calls after {} states",
            v.calls,
            linear::MAX_STATES
        )),
        Err(v) => violations.push(format!(
            "linearizability: a part of {} calls, at most {} placed; stuck at {}",
            v.calls, v.placed, v.stuck_at
        )),
        Ok(_) => {}
    }
    phase("linearizability");
    SeedRun {
        seed,
        calls,
        standing,
        faults: marks,
        violations,
        workload_ns,
    }
}
