//! `dms scenario list` (the shipped scenarios, each with what it shows) and
//! `dms scenario check FILE|NAME...` (parse and validate scenario files: a shipped
//! scenario by name, or a path; errors name the field and the problem), and
//! `dms scenario run FILE|NAME` (see [`super::scenario_run`]).

use super::expand::read_input;
use anyhow::{bail, Result};
use scenarios::shipped::{shipped, SHIPPED};
use std::io::Write;

/// Arguments of `dms scenario`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// `list`, `check` or `run`.
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
        other => bail!("dms scenario: unknown action {other:?} (list, check, run)"),
    }
}
