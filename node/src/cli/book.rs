//! `dms book --organizer alice --with dev,priya --start 2027-01-12T10:00 ...`: books a
//! meeting on a running cluster (`dms cluster up`) through the organizer's office node.
//! A refusal for conflicts lists them and the best alternatives, computed from every
//! involved office's free/busy; `--override` books anyway and prints the warnings.

use super::suggest::render;
use super::timearg::{parse_time_arg, TimeArg};
use super::world::short;
use crate::config::{sample_peers, DEFAULT_BASE_PORT};
use crate::rpc::{connect, BookReply};
use crate::sample::{parse_directory, SAMPLE_OFFICES};
use anyhow::{bail, Context, Result};
use engine::calendar::{BusyStatus, Interval};
use engine::ids::{MeetingId, ResourceId};
use engine::office::Directory;
use engine::recurrence::{RecurrenceSet, Rule};
use engine::state::{Attendee, MeetingSpec, Response};
use engine::suggest::{suggest, BusySource, RoomRequest, SuggestRequest};
use std::collections::BTreeMap;
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
    /// The meeting's id (default: made from the organizer and the start).
    #[arg(long)]
    pub id: Option<String>,
    /// The cluster's first port.
    #[arg(long, default_value_t = DEFAULT_BASE_PORT)]
    pub base_port: u16,
}

/// Busy time read from the offices' free/busy answers.
struct Fetched(BTreeMap<ResourceId, Vec<(Interval, BusyStatus)>>);

impl BusySource for Fetched {
    fn busy(&self, r: &ResourceId, window: Interval) -> Vec<(Interval, BusyStatus)> {
        self.0
            .get(r)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|(iv, _)| iv.overlaps(&window))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn ids(dir: &Directory, list: &str) -> Result<Vec<ResourceId>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let id = ResourceId::new(s);
            dir.home(&id)
                .with_context(|| format!("unknown person or room {s:?}"))?;
            Ok(id)
        })
        .collect()
}

/// Runs `dms book`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let dir = parse_directory(SAMPLE_OFFICES)?;
    let organizer = ids(&dir, &args.organizer)?
        .into_iter()
        .next()
        .context("--organizer is empty")?;
    let zone = dir.zone_of(&organizer)?;
    let start = args.start.resolve(zone);
    let mut recurrence = RecurrenceSet::single(zone.to_wall(start), zone);
    if let Some(r) = &args.rrule {
        recurrence
            .rrules
            .push(Rule::parse(r).map_err(|e| anyhow::anyhow!("--rrule: {e}"))?);
    }
    let attendee = |r: ResourceId, required: bool| Attendee {
        resource: r,
        required,
        response: Response::NeedsAction,
    };
    let mut attendees: Vec<Attendee> = ids(&dir, &args.with)?
        .into_iter()
        .map(|r| attendee(r, true))
        .collect();
    attendees.extend(
        ids(&dir, &args.optional)?
            .into_iter()
            .map(|r| attendee(r, false)),
    );
    let rooms = ids(&dir, &args.room.join(","))?;
    let meeting = MeetingSpec {
        id: MeetingId::new(
            args.id
                .clone()
                .unwrap_or_else(|| format!("{organizer}-{}", start.0)),
        ),
        organizer: organizer.clone(),
        title: args.title.clone(),
        attendees,
        rooms,
        duration_secs: args.duration * 60,
        recurrence,
        cancelled: Default::default(),
    };
    let peers = sample_peers(&dir, args.base_port);
    let rt = tokio::runtime::Runtime::new()?;
    let home = dir.home(&organizer)?.clone();
    let reply = rt.block_on(async {
        let client = connect(peers[&home]).await.with_context(|| {
            format!(
                "office {home} at {} is not running (dms cluster up)",
                peers[&home]
            )
        })?;
        client
            .book(tarpc::context::current(), meeting.clone(), args.force)
            .await
            .context("booking")
    })?;
    match reply {
        BookReply::Booked { txn, overridden } => {
            writeln!(
                out,
                "booked {} at {} (transaction {txn})",
                meeting.id,
                short(start, zone)
            )?;
            for c in overridden {
                writeln!(
                    out,
                    "warning: {} double-booked with {}",
                    c.resource, c.with_meeting
                )?;
            }
        }
        BookReply::Refused { why } => bail!("not booked: {why}"),
        BookReply::Conflicts { conflicts } => {
            writeln!(out, "not booked: {} conflict(s)", conflicts.len())?;
            for c in &conflicts {
                writeln!(
                    out,
                    "  {} is taken by {} at {}",
                    c.resource,
                    c.with_meeting,
                    short(c.with_interval.start, zone)
                )?;
            }
            let alternatives = rt.block_on(alternatives(&dir, &peers, &meeting, start))?;
            writeln!(
                out,
                "\nbest alternatives:\n{}",
                render(&alternatives, &dir, zone)
            )?;
            writeln!(
                out,
                "(book one of them, or repeat with --override to book anyway)"
            )?;
        }
    }
    Ok(())
}

/// Ranked alternatives from a day before to four days after the wanted start, from every
/// involved office's free/busy.
pub async fn alternatives(
    dir: &Directory,
    peers: &BTreeMap<engine::ids::OfficeId, std::net::SocketAddr>,
    meeting: &MeetingSpec,
    start: engine::time::Instant,
) -> Result<engine::suggest::Suggestions> {
    let window = Interval::new(start.plus_secs(-86_400), start.plus_secs(4 * 86_400));
    let pad = Interval::new(
        window.start.plus_secs(-86_400),
        window.end.plus_secs(86_400),
    );
    let mut by_office: BTreeMap<engine::ids::OfficeId, Vec<ResourceId>> = BTreeMap::new();
    for r in meeting.resources() {
        by_office.entry(dir.home(&r)?.clone()).or_default().push(r);
    }
    let mut busy = BTreeMap::new();
    for (office, resources) in by_office {
        let client = connect(peers[&office]).await?;
        let answer = client
            .free_busy(tarpc::context::current(), resources, pad)
            .await?
            .map_err(anyhow::Error::msg)?;
        for fb in answer {
            busy.insert(
                fb.resource.clone(),
                fb.busy.iter().map(|p| (p.interval, p.status)).collect(),
            );
        }
    }
    let required: Vec<ResourceId> = std::iter::once(meeting.organizer.clone())
        .chain(
            meeting
                .attendees
                .iter()
                .filter(|a| a.required)
                .map(|a| a.resource.clone()),
        )
        .collect();
    let mut req = SuggestRequest::new(required, meeting.duration_secs, window);
    req.optional = meeting
        .attendees
        .iter()
        .filter(|a| !a.required)
        .map(|a| a.resource.clone())
        .collect();
    req.room = meeting.rooms.first().cloned().map(RoomRequest::Specific);
    req.preferred = Some(start);
    req.max_candidates = 3;
    Ok(suggest(&req, dir, &Fetched(busy))?)
}
