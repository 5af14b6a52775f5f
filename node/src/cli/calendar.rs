//! `dms calendar --person P [--from T] [--to T] [--ics]`: a person's (or room's) meetings
//! from their office's node, as a table in their zone or as an .ics file other calendar
//! software reads (with each meeting's recurrence and cancelled instances); and
//! `dms import --person P FILE.ics`: books every event of a file with them as organizer.

use super::book::print_reply;
use super::remote::{ClusterOpts, Remote};
use super::table::Table;
use super::timearg::{parse_time_arg, TimeArg};
use super::world::short;
use anyhow::{Context, Result};
use engine::calendar::Interval;
use engine::ical::{export_events_at, Event};
use engine::ids::ResourceId;
use engine::state::ics::events_of;
use engine::state::MeetingSpec;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `dms calendar`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Whose calendar (a person or a room).
    #[arg(long)]
    pub person: String,
    /// Start of the window (default: today).
    #[arg(long, value_parser = parse_time_arg)]
    pub from: Option<TimeArg>,
    /// End of the window (default: 90 days after --from).
    #[arg(long, value_parser = parse_time_arg)]
    pub to: Option<TimeArg>,
    /// Print an iCalendar file instead of a table.
    #[arg(long)]
    pub ics: bool,
    /// Where the cluster is.
    #[command(flatten)]
    pub cluster: ClusterOpts,
}

/// Arguments of `dms import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The .ics file.
    pub file: PathBuf,
    /// The organizer of every imported meeting.
    #[arg(long)]
    pub person: String,
    /// Book over conflicts.
    #[arg(long = "override")]
    pub force: bool,
    /// Where the cluster is.
    #[command(flatten)]
    pub cluster: ClusterOpts,
}

/// Runs `dms calendar`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let remote = Remote::new(&args.cluster)?;
    let who = remote.resource(&args.person)?;
    let zone = remote.dir.zone_of(&who)?;
    let from = match args.from {
        Some(t) => t.resolve(zone),
        None => super::world::today(zone)?,
    };
    let to = args
        .to
        .map_or(from.plus_secs(90 * 86_400), |t| t.resolve(zone));
    anyhow::ensure!(to > from, "--to must be after --from");
    let home = remote.home(&who)?;
    let window = Interval::new(from, to);
    let meetings = remote
        .block_on(home.meetings_of(tarpc::context::current(), who.clone(), window))?
        .map_err(anyhow::Error::msg)?;
    if args.ics {
        let events: Vec<Event> = meetings.iter().flat_map(events_of).collect();
        write!(out, "{}", export_events_at(&events, super::world::now()))?;
        return Ok(());
    }
    let mut t = Table::new(&[
        "meeting",
        "title",
        "first start",
        "repeats",
        "organizer",
        "answer",
    ]);
    for m in &meetings {
        t.row(vec![
            m.label(),
            m.title.clone(),
            short(m.first_start(), zone),
            m.recurrence
                .rrules
                .first()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "-".into()),
            m.organizer.to_string(),
            format!("{:?}", m.response_of(&who)).to_lowercase(),
        ]);
    }
    writeln!(
        out,
        "{} meeting(s) of {who} (times in {zone})",
        meetings.len()
    )?;
    write!(out, "{}", t.render())?;
    Ok(())
}

/// The meetings an iCalendar text describes, each organized by `organizer`
/// ([`engine::state::ics::meetings_of_ics`] in the organizer's zone).
pub fn specs_of_ics(
    dir: &engine::office::Directory,
    organizer: &ResourceId,
    text: &str,
) -> Result<(Vec<MeetingSpec>, Vec<String>)> {
    let zone = dir.zone_of(organizer)?;
    Ok(engine::state::ics::meetings_of_ics(
        dir, organizer, zone, text,
    )?)
}

/// Runs `dms import`: one booking per event; fails (after trying all) if any was not booked.
pub fn import(args: &ImportArgs, out: &mut dyn Write) -> Result<()> {
    let remote = Remote::new(&args.cluster)?;
    let organizer = remote.resource(&args.person)?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let (specs, notes) = specs_of_ics(&remote.dir, &organizer, &text)
        .with_context(|| args.file.display().to_string())?;
    for n in notes {
        writeln!(out, "note: {n}")?;
    }
    let (mut booked, mut ignored, total) = (0, 0, specs.len());
    for mut meeting in specs {
        let meeting = &mut meeting;
        // Sync by UID and SEQUENCE, as the HTTP import: the same event again is booked
        // already, a newer one changes the meeting, an older one is left alone. A file
        // this cluster exported names a meeting that had no UID by its id.
        let existing = remote.meeting(meeting.id.as_str()).ok().or_else(|| {
            let by_uid = remote.meeting(meeting.uid.as_deref()?).ok()?;
            meeting.adopt_exported(&by_uid).then_some(by_uid)
        });
        let uid = meeting.uid.as_deref().unwrap_or_default();
        let reply = match existing {
            Some(e) if e.same_as(meeting) => {
                writeln!(out, "already booked {} (UID {uid})", meeting.id)?;
                booked += 1;
                continue;
            }
            Some(e) if meeting.sequence <= e.sequence => {
                writeln!(
                    out,
                    "ignored {} (UID {uid}): SEQUENCE {} is not newer than the booked {}",
                    meeting.id, meeting.sequence, e.sequence
                )?;
                ignored += 1;
                continue;
            }
            Some(_) => {
                let home = remote.home(&meeting.organizer)?;
                let ctx = tarpc::context::current();
                remote.block_on(home.update(ctx, meeting.clone(), args.force.into()))?
            }
            None => super::book::book(&remote, meeting, args.force)?,
        };
        match print_reply(&remote, meeting, reply, "booked", out) {
            Ok(()) => booked += 1,
            Err(e) => writeln!(out, "{}: {e:#}", meeting.id)?,
        }
    }
    writeln!(
        out,
        "imported {booked} of {total} meeting(s) from {} ({ignored} older ones ignored)",
        args.file.display()
    )?;
    anyhow::ensure!(
        booked + ignored == total,
        "{} meeting(s) not imported",
        total - booked - ignored
    );
    Ok(())
}
