//! `dms book --organizer alice --with dev,priya --start 2027-01-12T10:00 ...`: books a
//! meeting on a running cluster (`dms cluster up`) through the organizer's office node.
//! A refusal for conflicts lists them and the best alternatives, computed from every
//! involved office's free/busy; `--override` books anyway and prints the warnings.

use super::remote::{ClusterOpts, Remote};
use super::suggest::render;
use super::timearg::{parse_time_arg, TimeArg};
use super::world::short;
use crate::rpc::BookReply;
use anyhow::{bail, Result};
use engine::ids::{MeetingId, ResourceId};
use engine::recurrence::{RecurrenceSet, Rule};
use engine::state::{Attendee, MeetingSpec, Response};
use engine::time::Zone;
use std::io::Write;

/// Arguments of `dms book`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The organizer (books through their office's node).
    #[arg(long)]
    pub organizer: String,
    /// Required attendees, comma-separated.
    #[arg(long, default_value = "")]
    pub with: String,
    /// Optional attendees, comma-separated.
    #[arg(long, default_value = "")]
    pub optional: String,
    /// A room (repeatable).
    #[arg(long)]
    pub room: Vec<String>,
    /// The start; without an offset, read in the organizer's zone.
    #[arg(long, value_parser = parse_time_arg)]
    pub start: TimeArg,
    /// Length in minutes.
    #[arg(long, default_value_t = 60)]
    pub duration: i64,
    /// A recurrence (RRULE value).
    #[arg(long)]
    pub rrule: Option<String>,
    /// The title.
    #[arg(long, default_value = "Meeting")]
    pub title: String,
    /// Book over conflicts; they are recorded as warnings.
    #[arg(long = "override")]
    pub force: bool,
    /// Book a meeting that starts in the past (refused otherwise).
    #[arg(long)]
    pub past: bool,
    /// Remind the attendees this many minutes before each instance (0: no reminder for
    /// this meeting; default: each person's own lead, else their office's).
    #[arg(long, value_name = "MINUTES")]
    pub reminder: Option<u32>,
    /// Your name for the meeting, its UID (default: the organizer and the start); the
    /// node makes the meeting's id from it and the organizer, and the same name again is
    /// the same meeting.
    #[arg(long)]
    pub uid: Option<String>,
    /// Where the cluster is.
    #[command(flatten)]
    pub cluster: ClusterOpts,
}

/// Splits `alice,bob` into known people or rooms.
pub fn ids(remote: &Remote, list: &str) -> Result<Vec<ResourceId>> {
    list.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| remote.resource(s))
        .collect()
}

/// An invitee who has not answered yet.
pub fn invitee(resource: ResourceId, required: bool) -> Attendee {
    Attendee {
        resource,
        required,
        response: Response::NeedsAction,
    }
}

/// The meeting `dms book` asks for.
pub fn meeting_of(args: &Args, remote: &Remote) -> Result<MeetingSpec> {
    let organizer = remote.resource(&args.organizer)?;
    let zone = remote.dir.zone_of(&organizer)?;
    let start = args.start.resolve(zone);
    let mut recurrence = RecurrenceSet::single(zone.to_wall(start), zone);
    if let Some(r) = &args.rrule {
        recurrence
            .rrules
            .push(Rule::parse(r).map_err(|e| anyhow::anyhow!("--rrule: {e}"))?);
    }
    // `--with dev,dev,alice` with alice organizing invites dev once.
    let attendees = engine::state::meeting::invitees(
        &organizer,
        ids(remote, &args.with)?,
        ids(remote, &args.optional)?,
    );
    let uid = (args.uid.clone()).unwrap_or_else(|| format!("{organizer}-{}", start.0));
    Ok(MeetingSpec {
        id: MeetingId::default(),
        organizer,
        title: args.title.clone(),
        attendees,
        rooms: {
            let mut rooms = ids(remote, &args.room.join(","))?;
            let mut seen = std::collections::BTreeSet::new();
            rooms.retain(|r| seen.insert(r.clone()));
            rooms
        },
        duration_secs: args.duration * 60,
        recurrence,
        cancelled: Default::default(),
        expansion: Default::default(),
        uid: None,
        sequence: 0,
        overrides: Default::default(),
        reminder_minutes: args.reminder,
    }
    .named(uid))
}

/// Books `meeting` through its organizer's office.
pub fn book(remote: &Remote, meeting: &MeetingSpec, force: bool) -> Result<BookReply> {
    let home = remote.home(&meeting.organizer)?;
    let ctx = tarpc::context::current();
    Ok(remote.block_on(home.book(ctx, meeting.clone(), force.into()))?)
}

/// Runs `dms book`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let remote = Remote::new(&args.cluster)?;
    let meeting = meeting_of(args, &remote)?;
    let now = super::world::now().0;
    let (notes, past) = super::timearg::start_notes(args.start, meeting.recurrence.zone, now);
    if let Some(past) = past {
        anyhow::ensure!(args.past, "not booked: {past} (--past books it anyway)");
        writeln!(out, "warning: {past}")?;
    }
    for note in notes {
        writeln!(out, "warning: {note}")?;
    }
    // A room with fewer seats than people: refused unless --override, then a warning.
    let people = 1 + meeting.attendees.len();
    for room in meeting.rooms.iter().filter_map(|r| remote.dir.rooms.get(r)) {
        if (room.capacity as usize) < people {
            let what = format!(
                "{} seats {}; the meeting has {people} people",
                room.id, room.capacity
            );
            anyhow::ensure!(
                args.force,
                "not booked: {what} (--override books it anyway)"
            );
            writeln!(out, "warning: {what}")?;
        }
    }
    let reply = book(&remote, &meeting, args.force);
    // The same command again after an answer was lost (a crash, a cut link): if the
    // meeting as asked is there, it is booked; say so instead of "exists" or the error.
    let booked_before =
        || (remote.meeting(meeting.id.as_str()).ok()).is_some_and(|m| m.same_as(&meeting));
    match reply {
        Ok(BookReply::Refused { .. }) | Err(_) if booked_before() => {
            writeln!(
                out,
                "booked {} before (the same meeting): nothing to do",
                meeting.label()
            )?;
            Ok(())
        }
        Ok(reply) => print_reply(&remote, &meeting, reply, "booked", out),
        Err(e) => Err(unknown_outcome(&remote, &meeting, "booked", &e)),
    }
}

/// What a person is told when the organizer's office did not answer a booking or a
/// change (it crashed, or the link broke): the outcome is unknown, and how to learn it.
pub fn unknown_outcome(
    remote: &Remote,
    meeting: &MeetingSpec,
    done: &str,
    e: &anyhow::Error,
) -> anyhow::Error {
    let who = &meeting.organizer;
    let office = (remote.dir.home(who)).map_or_else(|_| "?".to_string(), |o| o.to_string());
    anyhow::anyhow!(
        "the outcome is unknown: office {office}, which acts for {who}, did not answer ({e:#}); \
         the meeting may or may not be {done}. The same command again says which (the same \
         --uid names the same meeting), as does `dms calendar --person {who}`"
    )
}

/// Prints what a booking or a change came to (conflicts with the best alternatives);
/// an error if nothing was booked.
pub fn print_reply(
    remote: &Remote,
    meeting: &MeetingSpec,
    reply: BookReply,
    done: &str,
    out: &mut dyn Write,
) -> Result<()> {
    let zone: Zone = remote.dir.zone_of(&meeting.organizer)?;
    let start = meeting.first_start();
    match reply {
        BookReply::Booked { txn, overridden } => {
            writeln!(
                out,
                "{done} {} at {} (transaction {txn})",
                meeting.label(),
                short(start, zone)
            )?;
            for c in overridden {
                writeln!(
                    out,
                    "warning: {} double-booked with {}",
                    c.resource,
                    remote.label(&c.with_meeting)
                )?;
            }
            Ok(())
        }
        BookReply::Refused { why } => bail!("not {done}: {why}"),
        BookReply::Unavailable { why, .. } => bail!("not {done}, for now: {why}; try again"),
        BookReply::Uncertain { why } => bail!("maybe {done}, maybe not: {why}"),
        BookReply::Conflicts {
            conflicts,
            alternatives,
        } => {
            writeln!(out, "not {done}: {} conflict(s)", conflicts.len())?;
            for c in &conflicts {
                writeln!(
                    out,
                    "  {} is taken by {} at {}",
                    c.resource,
                    remote.label(&c.with_meeting),
                    short(c.with_interval.start, zone)
                )?;
            }
            match alternatives {
                Some(a) => writeln!(
                    out,
                    "\nbest alternatives:\n{}",
                    render(&a, &remote.dir, zone)
                )?,
                None => writeln!(out, "\n(no alternatives: an office did not answer)")?,
            }
            writeln!(
                out,
                "(pick one of them, or repeat with --override to book anyway)"
            )?;
            bail!("not {done}: conflicts")
        }
    }
}
