//! `dms counter --id M --as PERSON --start T [--instance T] [--duration MIN]`: an invitee
//! proposes another time for the meeting or one instance (iTIP COUNTER), sent from their
//! office to the organizer; `dms counter --decline ...` with the same fields: the
//! organizer declines it and the invitee is told. Accepting a proposal is a change:
//! `dms update --id M --instance T --start PROPOSED`.

use super::remote::{ClusterOpts, Remote};
use super::timearg::{parse_time_arg, TimeArg};
use anyhow::{bail, Result};
use engine::state::Outcome;
use std::io::Write;

/// Arguments of `dms counter`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The meeting: its id, or `ORGANIZER/NAME`.
    #[arg(long)]
    pub id: String,
    /// The invitee who proposes (or, with --decline, whose proposal is declined).
    #[arg(long = "as")]
    pub who: String,
    /// The proposed start.
    #[arg(long, value_parser = parse_time_arg)]
    pub start: TimeArg,
    /// The instance proposed for, by its start (default: the series).
    #[arg(long, value_parser = parse_time_arg)]
    pub instance: Option<TimeArg>,
    /// The proposed length in minutes (default: the meeting's).
    #[arg(long)]
    pub duration: Option<i64>,
    /// The organizer declines the proposal.
    #[arg(long)]
    pub decline: bool,
    /// Where the cluster is.
    #[command(flatten)]
    pub cluster: ClusterOpts,
}

/// Runs `dms counter`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let remote = Remote::new(&args.cluster)?;
    let m = remote.meeting(&args.id)?;
    let who = remote.resource(&args.who)?;
    let zone = m.recurrence.zone;
    let proposal = crate::rpc::Counter {
        meeting: m.id.clone(),
        attendee: who.clone(),
        instance: args.instance.map(|t| t.resolve(zone)),
        start: args.start.resolve(zone),
        duration_secs: args.duration.map_or(m.duration_secs, |d| d * 60),
        declined: args.decline,
    };
    // Proposed from the invitee's office, declined from the organizer's.
    let (from, told) = match args.decline {
        true => (&m.organizer, &who),
        false => (&who, &m.organizer),
    };
    let home = remote.home(from)?;
    let outcome = remote.block_on(home.counter(tarpc::context::current(), proposal))?;
    let what = if args.decline { "declined" } else { "proposed" };
    match outcome {
        Outcome::Countered { .. } => {
            let at = super::world::short(args.start.resolve(zone), zone);
            writeln!(out, "{what} {at} for {}; {told} is told", m.label())?;
            Ok(())
        }
        Outcome::Rejected(r) => bail!("not {what}: {r}"),
        other => bail!("unexpected answer {other:?}"),
    }
}
