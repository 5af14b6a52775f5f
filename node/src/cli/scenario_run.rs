//! `dms scenario run FILE|NAME [--sim | --cluster]`: one scenario run, evaluated against
//! its SLOs and reported (a directory with Markdown, HTML and SVG plots; see
//! [`scenarios::report`]). The exit status is non-zero when an SLO or a checker fails,
//! and the breaches are named.
//!
//! - `--sim` (the default): builds the simulator (`sim/`, `--cfg madsim`, in
//!   `target/sim`) from this source tree and runs its `dms-sim` binary, seed after seed,
//!   with every checker; a bar follows the seeds.
//! - `--cluster`: starts one `dms-node` process per office of the file on 127.0.0.1,
//!   runs the workload from this process (the same planner as the simulator's), crashes
//!   and restarts processes for `crash` and `disk` faults (other kinds cannot be injected
//!   on loopback and are listed as not injected), and stops the nodes; a bar follows the
//!   calls. Afterwards it checks that everything settles and that no calendar the calls
//!   named holds a hold or a double booking; the history checkers (linearizability,
//!   notifications) run in the simulator only and are reported as not run.

use super::cluster::{node_binary, wait_healthy, START_TIMEOUT};
use super::expand::read_input;
use crate::drive::call::{touched, Target};
use crate::drive::checks;
use crate::drive::clients::{self, Progress};
use crate::drive::preload;
use anyhow::{anyhow, bail, Context, Result};
use engine::ids::OfficeId;
use scenarios::faults::{plan, Planned};
use scenarios::record::{Environment, FaultMark, Recorder, RunRecord, Status, Verdict};
use scenarios::shipped::shipped;
use scenarios::validate::CHECKERS;
use scenarios::world::World;
use scenarios::{report, slo, Scenario};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Options of `dms scenario run`.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Run in the simulator (the default).
    #[arg(long, conflicts_with = "cluster")]
    pub sim: bool,
    /// Run against a local cluster of `dms-node` processes.
    #[arg(long)]
    pub cluster: bool,
    /// Seeds to run, one after another (simulator).
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// The first seed (default: the file's).
    #[arg(long)]
    pub first_seed: Option<u64>,
    /// Divide operations, duration and fault times by this (a short run).
    #[arg(long, default_value_t = 1)]
    pub scale_down: u32,
    /// The report directory (default: reports/out/NAME-MODE).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// With --cluster: the first port (offices take consecutive ports).
    #[arg(long, default_value_t = 7301)]
    pub base_port: u16,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// The source tree this binary was built from (where `sim/` is).
fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn shell(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .current_dir(source_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn environment(wall: f64, started: String) -> Environment {
    let mut commit = shell("git", &["rev-parse", "--short=12", "HEAD"]);
    if !shell("git", &["status", "--porcelain"]).is_empty() {
        commit.push_str("+changes");
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let machine = format!(
        "{} ({cpus} CPUs, {})",
        shell("hostname", &[]),
        shell("uname", &["-sr"])
    );
    Environment {
        commit,
        machine,
        started,
        wall_secs: wall,
    }
}

fn bar(len: u64, quiet: bool, what: &str) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template(&format!(
        "{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {what} {{msg}}"
    ))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    b.set_style(style);
    b
}

/// Runs `dms scenario run`.
pub fn run(file: &str, args: &RunArgs, out: &mut dyn Write) -> Result<()> {
    let text = match shipped(file) {
        Some(t) if !Path::new(file).exists() => t.to_string(),
        _ => read_input(file)?,
    };
    let s = scenarios::parse(&text).with_context(|| file.to_string())?;
    let mode = if args.cluster { "cluster" } else { "sim" };
    let dir = (args.report.clone())
        .unwrap_or_else(|| PathBuf::from(format!("reports/out/{}-{mode}", s.file.name)));
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let wall = Instant::now();
    let mut record = if args.cluster {
        on_cluster(&s, args, &dir)?
    } else {
        in_sim(file, &text, args)?
    };
    let first = args.first_seed.unwrap_or(s.file.seed);
    record.replay = format!(
        "dms scenario run {file} --{mode} --seeds {} --first-seed {first} --scale-down {}",
        args.seeds.max(1),
        args.scale_down.max(1)
    );
    record.env = environment(wall.elapsed().as_secs_f64(), started);
    record.notes = notes(&s, args.cluster);
    for n in &record.notes {
        writeln!(out, "note: {n}")?;
    }
    let rows = slo::evaluate(&s, &record);
    report::write(&dir, &record, &rows)?;
    writeln!(
        out,
        "{}",
        report::markdown::render(&record, &rows)
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join("\n")
    )?;
    for r in &rows {
        writeln!(
            out,
            "  {:<28} {:<12} {:<28} {}",
            r.name,
            r.target,
            r.actual,
            report::markdown::word(r.status)
        )?;
    }
    writeln!(out, "report: {}", dir.join("report.html").display())?;
    let breaches = slo::breaches(&rows);
    if !breaches.is_empty() {
        bail!("{} SLO breach(es): {}", breaches.len(), breaches.join("; "));
    }
    Ok(())
}

/// What the run leaves out of what the file asks, in words (shown in the report).
fn notes(s: &Scenario, cluster: bool) -> Vec<String> {
    let mut notes = Vec::new();
    let blocks: usize = World::of(s).standing.values().map(Vec::len).sum();
    if blocks > 0 {
        notes.push(format!(
            "calendars started loaded: {blocks} standing meetings (each office's `busy` share) imported before the workload"
        ));
    }
    if cluster {
        notes.push(
            "network latency is the loopback's: the file's latencies apply in the simulator".into(),
        );
        let kinds: std::collections::BTreeSet<&str> = (s.file.faults.kinds.iter())
            .map(String::as_str)
            .chain(s.file.faults.event.iter().map(|e| e.kind.as_str()))
            .filter(|k| !matches!(*k, "crash" | "disk"))
            .collect();
        if !kinds.is_empty() {
            notes.push(format!(
                "faults of kinds {kinds:?} are injected in the simulator only"
            ));
        }
    }
    notes
}

/// Builds and runs the simulator on the scenario; its record.
fn in_sim(file: &str, text: &str, args: &RunArgs) -> Result<RunRecord> {
    let root = source_root();
    if !root.join("sim/Cargo.toml").exists() {
        bail!(
            "--sim needs the source tree this dms was built from ({} has no sim/)",
            root.display()
        );
    }
    let status = Command::new("python3")
        .arg(root.join("scripts/vendor-madsim"))
        .status()
        .context("running scripts/vendor-madsim")?;
    if !status.success() {
        bail!("scripts/vendor-madsim failed");
    }
    eprintln!("building the simulator (sim/, --cfg madsim, target/sim)...");
    let status = Command::new("cargo")
        .args(["build", "--quiet", "--manifest-path"])
        .arg(root.join("sim/Cargo.toml"))
        .args(["--target-dir"])
        .arg(root.join("target/sim"))
        .args(["--bin", "dms-sim"])
        .env("RUSTFLAGS", "--cfg madsim")
        .status()
        .context("running cargo to build the simulator")?;
    if !status.success() {
        bail!("building the simulator failed");
    }
    let tmp = std::env::temp_dir().join(format!("dms-sim-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    // The file may be a shipped scenario's name: hand the simulator the text.
    let scenario = tmp.join("scenario.toml");
    std::fs::write(&scenario, text)?;
    let rec_path = tmp.join("record.json");
    let mut cmd = Command::new(root.join("target/sim/debug/dms-sim"));
    cmd.arg(&scenario)
        .args(["--seeds", &args.seeds.max(1).to_string()])
        .args(["--scale-down", &args.scale_down.max(1).to_string()])
        .arg("--record")
        .arg(&rec_path)
        .stderr(Stdio::piped());
    if let Some(s) = args.first_seed {
        cmd.args(["--first-seed", &s.to_string()]);
    }
    let mut child = cmd.spawn().context("starting dms-sim")?;
    let b = bar(args.seeds.max(1), args.quiet, &format!("seeds of {file}"));
    if let Some(err) = child.stderr.take() {
        for line in std::io::BufReader::new(err).lines().map_while(|l| l.ok()) {
            if line.starts_with("seed ") {
                b.inc(1);
                b.set_message(line.split(": ").nth(1).unwrap_or("").to_string());
            }
            b.suspend(|| eprintln!("{line}"));
        }
    }
    b.finish_and_clear();
    let status = child.wait()?;
    if !status.success() {
        bail!("dms-sim failed ({status})");
    }
    let text = std::fs::read_to_string(&rec_path).context("reading the simulator's record")?;
    let _ = std::fs::remove_dir_all(&tmp);
    RunRecord::from_json(&text).map_err(|e| anyhow::anyhow!("the simulator's record: {e}"))
}

/// The node processes of a scenario's cluster.
struct Nodes {
    root: PathBuf,
    configs: BTreeMap<OfficeId, PathBuf>,
    children: Mutex<BTreeMap<OfficeId, Child>>,
}

impl Nodes {
    fn start(&self, office: &OfficeId) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join(format!("{office}.log")))?;
        let child = Command::new(node_binary()?)
            .arg("--config")
            .arg(&self.configs[office])
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

    fn kill(&self, office: &OfficeId) {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut c) = children.remove(office) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
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

/// Starts the scenario's offices as processes, runs its workload and faults; its record.
fn on_cluster(s: &Scenario, args: &RunArgs, report: &Path) -> Result<RunRecord> {
    let world = Arc::new(World::of(s));
    let root = report.join("cluster");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root)?;
    let offices_toml = root.join("offices.toml");
    std::fs::write(&offices_toml, world.offices_toml())?;
    let addrs: BTreeMap<OfficeId, SocketAddr> = (world.dir.offices.keys())
        .enumerate()
        .map(|(i, o)| {
            (
                o.clone(),
                SocketAddr::from(([127, 0, 0, 1], args.base_port + i as u16)),
            )
        })
        .collect();
    let mut configs = BTreeMap::new();
    for (o, a) in &addrs {
        let peers: Vec<String> = addrs
            .iter()
            .map(|(p, pa)| format!("{p} = \"{pa}\""))
            .collect();
        let text = format!(
            "office = \"{o}\"\nlisten = \"{a}\"\ndata_dir = {:?}\ndirectory = {:?}\n[peers]\n{}\n",
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
        children: Mutex::new(BTreeMap::new()),
    });
    let rt = tokio::runtime::Runtime::new()?;
    let deadline = Instant::now() + START_TIMEOUT;
    for (o, a) in &addrs {
        nodes.start(o)?;
        rt.block_on(wait_healthy(
            o,
            *a,
            deadline,
            &root.join(format!("{o}.log")),
        ))?;
    }
    let scale = args.scale_down.max(1);
    let duration_s = f64::from(s.file.workload.duration_s) / f64::from(scale);
    let seed = args.first_seed.unwrap_or(s.file.seed);
    let faults = plan(s, f64::from(scale), duration_s, seed);
    let budget = u64::from(s.file.workload.operations / scale).max(1);
    let progress = Arc::new(Progress::new(budget));
    let b = bar(budget, args.quiet, "calls");
    let (calls, marks, workload_ns) = rt.block_on(async {
        let mut target = Target {
            addrs: addrs.clone(),
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
        let injecting = tokio::spawn(inject(nodes.clone(), addrs.clone(), faults));
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
        injecting.abort();
        watch.abort();
        let marks = injecting.await.ok().unwrap_or_default();
        Ok::<_, anyhow::Error>((calls, marks, workload_ns))
    })?;
    b.finish_and_clear();
    // Every node back (a crash may have been cut short by the end of the workload).
    for (o, a) in &addrs {
        let alive = nodes
            .children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(o);
        if !alive {
            nodes.start(o)?;
            rt.block_on(wait_healthy(
                o,
                *a,
                Instant::now() + START_TIMEOUT,
                &root.join(format!("{o}.log")),
            ))?;
        }
    }
    let checkers = rt.block_on(cluster_checks(&world, &addrs, &calls));
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
        checkers,
        ..RunRecord::default()
    }))
}

/// The checks a real cluster allows once the workload is over: liveness (everything
/// settles within the bound) and the calendar half of safety (no hold left, no double
/// booking but overrides) over every person and room the calls named. The history
/// checkers (linearizability, notifications) run in the simulator only.
async fn cluster_checks(
    world: &World,
    addrs: &BTreeMap<OfficeId, SocketAddr>,
    calls: &[crate::drive::call::Call],
) -> Vec<Verdict> {
    let mut clients = BTreeMap::new();
    for (o, a) in addrs {
        if let Ok(c) = crate::rpc::connect(*a).await {
            clients.insert(o.clone(), c);
        }
    }
    let settled = checks::settle(&clients).await;
    let mut problems = Vec::new();
    let mut held: BTreeMap<OfficeId, checks::Held> = BTreeMap::new();
    for r in touched(calls) {
        let office = world.dir.home(&r).ok();
        let home = office.and_then(|h| Some((h, clients.get(h)?)));
        match home {
            Some((o, c)) => {
                let held = held.entry(o.clone()).or_default();
                problems.extend(checks::calendar_problems(c, &r, world.window, held, true).await)
            }
            None => problems.push(format!("{r}: its office is unreachable")),
        }
    }
    let verdict = |name: &str, found: Vec<String>, scope: &str| Verdict {
        name: name.into(),
        status: if found.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        detail: if found.is_empty() {
            vec![scope.to_string()]
        } else {
            found.into_iter().take(5).collect()
        },
    };
    CHECKERS
        .iter()
        .map(|c| match *c {
            "liveness" => verdict(c, settled.clone().err().into_iter().collect(), "settled after the run (the probe booking runs in the simulator)"),
            "safety" => verdict(c, std::mem::take(&mut problems), "no holds left, no double booking (atomicity, durability and answers are checked in the simulator)"),
            _ => Verdict {
                name: c.to_string(),
                status: Status::NotRun,
                detail: vec!["a history checker: runs in the simulator (--sim)".into()],
            },
        })
        .collect()
}

/// Injects the plan on the processes: `crash` and `disk` kill an office's process
/// (`kill -9`: what it had not synced is lost) and restart it after the fault; other
/// kinds are listed, not injected.
async fn inject(
    nodes: Arc<Nodes>,
    addrs: BTreeMap<OfficeId, SocketAddr>,
    plan: Vec<Planned>,
) -> Vec<FaultMark> {
    let start = tokio::time::Instant::now();
    let mut marks = Vec::new();
    for p in plan {
        tokio::time::sleep_until(start + Duration::from_secs_f64(p.at_s)).await;
        let office = OfficeId::new(&p.office);
        let mut mark = FaultMark {
            at_s: start.elapsed().as_secs_f64(),
            for_s: p.for_s,
            kind: p.kind.clone(),
            what: format!(
                "{} cannot be injected on a local cluster (simulator only)",
                p.kind
            ),
            injected: false,
        };
        if matches!(p.kind.as_str(), "crash" | "disk") && addrs.contains_key(&office) {
            nodes.kill(&office);
            tokio::time::sleep(Duration::from_secs_f64(p.for_s)).await;
            let restarted = nodes.start(&office).is_ok();
            let log = nodes.root.join(format!("{office}.log"));
            let deadline = Instant::now() + START_TIMEOUT;
            let healthy = restarted
                && wait_healthy(&office, addrs[&office], deadline, &log)
                    .await
                    .is_ok();
            mark.what = format!(
                "{office} killed (kill -9) and restarted{}",
                if healthy { "" } else { ": did not come back" }
            );
            mark.injected = true;
        }
        marks.push(mark);
    }
    marks
}
