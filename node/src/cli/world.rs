//! Options every data-reading command shares: where the company comes from, the window,
//! the zone to show times in, and JSON output.

use super::timearg::{parse_time_arg, TimeArg};
use crate::sample::World;
use anyhow::{Context, Result};
use engine::calendar::Interval;
use engine::ids::ResourceId;
use engine::time::{Instant, Zone};
use std::path::PathBuf;

/// Shared options.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// A directory with offices.toml and calendars/*.ics (default: the embedded sample).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Start of the window (default: today; for the embedded sample's files, the sample
    /// week, 2026-12-07).
    #[arg(long, value_parser = parse_time_arg)]
    pub from: Option<TimeArg>,
    /// End of the window (default: five days after --from).
    #[arg(long, value_parser = parse_time_arg)]
    pub to: Option<TimeArg>,
    /// Zone to show times in (default: the first person's zone).
    #[arg(long)]
    pub tz: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Ask the running cluster (`dms cluster up`) instead of reading files.
    #[arg(long, conflicts_with = "data")]
    pub cluster: bool,
    /// With --cluster: where it is and how to reach it.
    #[command(flatten)]
    pub at: super::remote::ClusterOpts,
}

/// The sample week: Monday 2026-12-07.
pub const SAMPLE_WEEK: &str = "2026-12-07";

/// Now, by the clock of the machine the command runs on.
pub fn now() -> Instant {
    Instant(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    )
}

/// The start of today in `zone` (the clock of the machine the command runs on).
pub fn today(zone: Zone) -> Result<Instant> {
    let (y, m, d) = zone.to_wall(now()).ymd();
    Ok(parse_time_arg(&format!("{y:04}-{m:02}-{d:02}"))
        .map_err(anyhow::Error::msg)?
        .resolve(zone))
}

impl Common {
    /// The world to read (with --cluster, only its directory is used).
    pub fn world(&self) -> Result<World> {
        match &self.data {
            Some(d) => World::load(d),
            None if self.cluster => Ok(World::new(crate::sample::parse_directory(
                crate::sample::SAMPLE_OFFICES,
            )?)),
            None => World::sample(),
        }
    }

    /// With --cluster, the cluster.
    pub fn remote(&self) -> Result<Option<super::remote::Remote>> {
        self.cluster
            .then(|| super::remote::Remote::new(&self.at))
            .transpose()
    }

    /// The zone to show times in.
    pub fn zone(&self, w: &World, first: Option<&ResourceId>) -> Result<Zone> {
        if let Some(tz) = &self.tz {
            return Zone::parse(tz).map_err(|e| anyhow::anyhow!("--tz: {e}"));
        }
        Ok(first
            .and_then(|r| w.dir.zone_of(r).ok())
            .unwrap_or(Zone::Utc))
    }

    /// The window, read in `zone`.
    pub fn window(&self, zone: Zone) -> Result<Interval> {
        let from = match self.from {
            Some(t) => t.resolve(zone),
            // The embedded sample's meetings are in its week; a cluster or a company of
            // one's own is read from today.
            None if self.data.is_none() && !self.cluster => parse_time_arg(SAMPLE_WEEK)
                .map_err(anyhow::Error::msg)?
                .resolve(zone),
            None => today(zone)?,
        };
        let to = self
            .to
            .map_or(from.plus_secs(5 * 86_400), |t| t.resolve(zone));
        if to <= from {
            anyhow::bail!("--to must be after --from");
        }
        if to.0 - from.0 > 366 * 86_400 {
            anyhow::bail!("the window is longer than a year");
        }
        Ok(Interval::new(from, to))
    }
}

/// Splits `alice,bob` into known resources.
pub fn resources(w: &World, list: &str) -> Result<Vec<ResourceId>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let id = ResourceId::new(s);
            w.dir
                .home(&id)
                .map(|_| id.clone())
                .with_context(|| format!("unknown person or room {s:?}"))
        })
        .collect()
}

/// An instant in a zone, short: `2026-12-07 09:30 -05:00`.
pub fn short(t: Instant, zone: Zone) -> String {
    let s = engine::time::format::rfc3339_in(t, zone);
    match zone {
        Zone::Iana(_) => format!("{} {} {}", &s[..10], &s[11..16], &s[19..]),
        _ => format!("{} {} UTC", &s[..10], &s[11..16]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_starts_at_local_midnight_before_now() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        for name in ["Pacific/Kiritimati", "UTC", "America/Los_Angeles"] {
            let zone = Zone::parse(name).unwrap();
            let t = today(zone).unwrap();
            assert!(t.0 <= now && now - t.0 < 25 * 3600, "{name}: {t:?}");
            assert_eq!(zone.to_wall(t).secs_of_day(), 0, "{name}");
        }
    }
}
