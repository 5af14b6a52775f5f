//! placeholder
use anyhow::Result;
use std::io::Write;
/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {}
/// Runs.
pub fn run(_a: &Args, _out: &mut dyn Write) -> Result<()> { anyhow::bail!("not yet") }
