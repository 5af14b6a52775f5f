//! `dms-sim FILE [--seeds N] [--first-seed S] [--scale-down K] [--record PATH]`: runs a
//! scenario file in the simulator, seed after seed, and writes the run's record (JSON)
//! for `dms scenario run --sim` to evaluate and report. One line per seed on stderr.

#[cfg(madsim)]
fn main() -> std::process::ExitCode {
    match sim_main::run(std::env::args().skip(1).collect()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dms-sim: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

#[cfg(not(madsim))]
fn main() {
    eprintln!("dms-sim is built with --cfg madsim (see sim/Cargo.toml)");
    std::process::exit(2);
}

#[cfg(madsim)]
mod sim_main {
    use scenarios::record::{Recorder, RunRecord};
    use sim::scenario::{run_seed, verdicts};

    struct Args {
        file: String,
        seeds: u64,
        first: Option<u64>,
        scale: u32,
        record: Option<String>,
    }

    fn parse(args: Vec<String>) -> Result<Args, String> {
        let mut a = Args {
            file: String::new(),
            seeds: 1,
            first: None,
            scale: 1,
            record: None,
        };
        let mut it = args.into_iter();
        while let Some(x) = it.next() {
            let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
            let number = |name: &str, v: String| {
                v.parse::<u64>()
                    .map_err(|_| format!("{name}: {v:?} is not a number"))
            };
            match x.as_str() {
                "--seeds" => a.seeds = number("--seeds", value("--seeds")?)?,
                "--first-seed" => a.first = Some(number("--first-seed", value("--first-seed")?)?),
                "--scale-down" => {
                    a.scale = number("--scale-down", value("--scale-down")?)?.clamp(1, 1000) as u32
                }
                "--record" => a.record = Some(value("--record")?),
                f if !f.starts_with("--") && a.file.is_empty() => a.file = f.to_string(),
                other => return Err(format!("unexpected argument {other:?}")),
            }
        }
        if a.file.is_empty() {
            return Err(
                "usage: dms-sim FILE [--seeds N] [--first-seed S] [--scale-down K] [--record PATH]"
                    .into(),
            );
        }
        Ok(a)
    }

    /// Parses the arguments, runs the seeds and writes the record.
    pub fn run(args: Vec<String>) -> Result<(), String> {
        let a = parse(args)?;
        let text = std::fs::read_to_string(&a.file).map_err(|e| format!("{}: {e}", a.file))?;
        let s = scenarios::parse(&text).map_err(|e| format!("{}: {e}", a.file))?;
        let first = a.first.unwrap_or(s.file.seed);
        let duration = s.file.workload.duration_s / a.scale.max(1);
        let mut rec = Recorder::new(duration.max(1));
        let world = scenarios::world::World::of(&s);
        let mut runs = Vec::new();
        for k in 0..a.seeds.max(1) {
            let seed = first + k;
            let wall = std::time::Instant::now();
            let r = run_seed(&s, seed, a.scale);
            eprintln!(
                "seed {seed} ({}/{}): {} calls, {} faults, {} violations, {:.1} simulated s in {:.1} s",
                k + 1,
                a.seeds.max(1),
                r.calls.len(),
                r.faults.len(),
                r.violations.len(),
                r.workload_ns as f64 / 1e9,
                wall.elapsed().as_secs_f64()
            );
            for v in &r.violations {
                eprintln!("  {v}");
            }
            r.record(&mut rec, &world);
            runs.push(r);
        }
        let base = RunRecord {
            scenario: s.file.name.clone(),
            description: s.file.description.clone(),
            mode: "sim".into(),
            seeds: runs.iter().map(|r| r.seed).collect(),
            scale_down: a.scale,
            checkers: verdicts(&runs),
            ..RunRecord::default()
        };
        let record = rec.finish(base).to_json();
        match a.record {
            Some(p) => std::fs::write(&p, record).map_err(|e| format!("{p}: {e}")),
            None => {
                println!("{record}");
                Ok(())
            }
        }
    }
}
