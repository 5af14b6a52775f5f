//! `dms update --id M [--instance T | --following T] [--start T] [--duration MIN]
//! [--add a,b] [--remove c] [--room R]`: changes a booked meeting through its
//! organizer's office, atomically at every office of the old and the new version;
//! conflicts are answered as for a booking, and `--override` books over them.
//!
//! Times change as in calendar programs (`engine::state::edit`): `--instance T` moves
//! or resizes one instance (T is its start as shown, or as the series first gave it);
//! `--following T` that instance and every later one; neither, the series from its next
//! instance on (instances already past stay where they were). Cancelled instances and
//! instances moved on their own move with the series. People and rooms change for the
//! whole series.

use super::book::{ids, invitee, print_reply};
use super::remote::{ClusterOpts, Remote};
use super::timearg::{parse_time_arg, TimeArg};
use anyhow::{bail, Result};
use engine::state::{EditError, EditScope, Response, Retime};
use std::io::Write;

/// Arguments of `dms update`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The meeting: its id, or `ORGANIZER/NAME`.
    #[arg(long)]
    pub id: String,
    /// Change only the instance starting at this time.
    #[arg(long, value_parser = parse_time_arg, conflicts_with = "following")]
    pub instance: Option<TimeArg>,
    /// Change the instance starting at this time and every later one.
    #[arg(long, value_parser = parse_time_arg)]
    pub following: Option<TimeArg>,
    /// The new start of the instance changed (of the next one, for the series); later
    /// instances move by as much.
    #[arg(long, value_parser = parse_time_arg)]
    pub start: Option<TimeArg>,
    /// The new length in minutes.
    #[arg(long)]
    pub duration: Option<i64>,
    /// Required attendees to add, comma-separated.
    #[arg(long, default_value = "")]
    pub add: String,
    /// Attendees to take off, comma-separated.
    #[arg(long, default_value = "")]
    pub remove: String,
    /// The rooms (replacing the old ones; `none` for no room).
    #[arg(long)]
    pub room: Vec<String>,
    /// Book over conflicts; they are recorded as warnings.
    #[arg(long = "override")]
    pub force: bool,
    /// Where the cluster is.
    #[command(flatten)]
    pub cluster: ClusterOpts,
}

/// Runs `dms update`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let remote = Remote::new(&args.cluster)?;
    let old = remote.meeting(&args.id)?;
    let zone = old.recurrence.zone;
    let scope = match (args.instance, args.following) {
        (Some(t), _) => EditScope::Instance(t.resolve(zone)),
        (None, Some(t)) => EditScope::ThisAndFollowing(t.resolve(zone)),
        (None, None) => EditScope::Series,
    };
    let people_change = !args.add.is_empty() || !args.remove.is_empty() || !args.room.is_empty();
    if people_change && scope != EditScope::Series {
        bail!("people and rooms change for the whole series: leave out --instance and --following");
    }
    let retime = Retime {
        start: args.start.map(|t| t.resolve(zone)),
        duration_secs: args.duration.map(|d| d * 60),
    };
    let mut m = if retime == Retime::default() && scope == EditScope::Series {
        old.clone()
    } else {
        match old.retimed(scope, retime, super::world::now()) {
            Err(EditError::Unchanged) if people_change => old.clone(),
            other => other?,
        }
    };
    for r in ids(&remote, &args.remove)? {
        if r == m.organizer {
            bail!("the organizer cannot be taken off; cancel the meeting instead");
        }
        m.attendees.retain(|a| a.resource != r);
    }
    for r in ids(&remote, &args.add)? {
        if !m.attendees.iter().any(|a| a.resource == r) {
            m.attendees.push(invitee(r, true));
        }
    }
    if !args.room.is_empty() {
        m.rooms = match args.room.as_slice() {
            [none] if none == "none" => vec![],
            rooms => ids(&remote, &rooms.join(","))?,
        };
    }
    if m == old {
        bail!("nothing to change");
    }
    // A moved meeting asks everyone again.
    let moved = m.recurrence != old.recurrence
        || m.duration_secs != old.duration_secs
        || m.overrides != old.overrides;
    if moved {
        for a in &mut m.attendees {
            a.response = Response::NeedsAction;
        }
    }
    let home = remote.home(&m.organizer)?;
    let reply = remote
        .block_on(home.update(tarpc::context::current(), m.clone(), args.force.into()))
        .map_err(|e| super::book::unknown_outcome(&remote, &m, "changed", &e.into()))?;
    print_reply(&remote, &m, reply, "changed", out)
}
