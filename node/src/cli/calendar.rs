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
use engine::ids::{MeetingId, ResourceId};
use engine::state::{Attendee, MeetingSpec, Response};
use std::io::Write;
use std::path::PathBuf;

/// The domain of the addresses in exported files.
pub const MAIL_DOMAIN: &str = "dms.example";

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

/// A meeting as a VEVENT.
pub fn event_of(m: &MeetingSpec) -> Event {
    let addr = |r: &ResourceId| format!("mailto:{r}@{MAIL_DOMAIN}");
    let mut recurrence = m.recurrence.clone();
    recurrence.exdates.extend(m.cancelled.iter().copied());
    Event {
        uid: m.uid.clone().unwrap_or_else(|| m.id.to_string()),
        summary: Some(m.title.clone()),
        description: None,
        location: m.rooms.first().map(|r| r.to_string()),
        organizer: Some(addr(&m.organizer)),
        // Roles and answers go out as ROLE and PARTSTAT; rooms as required attendees.
        attendees: (m.attendees.iter())
            .map(|a| engine::ical::Invitee {
                address: addr(&a.resource),
                optional: !a.required,
                partstat: Some(partstat(a.response).into()),
            })
            .chain(m.rooms.iter().map(|r| engine::ical::Invitee::new(addr(r))))
            .collect(),
        status: Some("CONFIRMED".into()),
        sequence: m.sequence,
        all_day: false,
        transparent: false,
        duration_secs: m.duration_secs,
        recurrence,
        recurrence_id: None,
        line: 0,
    }
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
        let events: Vec<Event> = meetings.iter().map(event_of).collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        write!(
            out,
            "{}",
            export_events_at(&events, engine::time::Instant(now))
        )?;
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
            short(m.recurrence.start(), zone),
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

/// An answer as iCalendar's PARTSTAT.
fn partstat(r: Response) -> &'static str {
    match r {
        Response::NeedsAction => "NEEDS-ACTION",
        Response::Accepted => "ACCEPTED",
        Response::Declined => "DECLINED",
        Response::Tentative => "TENTATIVE",
    }
}

/// A PARTSTAT as an answer (anything else, or none: not answered yet).
fn response_of(partstat: Option<&str>) -> Response {
    match partstat {
        Some("ACCEPTED") => Response::Accepted,
        Some("DECLINED") => Response::Declined,
        Some("TENTATIVE") => Response::Tentative,
        _ => Response::NeedsAction,
    }
}

/// The meetings an iCalendar text describes, each organized by `organizer`: one per
/// series that is not cancelled (named by its UID, [`MeetingSpec::name`];
/// floating times in the organizer's zone); attendees the directory knows become
/// attendees or rooms, the others are left off with a note each.
pub fn specs_of_ics(
    dir: &engine::office::Directory,
    organizer: &ResourceId,
    text: &str,
) -> Result<(Vec<MeetingSpec>, Vec<String>)> {
    // One event that does not read is reported, and the file's others are still booked.
    let (series, mut bad) = engine::ical::parse_series_each(text)?;
    if series.is_empty() && !bad.is_empty() {
        return Err(bad.remove(0).into());
    }
    let zone = dir.zone_of(organizer)?;
    let (mut specs, mut notes) = (Vec::new(), Vec::new());
    for e in bad {
        notes.push(format!("{e}; that event was left out"));
    }
    for s in &series {
        let Some(master) = &s.master else {
            continue;
        };
        if master.is_cancelled() {
            continue;
        }
        // A transparent event takes no one's time (a birthday, a holiday marker): it is
        // not booked, and the note says so.
        if master.transparent {
            notes.push(format!(
                "{}: TRANSP:TRANSPARENT takes no time; not booked",
                s.uid
            ));
            continue;
        }
        let mut recurrence = master.recurrence.clone();
        if recurrence.zone == engine::time::Zone::Floating {
            recurrence.zone = zone;
        }
        // Overrides (RECURRENCE-ID): a moved instance leaves its original start (EXDATE)
        // for its new one (RDATE); a cancelled one is left out. (A moved instance keeps
        // the series' length and people.)
        for ov in &s.overrides {
            let Some(original) = ov.recurrence_id else {
                continue;
            };
            let moved_to = ov.recurrence.start();
            if ov.is_cancelled() {
                recurrence.exdates.push(original);
            } else if moved_to != original {
                recurrence.exdates.push(original);
                recurrence.rdates.push(moved_to);
            }
        }
        let mut attendees = Vec::new();
        let mut rooms = Vec::new();
        for a in &master.attendees {
            let address = &a.address;
            let local = address.rsplit(':').next().unwrap_or(address);
            let id = ResourceId::new(local.split('@').next().unwrap_or(local));
            if dir.rooms.contains_key(&id) {
                rooms.push(id);
            } else if dir.people.contains_key(&id) && id != *organizer {
                attendees.push(Attendee {
                    resource: id,
                    required: !a.optional,
                    response: response_of(a.partstat.as_deref()),
                });
            } else if id != *organizer {
                notes.push(format!(
                    "{address} is not in the company; left off {}",
                    s.uid
                ));
            }
        }
        specs.push(MeetingSpec {
            id: MeetingId::made(organizer, &s.uid),
            organizer: organizer.clone(),
            title: master.summary.clone().unwrap_or_default(),
            attendees,
            rooms,
            duration_secs: master.duration_secs,
            recurrence,
            cancelled: Default::default(),
            expansion: Default::default(),
            uid: Some(s.uid.clone()),
            sequence: master.sequence,
        });
    }
    Ok((specs, notes))
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
    for meeting in &specs {
        // Sync by UID and SEQUENCE, as the HTTP import: the same event again is booked
        // already, a newer one changes the meeting, an older one is left alone.
        let existing = remote.meeting(meeting.id.as_str()).ok();
        let uid = meeting.uid.as_deref().unwrap_or_default();
        let reply = match existing {
            Some(e) if crate::http::meetings::same_meeting(&e, meeting) => {
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
