//! `dms expand FILE [--from T] [--to T] [--limit N]`: for every event (VEVENTs grouped by
//! UID, in file order), one line per instance in time order: the UID, a tab, and the start
//! in RFC 3339 with the offset in force in the event's zone (`Z` for UTC events, no offset
//! for floating ones), or the bare date `YYYY-MM-DD` for an all-day one. This output form
//! is a contract other tools read.

use super::timearg::{parse_time_arg, TimeArg};
use anyhow::{Context, Result};
use engine::ical::parse_series;
use engine::time::format::write_rfc3339_in;
use engine::time::Instant;
use std::io::{Read, Write};

/// Arguments of `dms expand`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The .ics file, or `-` for standard input.
    pub file: String,
    /// Only instances starting at or after this time.
    #[arg(long, value_parser = parse_time_arg)]
    pub from: Option<TimeArg>,
    /// Only instances starting before this time.
    #[arg(long, value_parser = parse_time_arg)]
    pub to: Option<TimeArg>,
    /// At most this many instances per event.
    #[arg(long)]
    pub limit: Option<usize>,
}

/// Reads a file, or standard input for `-`.
pub fn read_input(file: &str) -> Result<String> {
    let mut bytes = Vec::new();
    if file == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        bytes = std::fs::read(file).with_context(|| format!("reading {file}"))?;
    }
    String::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("{file}: not UTF-8 (byte {})", e.utf8_error().valid_up_to()))
}

/// Runs `dms expand`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let text = read_input(&args.file)?;
    let series = parse_series(&text).with_context(|| args.file.clone())?;
    let mut buf = String::new();
    for s in &series {
        let zone = s.zone();
        let from = args.from.map_or(Instant(i64::MIN / 4), |t| t.resolve(zone));
        let to = args.to.map(|t| t.resolve(zone));
        let instances = s
            .first_instances(from, to, args.limit.unwrap_or(usize::MAX))
            .with_context(|| format!("event {:?}", s.uid))?;
        for i in instances {
            buf.push_str(&s.uid);
            buf.push('\t');
            if i.all_day {
                let (y, m, d) = zone.to_wall(i.start).ymd();
                buf.push_str(&format!("{y:04}-{m:02}-{d:02}"));
            } else {
                write_rfc3339_in(&mut buf, i.start, zone);
            }
            buf.push('\n');
        }
    }
    out.write_all(buf.as_bytes())?;
    Ok(())
}
