//! `dms report compare A B`: two runs' records (report directories or their
//! `record.json`) side by side, as Markdown on standard output.

use anyhow::{bail, Context, Result};
use scenarios::record::RunRecord;
use std::io::Write;
use std::path::Path;

/// Arguments of `dms report`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// `compare`.
    pub action: String,
    /// The two runs: report directories or record.json files.
    pub runs: Vec<String>,
}

fn load(p: &str) -> Result<RunRecord> {
    let path = Path::new(p);
    let file = if path.is_dir() {
        path.join("record.json")
    } else {
        path.to_path_buf()
    };
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    RunRecord::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

/// Runs `dms report`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    match (args.action.as_str(), args.runs.as_slice()) {
        ("compare", [a, b]) => {
            let (a, b) = (load(a)?, load(b)?);
            write!(out, "{}", scenarios::report::compare::render(&a, &b))?;
            Ok(())
        }
        ("compare", _) => {
            bail!("dms report compare: give two runs (report directories or record.json files)")
        }
        (other, _) => bail!("dms report: unknown action {other:?} (compare)"),
    }
}
