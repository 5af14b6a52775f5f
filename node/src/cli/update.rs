//! `dms update --id M [--start T] [--duration MIN] [--add a,b] [--remove c] [--room R]`:
//! changes a booked meeting (moves it, changes attendees or rooms) through its organizer's
//! office, atomically at every office of the old and the new version; conflicts are
//! answered as for a booking, and `--override` books over them.

use super::book::{ids, invitee, print_reply};
use super::remote::{ClusterOpts, Remote};
use super::timearg::{parse_time_arg, TimeArg};
use anyhow::{bail, Result};
use engine::recurrence::RecurrenceSet;
use engine::state::Response;
use std::io::Write;

/// Arguments of `dms update`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The meeting: its id, or `ORGANIZER/NAME`.
    #[arg(long)]
    pub id: String,
    /// The new first start (the recurrence moves with it).
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
    let mut m = old.clone();
    if let Some(t) = args.start {
        let zone = m.recurrence.zone;
        let mut rec = RecurrenceSet::single(zone.to_wall(t.resolve(zone)), zone);
        rec.rrules = m.recurrence.rrules.clone();
        rec.exrules = m.recurrence.exrules.clone();
        m.recurrence = rec;
        m.cancelled.clear();
    }
    if let Some(d) = args.duration {
        m.duration_secs = d * 60;
    }
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
    if m.recurrence != old.recurrence || m.duration_secs != old.duration_secs {
        for a in &mut m.attendees {
            a.response = Response::NeedsAction;
        }
    }
    let home = remote.home(&m.organizer)?;
    let reply =
        remote.block_on(home.update(tarpc::context::current(), m.clone(), args.force.into()))?;
    print_reply(&remote, &m, reply, "changed", out)
}
