//! `dms suggest --required alice,dev --duration 60 [...]`: the best times, ranked by the
//! engine's documented score, each with every attendee's local time and the reasons; or,
//! when there is none, why. With `--cluster`, a node computes them from every office's
//! free/busy.

use super::table::Table;
use super::timearg::{parse_time_arg, TimeArg};
use super::world::{resources, short, Common};
use crate::sample::World;
use anyhow::{Context, Result};
use engine::calendar::Interval;
use engine::ids::{OfficeId, ResourceId};
use engine::office::Directory;
use engine::recurrence::Rule;
use engine::suggest::{suggest, RoomRequest, SuggestRequest, Suggestions};
use engine::time::format::rfc3339_in;
use engine::time::Zone;
use serde_json::json;
use std::io::Write;

/// Arguments of `dms suggest`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Required attendees, comma-separated ids.
    #[arg(long)]
    pub required: String,
    /// Optional attendees.
    #[arg(long, default_value = "")]
    pub optional: String,
    /// Meeting length in minutes.
    #[arg(long, default_value_t = 60)]
    pub duration: i64,
    /// A room id, or `any` for the best free room that fits.
    #[arg(long)]
    pub room: Option<String>,
    /// With `--room any`: seats needed (default: the number of attendees).
    #[arg(long)]
    pub capacity: Option<u32>,
    /// With `--room any`: an amenity the room must have (repeatable).
    #[arg(long)]
    pub amenity: Vec<String>,
    /// With `--room any`: the office the room must be in.
    #[arg(long)]
    pub room_office: Option<String>,
    /// The preferred start.
    #[arg(long, value_parser = parse_time_arg)]
    pub prefer: Option<TimeArg>,
    /// How many candidates.
    #[arg(long, default_value_t = 5)]
    pub max: usize,
    /// Minutes between candidate starts.
    #[arg(long, default_value_t = 15)]
    pub granularity: i64,
    /// A recurrence (RRULE value, e.g. FREQ=WEEKLY;COUNT=8): candidates must suit every instance.
    #[arg(long)]
    pub rrule: Option<String>,
    /// Only times inside every required attendee's working hours.
    #[arg(long)]
    pub working_hours_only: bool,
    /// Share of required attendees that must be free (0..1).
    #[arg(long, default_value_t = 1.0)]
    pub min_attendance: f64,
    /// Window, zone, data and output options.
    #[command(flatten)]
    pub common: Common,
}

/// Builds the engine's request from the arguments.
pub fn request(args: &Args, w: &World, zone: Zone, window: Interval) -> Result<SuggestRequest> {
    let required = resources(w, &args.required)?;
    let mut req = SuggestRequest::new(required, args.duration * 60, window);
    req.optional = resources(w, &args.optional)?;
    req.granularity_secs = args.granularity * 60;
    req.max_candidates = args.max;
    req.min_attendance = args.min_attendance;
    req.working_hours_only = args.working_hours_only;
    req.preferred = args.prefer.map(|p| p.resolve(zone));
    req.zone = Some(zone);
    req.recurrence = args
        .rrule
        .as_deref()
        .map(Rule::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--rrule: {e}"))?;
    req.room = match args.room.as_deref() {
        None => None,
        Some("any") => Some(RoomRequest::Any {
            min_capacity: args.capacity,
            amenities: args.amenity.iter().cloned().collect(),
            office: args.room_office.as_deref().map(OfficeId::new),
        }),
        Some(id) => Some(RoomRequest::Specific(ResourceId::new(id))),
    };
    Ok(req)
}

/// Runs `dms suggest`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let w = args.common.world()?;
    let first = resources(&w, &args.required)?.into_iter().next();
    let zone = args.common.zone(&w, first.as_ref())?;
    let window = args.common.window(zone)?;
    let req = request(args, &w, zone, window)?;
    let answer = match args.common.remote()? {
        Some(remote) => {
            let node = remote.home(first.as_ref().context("--required is empty")?)?;
            remote
                .block_on(node.suggest(tarpc::context::current(), req))?
                .map_err(anyhow::Error::msg)?
        }
        None => suggest(&req, &w.dir, &w)?,
    };
    if args.common.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&to_json(&answer, zone))?
        )?;
    } else {
        write!(out, "{}", render(&answer, &w.dir, zone))?;
    }
    Ok(())
}

/// The answer as JSON, times in `zone`.
pub fn to_json(a: &Suggestions, zone: Zone) -> serde_json::Value {
    json!({
        "zone": zone.name(),
        "slots_considered": a.slots_considered,
        "empty_reason": a.empty_reason,
        "candidates": a.candidates.iter().map(|c| json!({
            "start": rfc3339_in(c.start, zone),
            "end": rfc3339_in(c.end, zone),
            "score": c.score,
            "parts": c.parts,
            "required_free": c.required_free,
            "room": c.room,
            "instances": c.instances.as_ref().map(|f| json!({"ok": f.ok, "total": f.total, "failing": f.failing.iter().map(|t| rfc3339_in(*t, zone)).collect::<Vec<_>>()})),
            "attendees": c.attendees,
            "reasons": c.reasons,
        })).collect::<Vec<_>>(),
    })
}

/// The answer as a table with reasons, times in `zone`.
pub fn render(a: &Suggestions, dir: &Directory, zone: Zone) -> String {
    let mut s = String::new();
    for note in &a.unavailable {
        s.push_str(&format!("note: {note}\n"));
    }
    if let Some(why) = &a.empty_reason {
        s.push_str(&format!(
            "No time found among {} candidate starts: {why}\n",
            a.slots_considered
        ));
        return s;
    }
    let mut t = Table::new(&["#", "start", "end", "score", "room"]);
    for (i, c) in a.candidates.iter().enumerate() {
        t.row(vec![
            (i + 1).to_string(),
            short(c.start, zone),
            short(c.end, zone),
            format!("{:.1}", c.score),
            c.room
                .as_ref()
                .map(|r| dir.name_of(r))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    s.push_str(&t.render());
    for (i, c) in a.candidates.iter().enumerate() {
        s.push_str(&format!("\n#{} {}\n", i + 1, short(c.start, zone)));
        for r in &c.reasons {
            s.push_str(&format!("   - {r}\n"));
        }
        let locals: Vec<String> = c
            .attendees
            .iter()
            .map(|a| format!("{} {}", a.resource, a.local_start.get(11..16).unwrap_or("")))
            .collect();
        s.push_str(&format!("   local times: {}\n", locals.join(", ")));
    }
    s
}
