//! `dms scenario list` (the shipped scenarios, each with what it shows) and
//! `dms scenario check FILE|NAME...` (parse and validate scenario files: a shipped
//! scenario by name, or a path; errors name the field and the problem), and
//! `dms scenario run FILE|NAME` (see [`super::scenario_run`]), and
//! `dms scenario recheck HISTORY` (the linearizability search again on the
//! `history.json` a cluster run wrote, with `--max-states`).

use super::expand::read_input;
use anyhow::{bail, Result};
use scenarios::shipped::{shipped, SHIPPED};
use std::io::Write;

/// Arguments of `dms scenario`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// `list`, `check`, `run` or `recheck`.
    pub action: String,
    /// With `check` and `run`: scenario files, or names of shipped scenarios.
    pub files: Vec<String>,
    /// How `run` runs.
    #[command(flatten)]
    pub run: super::scenario_run::RunArgs,
}

/// Runs `dms scenario`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    match args.action.as_str() {
        "list" => {
            for (file, text) in SHIPPED {
                let s = scenarios::parse(text)?;
                writeln!(
                    out,
                    "{:<20} {}",
                    file.trim_end_matches(".toml"),
                    s.file.description
                )?;
            }
            Ok(())
        }
        "check" => {
            if args.files.is_empty() {
                bail!("dms scenario check: name at least one file or shipped scenario");
            }
            let mut failed = 0;
            for f in &args.files {
                let text = match shipped(f) {
                    Some(t) if !std::path::Path::new(f).exists() => t.to_string(),
                    _ => read_input(f)?,
                };
                match scenarios::parse(&text) {
                    Ok(s) => writeln!(
                        out,
                        "{f}: ok ({}, {} offices, {} calls)",
                        s.file.name,
                        s.offices.len(),
                        s.file.workload.operations
                    )?,
                    Err(e) => {
                        failed += 1;
                        writeln!(out, "{f}: {e}")?;
                    }
                }
            }
            if failed > 0 {
                bail!(
                    "{failed} of {} scenario files are not valid",
                    args.files.len()
                );
            }
            Ok(())
        }
        "run" => match args.files.as_slice() {
            [file] => super::scenario_run::run(file, &args.run, out),
            _ => bail!("dms scenario run: name one scenario file or shipped scenario"),
        },
        "recheck" => match args.files.as_slice() {
            [file] => recheck(file, args.run.max_states, out),
            _ => bail!("dms scenario recheck: name one history.json a cluster run wrote"),
        },
        other => bail!("dms scenario: unknown action {other:?} (list, check, run, recheck)"),
    }
}

/// `dms scenario recheck HISTORY`: the linearizability search on a recorded history.
fn recheck(file: &str, max_states: usize, out: &mut dyn Write) -> Result<()> {
    let text = read_input(file)?;
    let rec: scenarios::linear::Recorded = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{file}: not a recorded history: {e}"))?;
    let started = std::time::Instant::now();
    let found = crate::check::run::linearizable(&rec, max_states);
    let secs = started.elapsed().as_secs_f64();
    match found {
        None => {
            writeln!(
                out,
                "{file}: linearizable ({} calls, {secs:.1} s)",
                rec.calls.len()
            )?;
            Ok(())
        }
        Some(v) => bail!("{file}: {v} ({secs:.1} s)"),
    }
}
