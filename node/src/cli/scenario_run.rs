//! `dms scenario run FILE|NAME [--sim | --cluster]`: one scenario run, evaluated against
//! its SLOs and reported (a directory with Markdown, HTML and SVG plots; see
//! [`scenarios::report`]). The exit status is non-zero when an SLO or a checker fails,
//! and the breaches are named.
//!
//! - `--sim` (the default): builds the simulator (`sim/`, `--cfg madsim`, in
//!   `target/sim`) from this source tree and runs its `dms-sim` binary, seed after seed,
//!   with every checker; a bar follows the seeds.
//! - `--cluster`: one `dms-node` process per office of the file on 127.0.0.1 behind the
//!   fault proxy, the workload from this process (the same planner as the simulator's),
//!   every fault kind injected on the processes, then every checker, as in the
//!   simulator ([`super::scenario_cluster`]); a bar follows the calls.

use super::expand::read_input;
use anyhow::{bail, Context, Result};
use scenarios::record::{Environment, RunRecord};
use scenarios::shipped::shipped;
use scenarios::world::World;
use scenarios::{report, slo, Scenario};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The linearizability search's bound per part on cluster runs (see `--max-states`).
pub const MAX_STATES: usize = 1_000_000;

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
    /// With --cluster (or `recheck`): the most configurations the linearizability search tries per
    /// part of the history (past it the verdict is "inconclusive", never a pass). Lower
    /// than the simulator's (30,000,000): a cluster run's clients race harder, and a
    /// history with a violation makes the search try every configuration of its part
    /// (a short thundering herd with a planted bug took 12 minutes at 30,000,000).
    #[arg(long, default_value_t = MAX_STATES)]
    pub max_states: usize,
    /// With --cluster: start every node with this planted bug (a test build's; see
    /// `node::server::Planted::NAMED`), to see the checkers catch it.
    #[arg(long, requires = "cluster", value_name = "BUG")]
    pub plant: Option<String>,
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

/// A progress bar (hidden when `quiet`).
pub fn bar(len: u64, quiet: bool, what: &str) -> indicatif::ProgressBar {
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
    if !args.cluster && args.max_states != MAX_STATES {
        bail!(
            "--max-states bounds a cluster run's search (the simulator's is fixed): add --cluster"
        );
    }
    let dir = (args.report.clone())
        .unwrap_or_else(|| PathBuf::from(format!("reports/out/{}-{mode}", s.file.name)));
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let wall = Instant::now();
    let mut record = if args.cluster {
        super::scenario_cluster::on_cluster(&s, args, &dir)?
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
            "links go through the fault proxy on 127.0.0.1 with the file's latencies (clients next to the offices); each node's clock is off by up to 30 s and 500 ppm (seeded, as in the simulator); faults act on real processes, TCP and disks".into(),
        );
        let kinds: std::collections::BTreeSet<&str> = (s.file.faults.kinds.iter())
            .map(String::as_str)
            .chain(s.file.faults.event.iter().map(|e| e.kind.as_str()))
            .filter(|k| matches!(*k, "skew" | "disk"))
            .collect();
        if !kinds.is_empty() && !crate::testfaults::ENABLED {
            notes.push(format!(
                "faults of kinds {kinds:?} need a test build of dms-node (this is a release build): not injected"
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
