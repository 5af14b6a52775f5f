//! Calendars as they are when a run starts: every person and room busy for its share
//! of the working day (its office's `busy`, one share or drawn from a range), as
//! standing blocks on a half-hour grid of the working hours outside lunch, repeated on
//! every weekday of the run's days but the office's holidays. A block is a meeting of its resource alone
//! (named `standing-{resource}-{n}`, organized by the resource, no other attendees, so it
//! notifies nobody), a weekly series on Monday to Friday, its office's holidays left out
//! (EXDATEs). Seeded by the file's seed:
//! the same file gives the same calendars in the simulator and on a real cluster.

use crate::validate::Scenario;
use crate::world::World;
use engine::ids::{OfficeId, ResourceId};
use engine::recurrence::Rule;
use engine::state::MeetingSpec;
use engine::time::civil::{days_from_civil, weekday_of_days, Weekday};
use engine::time::{Disambiguation, Instant, Wall};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

/// The grid blocks are placed on, in minutes.
pub const GRID_MIN: u32 = 30;

/// Every resource's standing blocks, as minutes after local midnight `[start, end)`.
pub type Blocks = BTreeMap<ResourceId, Vec<(u32, u32)>>;

/// The half-hour slots of working time outside lunch: each slot's first minute.
fn slots(hours: (u32, u32), lunch: Option<(u32, u32)>) -> Vec<u32> {
    (hours.0..hours.1)
        .step_by(GRID_MIN as usize)
        .filter(|t| t + GRID_MIN <= hours.1)
        .filter(|t| lunch.is_none_or(|(a, b)| t + GRID_MIN <= a || *t >= b))
        .collect()
}

/// Consecutive slots merged into blocks.
fn merge(mut picked: Vec<u32>) -> Vec<(u32, u32)> {
    picked.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for t in picked {
        match out.last_mut() {
            Some(last) if last.1 == t => last.1 = t + GRID_MIN,
            _ => out.push((t, t + GRID_MIN)),
        }
    }
    out
}

/// The standing blocks of every person and room of `s`'s company, seeded by its seed.
pub fn blocks(s: &Scenario, world: &World) -> Blocks {
    let mut rng = StdRng::seed_from_u64(s.file.seed ^ 0x5eed_57a4_d1b6_0000);
    let mut out = Blocks::new();
    for (o, spec) in s.offices.iter().zip(&s.file.office) {
        let (lo, hi) = spec.busy.bounds();
        if hi <= 0.0 {
            continue;
        }
        let grid = slots(o.hours, o.lunch);
        let id = OfficeId::new(&o.id);
        let everyone = (world.people.get(&id).into_iter().flatten())
            .chain(world.rooms.get(&id).into_iter().flatten());
        for r in everyone {
            let share = if hi > lo {
                rng.random_range(lo..=hi)
            } else {
                lo
            };
            let k = ((share * grid.len() as f64).round() as usize).min(grid.len());
            if k == 0 {
                continue;
            }
            let picked = rand::seq::index::sample(&mut rng, grid.len(), k)
                .into_iter()
                .map(|i| grid[i])
                .collect();
            out.insert(r.clone(), merge(picked));
        }
    }
    out
}

/// The blocks as meetings, by office (each resource's in order).
pub fn meetings(world: &World, blocks: &Blocks) -> BTreeMap<OfficeId, Vec<MeetingSpec>> {
    let mut out: BTreeMap<OfficeId, Vec<MeetingSpec>> = BTreeMap::new();
    let Some(&(y, m, d)) = world.days.first() else {
        return out;
    };
    let Ok(rule) = Rule::parse(&format!(
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT={}",
        world.days.len()
    )) else {
        return out;
    };
    for (r, spans) in blocks {
        let Ok(office) = world.dir.home(r) else {
            continue;
        };
        let zone = world.dir.offices[office].zone;
        let holidays = holidays(world, office);
        for (n, (a, b)) in spans.iter().enumerate() {
            let start = Wall::from_ymd_hms(y, m, d, a / 60, a % 60, 0);
            let name = format!("standing-{r}-{}", n + 1);
            let secs = i64::from(b - a) * 60;
            let mut spec =
                MeetingSpec::single("", r.as_str(), &[], &[], start, zone, secs).named(name);
            spec.title = "standing".into();
            spec.recurrence.rrules.push(rule.clone());
            spec.recurrence.exdates = (holidays.iter())
                .map(|&(hy, hm, hd)| Wall::from_ymd_hms(hy, hm, hd, a / 60, a % 60, 0))
                .filter_map(|w| zone.to_instant(w, Disambiguation::Compatible).ok())
                .collect();
            out.entry(office.clone()).or_default().push(spec);
        }
    }
    out
}

/// `office`'s holidays as (year, month, day) (the directory keeps them as `YYYY-MM-DD`,
/// checked by the scenario's validation).
fn holidays(world: &World, office: &OfficeId) -> Vec<(i32, u32, u32)> {
    let parse = |s: &str| {
        let mut it = s.split('-').map(str::parse::<u32>);
        match (it.next(), it.next(), it.next()) {
            (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) => Some((y as i32, m, d)),
            _ => None,
        }
    };
    world.dir.offices[office]
        .holidays
        .iter()
        .filter_map(|s| parse(s))
        .collect()
}

/// Whether a meeting from `start` for `secs` falls on one of `r`'s blocks, in `r`'s
/// own office's zone (blocks repeat on Monday to Friday, not on the office's holidays).
pub fn clashes(world: &World, r: &ResourceId, start: Instant, secs: i64) -> bool {
    let Some(spans) = world.standing.get(r) else {
        return false;
    };
    let Some((id, office)) = world
        .dir
        .home(r)
        .ok()
        .and_then(|o| world.dir.offices.get_key_value(o))
    else {
        return false;
    };
    let local = office.zone.to_wall(start);
    let (y, m, d) = local.ymd();
    if matches!(
        weekday_of_days(days_from_civil(y, m, d)),
        Weekday::Sa | Weekday::Su
    ) || holidays(world, id).contains(&(y, m, d))
    {
        return false;
    }
    let (h, mi, _) = local.hms();
    let from = h * 60 + mi;
    let to = from + (secs.max(0) / 60) as u32;
    spans.iter().any(|&(a, b)| from < b && a < to)
}
