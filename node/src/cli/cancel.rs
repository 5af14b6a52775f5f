//! `dms cancel --id M [--instance T | --from T]`: cancels a whole meeting, one instance, or
//! an instance and every later one, through the organizer's office; every invitee's
//! office applies it (once) and tells its people.

use super::remote::{ClusterOpts, Remote};
use super::timearg::{parse_time_arg, TimeArg};
use super::world::short;
use anyhow::{bail, Result};
use engine::state::{CancelScope, Outcome};
use std::io::Write;

/// Arguments of `dms cancel`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The meeting: its id, or `ORGANIZER/NAME`.
    #[arg(long)]
    pub id: String,
    /// Cancel only the instance that starts then (its original start).
    #[arg(long, value_parser = parse_time_arg, conflicts_with = "from")]
    pub instance: Option<TimeArg>,
    /// Cancel the instance that starts then and every later one.
    #[arg(long, value_parser = parse_time_arg)]
    pub from: Option<TimeArg>,
    /// Where the cluster is.
    #[command(flatten)]
    pub cluster: ClusterOpts,
}

/// Runs `dms cancel`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let remote = Remote::new(&args.cluster)?;
    let m = remote.meeting(&args.id)?;
    let zone = m.recurrence.zone;
    let scope = match (args.instance, args.from) {
        (Some(t), _) => CancelScope::Instance(t.resolve(zone)),
        (None, Some(t)) => CancelScope::ThisAndFollowing(t.resolve(zone)),
        (None, None) => CancelScope::Series,
    };
    let home = remote.home(&m.organizer)?;
    let outcome = remote.block_on(home.cancel(tarpc::context::current(), m.id.clone(), scope))?;
    match outcome {
        Outcome::Cancelled { meeting, removed } => {
            let what = match scope {
                CancelScope::Series => "the whole meeting".to_string(),
                CancelScope::Instance(t) => format!("the instance at {}", short(t, zone)),
                CancelScope::ThisAndFollowing(t) => format!("from {} on", short(t, zone)),
            };
            writeln!(
                out,
                "cancelled {meeting}, {what}: {removed} calendar entr{} removed at {}; \
                 the other offices are told",
                if removed == 1 { "y" } else { "ies" },
                remote.dir.home(&m.organizer)?
            )?;
            Ok(())
        }
        Outcome::Rejected(r) => bail!("not cancelled: {r}"),
        other => bail!("unexpected answer {other:?}"),
    }
}
