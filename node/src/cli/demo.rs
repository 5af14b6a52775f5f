//! `dms demo [--report FILE]`: the main job of the README's first command, on the embedded
//! sample company: the product's headline recurrence expanded for 2026-2028, free/busy
//! across four offices, ranked suggestions for a meeting spanning them, a booking that
//! conflicts (with its conflicts and the best alternatives), the alternative booked, and
//! the organizer's override recorded with its warnings.

use super::suggest::render;
use super::world::short;
use crate::sample::{Booking, World};
use anyhow::{Context, Result};
use engine::calendar::Interval;
use engine::ical::parse_series;
use engine::ids::{MeetingId, ResourceId};
use engine::recurrence::{RecurrenceSet, Rule};
use engine::state::{Attendee, MeetingSpec, Response};
use engine::suggest::{suggest, RoomRequest, SuggestRequest};
use engine::time::format::rfc3339_in;
use engine::time::{Disambiguation, Instant, Wall, Zone};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `dms demo`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Also write the report (Markdown) to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Also run a local cluster of office nodes (`dms-node` processes on 127.0.0.1, ports
    /// from `--base-port`), book through it, and stop it.
    #[arg(long)]
    pub cluster: bool,
    /// With `--cluster`: the first port.
    #[arg(long, default_value_t = 7201)]
    pub base_port: u16,
}

fn at(zone: Zone, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Instant {
    zone.to_instant(
        Wall::from_ymd_hms(y, mo, d, h, mi, 0),
        Disambiguation::Compatible,
    )
    .unwrap_or(Instant(0))
}

/// Runs the demo and returns its report.
pub fn report() -> Result<String> {
    let mut w = World::sample()?;
    let ny = w.dir.zone_of(&ResourceId::new("alice"))?;
    let mut s = String::new();
    writeln!(s, "# dms demo\n")?;
    let offices: Vec<String> = w
        .dir
        .offices
        .values()
        .map(|o| format!("{} ({})", o.name, o.zone))
        .collect();
    writeln!(
        s,
        "Sample company: {} people and {} rooms in {}.\n",
        w.dir.people.len(),
        w.dir.rooms.len(),
        offices.join(", ")
    )?;

    headline(&mut s)?;
    other_patterns(&mut s, &w)?;

    let week = Interval::new(at(ny, 2026, 12, 7, 0, 0), at(ny, 2026, 12, 12, 0, 0));
    writeln!(s, "## Free/busy, sample week (times in {ny})\n")?;
    for who in ["alice", "dev", "priya", "tom"] {
        let r = ResourceId::new(who);
        let fb = w
            .home_state(&r)
            .and_then(|st| st.free_busy(&r, week))
            .context("free/busy")?;
        let busy: Vec<String> = fb
            .busy
            .iter()
            .map(|p| {
                format!(
                    "{}..{}",
                    short(p.interval.start, ny),
                    &short(p.interval.end, ny)[11..16]
                )
            })
            .collect();
        writeln!(
            s,
            "- {} ({}): {}",
            w.dir.name_of(&r),
            w.dir.home(&r)?,
            busy.join("; ")
        )?;
    }

    writeln!(
        s,
        "\n## Suggestions: one hour, New York + London + Bangalore + Sydney\n"
    )?;
    writeln!(s, "Required alice, dev, priya, tom; optional emma, uma (on leave until Friday); any New York room with video.\n")?;
    let ids = |v: &[&str]| v.iter().map(|x| ResourceId::new(*x)).collect::<Vec<_>>();
    let mut req = SuggestRequest::new(ids(&["alice", "dev", "priya", "tom"]), 3600, week);
    req.optional = ids(&["emma", "uma"]);
    req.room = Some(RoomRequest::Any {
        min_capacity: None,
        amenities: ["video".to_string()].into(),
        office: Some("ny".into()),
    });
    req.max_candidates = 3;
    writeln!(
        s,
        "```\n{}```\n",
        render(&suggest(&req, &w.dir, &w)?, &w.dir, ny)
    )?;

    conflict_and_override(&mut s, &mut w, ny, week)?;
    recurring_suggestion(&mut s, &w, ny)?;
    Ok(s)
}

fn headline(s: &mut String) -> Result<()> {
    writeln!(s, "## The headline recurrence\n")?;
    writeln!(s, "*The third Wednesday of every month, except in December, but including the second-to-last Friday in November*, New York, 10:00. From `node/sample/calendars/ny.ics`:\n")?;
    let ics = crate::sample::SAMPLE_CALENDARS
        .iter()
        .find(|(n, _)| *n == "ny.ics")
        .map(|(_, t)| *t)
        .unwrap_or_default();
    let series = parse_series(ics)?;
    let review = series
        .iter()
        .find(|x| x.uid == "product-review")
        .context("product-review")?;
    let m = review.master.as_ref().context("master")?;
    writeln!(s, "```")?;
    for r in &m.recurrence.rrules {
        writeln!(s, "RRULE:{r}")?;
    }
    for r in &m.recurrence.exrules {
        writeln!(s, "EXRULE:{r}")?;
    }
    writeln!(s, "```\n")?;
    let zone = m.recurrence.zone;
    let all = review.first_instances(
        at(zone, 2026, 1, 1, 0, 0),
        Some(at(zone, 2029, 1, 1, 0, 0)),
        usize::MAX,
    )?;
    writeln!(
        s,
        "{} instances in 2026-2028 (no December; two in each November):\n",
        all.len()
    )?;
    writeln!(s, "```")?;
    for chunk in all.chunks(4) {
        let line: Vec<String> = chunk.iter().map(|i| rfc3339_in(i.start, zone)).collect();
        writeln!(s, "{}", line.join("  "))?;
    }
    writeln!(s, "```\n")?;
    Ok(())
}

fn other_patterns(s: &mut String, w: &World) -> Result<()> {
    writeln!(s, "## Other patterns\n")?;
    let cases = [
        (
            "every other Tuesday, London",
            "dev",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            (2026, 1, 6, 11, 0),
        ),
        (
            "the first Friday of each month, Bangalore",
            "priya",
            "FREQ=MONTHLY;BYDAY=1FR",
            (2026, 1, 2, 16, 0),
        ),
        (
            "the last weekday of each month, Sydney",
            "tom",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            (2026, 1, 30, 9, 0),
        ),
    ];
    for (name, who, rule, (y, mo, d, h, mi)) in cases {
        let zone = w.dir.zone_of(&ResourceId::new(who))?;
        let set = RecurrenceSet::with_rule(
            Wall::from_ymd_hms(y, mo, d, h, mi, 0),
            zone,
            Rule::parse(rule)?,
        );
        let next: Vec<String> = set
            .first_n(Some(at(zone, 2026, 11, 23, 0, 0)), 6)?
            .iter()
            .map(|o| rfc3339_in(o.start, zone))
            .collect();
        writeln!(s, "- {name} (`{rule}`): {}", next.join(", "))?;
    }
    writeln!(s)?;
    Ok(())
}

fn design_review(ny: Zone, start: Instant, id: &str) -> MeetingSpec {
    let attendee = |r: &str| Attendee {
        resource: ResourceId::new(r),
        required: true,
        response: Response::NeedsAction,
    };
    MeetingSpec {
        id: MeetingId::default(),
        organizer: ResourceId::new("alice"),
        title: "Design review".into(),
        attendees: vec![attendee("dev"), attendee("emma")],
        rooms: vec![ResourceId::new("london-thames")],
        duration_secs: 3600,
        recurrence: RecurrenceSet::single(ny.to_wall(start), ny),
        cancelled: Default::default(),
        expansion: Default::default(),
        uid: None,
        sequence: 0,
        overrides: Default::default(),
        reminder_minutes: None,
    }
    .named(id)
}

fn conflict_and_override(s: &mut String, w: &mut World, ny: Zone, week: Interval) -> Result<()> {
    writeln!(s, "## A booking that conflicts\n")?;
    let wanted = at(ny, 2026, 12, 8, 10, 0);
    writeln!(
        s,
        "Alice books *Design review* with dev and emma in London's Thames room, {}.\n",
        short(wanted, ny)
    )?;
    let spec = design_review(ny, wanted, "design-review");
    match w.book(&spec, false)? {
        Booking::Conflicts(cs) => {
            writeln!(s, "Refused, nothing booked anywhere. Conflicts:\n")?;
            for c in &cs {
                writeln!(
                    s,
                    "- {} is taken by `{}` {}..{}",
                    c.resource,
                    w.label(&c.with_meeting),
                    short(c.with_interval.start, ny),
                    &short(c.with_interval.end, ny)[11..16]
                )?;
            }
        }
        Booking::Booked { .. } => writeln!(s, "Unexpectedly booked.")?,
    }
    let people = std::iter::once(spec.organizer.clone())
        .chain(spec.attendees.iter().map(|a| a.resource.clone()))
        .collect();
    let mut req = SuggestRequest::new(people, 3600, week);
    req.room = Some(RoomRequest::Specific(ResourceId::new("london-thames")));
    req.preferred = Some(wanted);
    req.max_candidates = 3;
    let alternatives = suggest(&req, &w.dir, &*w)?;
    writeln!(
        s,
        "\nThe best alternatives, nearest the wanted time first among equals:\n\n```\n{}```\n",
        render(&alternatives, &w.dir, ny)
    )?;
    if let Some(best) = alternatives.candidates.first() {
        let booked = w.book(&design_review(ny, best.start, "design-review"), false)?;
        writeln!(
            s,
            "Alice takes #1, {}: {}.\n",
            short(best.start, ny),
            if matches!(booked, Booking::Booked { .. }) {
                "booked in New York and London at once"
            } else {
                "refused"
            }
        )?;
    }
    writeln!(s, "## An override\n")?;
    writeln!(
        s,
        "Alice insists on a second meeting at {} and overrides:\n",
        short(wanted, ny)
    )?;
    if let Booking::Booked { overridden } =
        w.book(&design_review(ny, wanted, "design-review-2"), true)?
    {
        writeln!(
            s,
            "Booked with {} warning(s), recorded at each office:\n",
            overridden.len()
        )?;
        for c in &overridden {
            writeln!(
                s,
                "- warning: {} double-booked with `{}`",
                c.resource,
                w.label(&c.with_meeting)
            )?;
        }
    }
    let recorded: usize = w.offices.values().map(|o| o.overrides().len()).sum();
    writeln!(s, "\nOverride records across offices: {recorded}.\n")?;
    Ok(())
}

fn recurring_suggestion(s: &mut String, w: &World, ny: Zone) -> Result<()> {
    writeln!(s, "## A recurring proposal\n")?;
    writeln!(s, "Weekly for 8 weeks, alice + dev + farid, 45 minutes, only inside everyone's working hours; every instance is checked.\n")?;
    let window = Interval::new(at(ny, 2026, 12, 7, 0, 0), at(ny, 2026, 12, 12, 0, 0));
    let mut req = SuggestRequest::new(
        ["alice", "dev", "farid"]
            .iter()
            .map(|x| ResourceId::new(*x))
            .collect(),
        45 * 60,
        window,
    );
    req.recurrence = Some(Rule::parse("FREQ=WEEKLY;COUNT=8")?);
    req.working_hours_only = true;
    req.max_candidates = 3;
    req.zone = Some(ny);
    writeln!(
        s,
        "```\n{}```",
        render(&suggest(&req, &w.dir, w)?, &w.dir, ny)
    )?;
    Ok(())
}

/// The cluster part of the demo: nodes up with the sample calendars, a booking refused
/// for conflicts with its alternatives, the best alternative booked, an override, the
/// nodes' health, nodes down.
fn cluster_report(base_port: u16) -> Result<String> {
    use super::{book, cluster};
    let root = PathBuf::from("target/dms-demo-cluster");
    let mut s = String::from("\n## The same company on a real cluster\n\n");
    let _ = cluster::run(
        &cluster::Args {
            action: "down".into(),
            offices: 4,
            root: root.clone(),
            base_port,
            empty: false,
            plain: false,
            company: None,
        },
        &mut Vec::new(),
    );
    let _ = std::fs::remove_dir_all(&root);
    let mut buf = Vec::new();
    let up = cluster::Args {
        action: "up".into(),
        offices: 4,
        root: root.clone(),
        base_port,
        empty: false,
        plain: false,
        company: None,
    };
    cluster::run(&up, &mut buf)?;
    let result = (|| -> Result<()> {
        use super::remote::{ClusterOpts, Remote};
        use super::{calendar, cancel, respond, update};
        let ny = Zone::parse("America/New_York")?;
        let wanted = at(ny, 2026, 12, 8, 10, 0);
        let cluster = ClusterOpts::under(&root, base_port);
        let remote = Remote::new(&cluster)?;
        let (review, review_2) = ("alice/design-review", "alice/design-review-2");
        let args = |id: &str, start: Instant, force: bool| book::Args {
            organizer: "alice".into(),
            with: "dev,emma".into(),
            optional: String::new(),
            room: vec!["london-thames".into()],
            start: super::timearg::TimeArg::Instant(start),
            duration: 60,
            rrule: None,
            title: "Design review".into(),
            force,
            // The demo's week is pinned (the sample week), past or not.
            past: true,
            reminder: None,
            uid: Some(id.into()),
            cluster: cluster.clone(),
        };
        writeln!(buf, "\n$ dms book --uid design-review --organizer alice --with dev,emma --room london-thames --start 2026-12-08T10:00")?;
        let first = book::meeting_of(&args("design-review", wanted, false), &remote)?;
        let reply = book::book(&remote, &first, false)?;
        let best = match &reply {
            crate::rpc::BookReply::Conflicts { alternatives, .. } => alternatives
                .as_ref()
                .and_then(|a| a.candidates.first().map(|c| c.start)),
            _ => None,
        };
        if let Err(e) = book::print_reply(&remote, &first, reply, "booked", &mut buf) {
            writeln!(buf, "dms: {e}")?;
        }
        if let Some(best) = best {
            writeln!(
                buf,
                "\n$ dms book ... --start {}   (the best alternative)",
                short(best, ny)
            )?;
            book::run(&args("design-review", best, false), &mut buf)?;
        }
        writeln!(
            buf,
            "\n$ dms book ... --uid design-review-2 --start 2026-12-08T10:00 --override"
        )?;
        book::run(&args("design-review-2", wanted, true), &mut buf)?;
        writeln!(buf, "\n$ dms respond decline --id {review} --as emma")?;
        respond::run(
            &respond::Args {
                answer: "decline".into(),
                id: review.into(),
                who: "emma".into(),
                cluster: cluster.clone(),
            },
            &mut buf,
        )?;
        writeln!(buf, "\n$ dms update --id {review} --add priya")?;
        update::run(
            &update::Args {
                id: review.into(),
                instance: None,
                following: None,
                start: None,
                duration: None,
                add: "priya".into(),
                remove: String::new(),
                room: vec![],
                force: false,
                cluster: cluster.clone(),
            },
            &mut buf,
        )?;
        writeln!(buf, "\n$ dms cancel --id {review_2}")?;
        cancel::run(
            &cancel::Args {
                id: review_2.into(),
                instance: None,
                from: None,
                cluster: cluster.clone(),
            },
            &mut buf,
        )?;
        writeln!(
            buf,
            "\n$ dms calendar --person dev --from 2026-12-07 --to 2026-12-12"
        )?;
        let day = |d| super::timearg::TimeArg::Instant(at(ny, 2026, 12, d, 0, 0));
        calendar::run(
            &calendar::Args {
                person: "dev".into(),
                from: Some(day(7)),
                to: Some(day(12)),
                ics: false,
                cluster: cluster.clone(),
            },
            &mut buf,
        )?;
        writeln!(
            buf,
            "\n# The HTTP/JSON API of the same cluster (New York's node):"
        )?;
        super::demo_http::session(&root, base_port, &mut buf)?;
        // Deliveries and notifications go out in the background: give them a moment.
        std::thread::sleep(std::time::Duration::from_millis(1500));
        writeln!(buf, "\n$ dms cluster status")?;
        cluster::run(
            &cluster::Args {
                action: "status".into(),
                offices: 4,
                root: root.clone(),
                base_port,
                empty: false,
                plain: false,
                company: None,
            },
            &mut buf,
        )?;
        Ok(())
    })();
    cluster::run(
        &cluster::Args {
            action: "down".into(),
            offices: 4,
            root,
            base_port,
            empty: false,
            plain: false,
            company: None,
        },
        &mut buf,
    )?;
    result?;
    s.push_str("```\n");
    s.push_str(&String::from_utf8_lossy(&buf));
    s.push_str("```\n");
    Ok(s)
}

/// Runs `dms demo`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let mut text = report()?;
    if args.cluster {
        text.push_str(&cluster_report(args.base_port)?);
    }
    out.write_all(text.as_bytes())?;
    if let Some(path) = &args.report {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
        writeln!(out, "\nReport written to {}", path.display())?;
    }
    Ok(())
}
