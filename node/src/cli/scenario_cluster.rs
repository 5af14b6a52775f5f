//! `dms scenario run --cluster`: the scenario's offices as `dms-node` processes on
//! 127.0.0.1, every link between them and from the clients through the fault proxy
//! ([`crate::drive::proxy`]) with the file's latencies; the workload from this process
//! (the simulator's planner); the file's faults injected on the real processes, each a
//! task of its own so they overlap as in the simulator: `partition` (cut off both ways,
//! clients too), `one-way` (what it sends held), `loss` (20% of chunks on every link),
//! `crash` (`kill -9`, restarted after the fault), `skew` (its clock jumps by 5 to 60 s
//! and back), `disk` (half the time a crash, half the time its next log write fails and
//! it is restarted after the fault, as a supervisor would). Skew and disk faults need a
//! test build ([`crate::testfaults`]); a release build lists them as not injected.
//! Each node's clock is off by up to [`CLOCK_SKEW_MS`] and drifts up to
//! [`CLOCK_DRIFT_PPM`] (seeded; its config's test options), as in the simulator.
//! Afterwards every link heals, every node is up, and every checker runs on the record
//! of the calls, as in the simulator ([`crate::check::run`]).

use super::cluster::{node_binary, wait_healthy, START_TIMEOUT};
use super::scenario_run::{bar, RunArgs};
use crate::drive::call::Target;
use crate::drive::clients::{self, Progress};
use crate::drive::preload;
use crate::drive::proxy::FaultNet;
use crate::testfaults::{self, Injected};
use anyhow::{anyhow, Context, Result};
use engine::ids::OfficeId;
use rand::{Rng, SeedableRng};
use scenarios::faults::{plan, Down, Planned};
use scenarios::record::{FaultMark, Recorder, RunRecord};
use scenarios::world::World;
use scenarios::Scenario;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most a node's clock is off when a run starts, in milliseconds (the simulator's).
pub const CLOCK_SKEW_MS: i64 = 30_000;
/// The most it runs fast or slow, in parts per million (the simulator's).
pub const CLOCK_DRIFT_PPM: i64 = 500;

/// How long after the faults heal a held message may still arrive: the proxy releases
/// what it held at once, so a round trip and the nodes' retries.
pub const STRAGGLERS: Duration = Duration::from_secs(3);

/// The most configurations the linearizability search tries per part of a cluster
/// run's history: a tenth of the simulator's. A cluster run's clients race far harder
/// than the simulator's, and a history with a violation makes the search try every
/// configuration of its part before it can say so (the simulator's bound took minutes
/// on a short thundering herd with a planted bug); past the bound the verdict is
/// "inconclusive", never a pass.
pub const MAX_STATES: usize = crate::check::linear::MAX_STATES / 10;

/// The node processes of a scenario's cluster.
struct Nodes {
    root: PathBuf,
    configs: BTreeMap<OfficeId, PathBuf>,
    addrs: BTreeMap<OfficeId, SocketAddr>,
    children: Mutex<BTreeMap<OfficeId, Child>>,
    /// Each office's test faults, as last written to its file.
    faults: Mutex<BTreeMap<OfficeId, Injected>>,
    /// The bug every node is started with, if any (`--plant`).
    plant: Option<String>,
}

impl Nodes {
    fn faults_file(&self, office: &OfficeId) -> PathBuf {
        self.root.join(format!("{office}.faults.json"))
    }

    fn start(&self, office: &OfficeId) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join(format!("{office}.log")))?;
        let mut cmd = Command::new(node_binary()?);
        if let Some(bug) = &self.plant {
            cmd.env("DMS_PLANTED_BUG", bug);
        }
        let child = cmd
            .arg("--config")
            .arg(&self.configs[office])
            .env(testfaults::ENV, self.faults_file(office))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting dms-node")?;
        self.children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(office.clone(), child);
        Ok(())
    }

    /// Starts `office` and waits until it answers.
    async fn start_healthy(&self, office: &OfficeId) -> Result<()> {
        self.start(office)?;
        let log = self.root.join(format!("{office}.log"));
        let deadline = Instant::now() + START_TIMEOUT;
        wait_healthy(office, self.addrs[office], deadline, &log).await
    }

    fn kill(&self, office: &OfficeId) {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut c) = children.remove(office) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn is_up(&self, office: &OfficeId) -> bool {
        let children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        children.contains_key(office)
    }

    /// Changes `office`'s test faults and writes them where its node reads them.
    fn inject(&self, office: &OfficeId, change: impl FnOnce(&mut Injected)) -> Result<()> {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        let f = faults.entry(office.clone()).or_default();
        change(f);
        testfaults::write(&self.faults_file(office), f)?;
        Ok(())
    }
}

impl Nodes {
    /// Kills every node still running.
    fn kill_all(&self) {
        let offices: Vec<OfficeId> = self
            .children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        for o in offices {
            self.kill(&o);
        }
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// Starts the scenario's offices as processes behind the fault proxy, runs its workload
/// and faults, heals, and runs every checker; the run's record.
pub fn on_cluster(s: &Scenario, args: &RunArgs, report: &Path) -> Result<RunRecord> {
    if let Some(bug) = &args.plant {
        if crate::server::Planted::named(bug).is_none() {
            let names: Vec<&str> = crate::server::Planted::NAMED
                .iter()
                .map(|(n, _)| *n)
                .collect();
            anyhow::bail!("--plant: no planted bug {bug:?} (one of {names:?})");
        }
    }
    let world = Arc::new(World::of(s));
    let root = report.join("cluster");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root)?;
    let offices_toml = root.join("offices.toml");
    std::fs::write(&offices_toml, world.offices_toml())?;
    let real: BTreeMap<OfficeId, SocketAddr> = (world.dir.offices.keys())
        .enumerate()
        .map(|(i, o)| {
            let port = args.base_port + i as u16;
            (o.clone(), SocketAddr::from(([127, 0, 0, 1], port)))
        })
        .collect();
    // A node of an earlier run left on a port would answer for the new one.
    for a in real.values() {
        if let Err(e) = std::net::TcpListener::bind(a) {
            anyhow::bail!(
                "{a} is taken ({e}): a node of an earlier run may still be up; stop it or pass another --base-port"
            );
        }
    }
    let seed = args.first_seed.unwrap_or(s.file.seed);
    let rt = tokio::runtime::Runtime::new()?;
    let latency = |a: &OfficeId, b: &OfficeId| {
        let l = &world.latency_ms;
        let ms = l
            .get(&(a.clone(), b.clone()))
            .or(l.get(&(b.clone(), a.clone())));
        u64::from(ms.copied().unwrap_or(0))
    };
    let net = Arc::new(
        rt.block_on(FaultNet::start(&real, &latency, seed))
            .context("starting the fault proxy")?,
    );
    let mut configs = BTreeMap::new();
    // Each node's own clock error, seeded, in the simulator's ranges.
    let mut clocks = rand::rngs::StdRng::seed_from_u64(seed);
    for (o, a) in &real {
        let peers: Vec<String> = (real.iter())
            .map(|(p, pa)| format!("{p} = \"{}\"", net.peer_addr(o, p).unwrap_or(*pa)))
            .collect();
        let (skew, drift): (i64, i64) = (
            clocks.random_range(-CLOCK_SKEW_MS..=CLOCK_SKEW_MS),
            clocks.random_range(-CLOCK_DRIFT_PPM..=CLOCK_DRIFT_PPM),
        );
        let text = format!(
            "office = \"{o}\"\nlisten = \"{a}\"\ndata_dir = {:?}\ndirectory = {:?}\nclock_skew_ms = {skew}\nclock_drift_ppm = {drift}\n[peers]\n{}\n",
            root.join(o.as_str()),
            offices_toml,
            peers.join("\n")
        );
        let path = root.join(format!("{o}.toml"));
        std::fs::write(&path, text)?;
        configs.insert(o.clone(), path);
    }
    let nodes = Arc::new(Nodes {
        root: root.clone(),
        configs,
        addrs: real.clone(),
        children: Mutex::new(BTreeMap::new()),
        faults: Mutex::new(BTreeMap::new()),
        plant: args.plant.clone(),
    });
    // Interrupted (Ctrl-C, SIGTERM): the nodes go with this process, not left on their
    // ports for the next run to find.
    {
        let nodes = nodes.clone();
        rt.spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            nodes.kill_all();
            eprintln!("interrupted: the cluster's nodes are stopped");
            std::process::exit(130);
        });
    }
    for o in real.keys() {
        nodes.inject(o, |_| {})?;
        rt.block_on(nodes.start_healthy(o))?;
    }
    let scale = args.scale_down.max(1);
    let duration_s = f64::from(s.file.workload.duration_s) / f64::from(scale);
    let faults = plan(s, f64::from(scale), duration_s, seed);
    let budget = u64::from(s.file.workload.operations / scale).max(1);
    let progress = Arc::new(Progress::new(budget));
    let b = bar(budget, args.quiet, "calls");
    let (calls, standing, marks, workload_ns, target) = rt.block_on(async {
        let mut target = Target {
            addrs: net.client_addrs().clone(),
            dir: world.dir.clone(),
            epoch: tokio::time::Instant::now(),
            window: world.window,
        };
        let standing = preload::load(&world, &target)
            .await
            .map_err(|e| anyhow!(e))?;
        if !args.quiet && !standing.is_empty() {
            eprintln!(
                "imported {} standing meetings (the offices' busy share)",
                standing.len()
            );
        }
        target.epoch = tokio::time::Instant::now();
        let target = Arc::new(target);
        let over = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let injecting = tokio::spawn(inject(
            nodes.clone(),
            net.clone(),
            faults,
            seed,
            over.clone(),
        ));
        let watch = {
            let (progress, b) = (progress.clone(), b.clone());
            tokio::spawn(async move {
                loop {
                    b.set_position(progress.completed());
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        };
        let duration = Duration::from_secs_f64(duration_s);
        let calls = clients::run(
            s,
            world.clone(),
            target.clone(),
            seed,
            progress.clone(),
            duration,
        )
        .await;
        let workload_ns = target.now();
        over.store(true, std::sync::atomic::Ordering::SeqCst);
        watch.abort();
        let marks = injecting.await.unwrap_or_default();
        Ok::<_, anyhow::Error>((calls, standing, marks, workload_ns, target))
    })?;
    b.finish_and_clear();
    // Healed: every link, every clock, every node up (a fault may have been cut short
    // by the end of the workload).
    net.heal();
    for o in real.keys() {
        nodes.inject(o, |f| f.skew_ms = 0)?;
        if !nodes.is_up(o) {
            rt.block_on(nodes.start_healthy(o))?;
        }
    }
    // The checks' calls join the history on the workload's clock (`target.epoch`).
    let sent = crate::check::run::log_sinks(&root);
    let violations = rt.block_on(crate::check::run::after_workload(
        &target,
        &calls,
        &standing,
        &sent,
        &world,
        STRAGGLERS,
        args.max_states,
        Some(&report.join("history.json")),
    ));
    drop(nodes);
    let mut rec = Recorder::new((duration_s as u32).max(1));
    for c in &calls {
        rec.call(
            c.op.name(),
            c.office.as_str(),
            c.seen.outcome(),
            c.invoked,
            c.returned,
        );
        if let Some((kind, floor_ms)) = crate::drive::floor::kind_of(&world, c) {
            rec.against_floor(&kind, floor_ms, c.invoked, c.returned);
        }
    }
    for m in marks {
        rec.fault(m);
    }
    rec.end_run(workload_ns);
    Ok(rec.finish(RunRecord {
        scenario: s.file.name.clone(),
        description: s.file.description.clone(),
        mode: "cluster".into(),
        seeds: vec![seed],
        scale_down: scale,
        checkers: crate::check::run::verdicts(&[(seed, violations.as_slice())]),
        ..RunRecord::default()
    }))
}

/// Injects the plan on the processes and the proxy, each fault a task of its own (they
/// may overlap), until `over`; the marks of every fault, injected or not.
async fn inject(
    nodes: Arc<Nodes>,
    net: Arc<FaultNet>,
    plan: Vec<Planned>,
    seed: u64,
    over: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<FaultMark> {
    let start = tokio::time::Instant::now();
    let down: Arc<Down> = Arc::default();
    let mut tasks = Vec::new();
    for (i, p) in plan.into_iter().enumerate() {
        let at = start + Duration::from_secs_f64(p.at_s);
        while tokio::time::Instant::now() < at && !over.load(std::sync::atomic::Ordering::SeqCst) {
            let left = at.saturating_duration_since(tokio::time::Instant::now());
            tokio::time::sleep(left.min(Duration::from_millis(100))).await;
        }
        if over.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        let (nodes, net, down) = (nodes.clone(), net.clone(), down.clone());
        let rng = rand::rngs::StdRng::seed_from_u64(
            seed ^ (i as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d),
        );
        tasks.push(tokio::spawn(async move {
            let at_s = start.elapsed().as_secs_f64();
            let (what, injected) = one(&nodes, &net, &p, &down, rng).await;
            FaultMark {
                at_s,
                for_s: p.for_s,
                kind: p.kind.clone(),
                what,
                injected,
            }
        }));
    }
    let mut marks = Vec::new();
    for t in tasks {
        if let Ok(m) = t.await {
            marks.push(m);
        }
    }
    marks.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    marks
}

/// One fault, for its duration; what it did, and whether it was injected.
async fn one(
    nodes: &Nodes,
    net: &FaultNet,
    p: &Planned,
    down: &Down,
    mut rng: rand::rngs::StdRng,
) -> (String, bool) {
    let o = OfficeId::new(&p.office);
    if !nodes.addrs.contains_key(&o) {
        return (format!("{}: no such office", p.office), false);
    }
    let d = Duration::from_secs_f64(p.for_s);
    let needs_test_build = matches!(p.kind.as_str(), "skew" | "disk");
    if needs_test_build && !testfaults::ENABLED {
        return (
            format!(
                "{} needs a test build of dms-node (a release build takes no test faults)",
                p.kind
            ),
            false,
        );
    }
    match p.kind.as_str() {
        "partition" => {
            net.isolate(o.as_str(), true);
            tokio::time::sleep(d).await;
            net.isolate(o.as_str(), false);
            (
                format!("{o} cut off (the proxy held its links both ways)"),
                true,
            )
        }
        "one-way" => {
            net.cut_out(o.as_str(), true);
            tokio::time::sleep(d).await;
            net.cut_out(o.as_str(), false);
            (format!("{o}'s messages out held"), true)
        }
        "loss" => {
            net.lossy(true);
            tokio::time::sleep(d).await;
            net.lossy(false);
            (
                "20% of chunks lost on every link (stalls and resets)".into(),
                true,
            )
        }
        "skew" => {
            let jump = rng.random_range(5_000..60_000) * if rng.random_bool(0.5) { 1 } else { -1 };
            if let Err(e) = nodes.inject(&o, |f| f.skew_ms += jump) {
                return (format!("{o}'s clock: {e}"), false);
            }
            tokio::time::sleep(d).await;
            let _ = nodes.inject(&o, |f| f.skew_ms -= jump);
            (format!("{o}'s clock jumped {jump} ms"), true)
        }
        "crash" | "disk" => {
            if !down.take(o.as_str()) {
                return (format!("{o} already down"), false);
            }
            let what = if p.kind == "disk" && rng.random_bool(0.5) {
                let armed = nodes.inject(&o, |f| f.log_failures += 1);
                tokio::time::sleep(d).await;
                nodes.kill(&o);
                match armed {
                    Ok(()) => format!("{o}'s next log write failed; restarted after {d:?}"),
                    Err(e) => format!("{o}'s disk fault not armed ({e}); restarted"),
                }
            } else {
                nodes.kill(&o);
                tokio::time::sleep(d).await;
                format!("{o} killed (kill -9) and restarted")
            };
            let healthy = nodes.start_healthy(&o).await.is_ok();
            down.back(o.as_str());
            (
                format!("{what}{}", if healthy { "" } else { ": did not come back" }),
                true,
            )
        }
        other => (format!("unknown kind {other}"), false),
    }
}
