//! Suggestions for 50 attendees in 5 zones over 4 weeks, with realistic calendars (about
//! 20 meetings a week each, a third of them weekly recurring), against a baseline in the
//! same run: the straightforward scan that asks every attendee's calendar index about
//! every candidate start. Both must agree on which starts are feasible.

use criterion::{criterion_group, criterion_main, Criterion};
use engine::calendar::{BusyEntry, BusyStatus, Interval, ResourceCalendar};
use engine::ids::{MeetingId, ResourceId};
use engine::office::{Directory, Office, Person, WeekHours};
use engine::suggest::{suggest, SuggestRequest};
use engine::time::{Disambiguation, Instant, Wall, Zone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::hint::black_box;

const ZONES: [&str; 5] = [
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
];

struct World {
    dir: Directory,
    cals: BTreeMap<ResourceId, ResourceCalendar>,
    req: SuggestRequest,
}

fn world() -> World {
    let offices = ZONES
        .iter()
        .enumerate()
        .map(|(i, z)| Office {
            id: format!("o{i}").as_str().into(),
            name: z.to_string(),
            zone: Zone::parse(z).unwrap(),
            hours: WeekHours::parse("MO-FR 09:00-17:30").unwrap(),
            lunch: engine::office::Span::parse("12:00-13:00").ok(),
            holidays: Default::default(),
        })
        .collect::<Vec<_>>();
    let people: Vec<Person> = (0..50)
        .map(|i| Person {
            id: format!("p{i}").as_str().into(),
            name: format!("P{i}"),
            office: format!("o{}", i % 5).as_str().into(),
            zone: None,
            hours: None,
            lunch: None,
            reminder_minutes: None,
        })
        .collect();
    let dir = Directory::new(offices, people, vec![]).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let mut cals = BTreeMap::new();
    let start = Wall::from_ymd_hms(2026, 11, 2, 0, 0, 0);
    for (i, p) in dir.people.values().enumerate() {
        let zone = dir.zone_of(&p.id).unwrap();
        let mut cal = ResourceCalendar::new();
        let add = |cal: &mut ResourceCalendar, day: i64, hour: u32, mins: i64, id: String| {
            let w = start.plus_secs(day * 86_400 + i64::from(hour) * 3600 + 1800 * (day % 2));
            let at = zone.to_instant(w, Disambiguation::Compatible).unwrap();
            let interval = Interval::from_len(at, mins * 60);
            if cal.overlapping(interval).is_empty() {
                cal.add(BusyEntry {
                    interval,
                    meeting: MeetingId::new(id),
                    instance: at,
                    status: BusyStatus::Confirmed,
                    overridden: false,
                    txn: None,
                });
            }
        };
        // About 7 weekly recurring meetings, each on all 4 weeks.
        for k in 0..7 {
            let (day, hour) = (rng.random_range(0..5), rng.random_range(9..17));
            for week in 0..4 {
                add(
                    &mut cal,
                    day + 7 * week,
                    hour,
                    30 + 30 * (k % 2),
                    format!("r{i}-{k}"),
                );
            }
        }
        // About 13 one-off meetings a week.
        for k in 0..52 {
            let (week, day, hour) = (
                rng.random_range(0..4),
                rng.random_range(0..5),
                rng.random_range(8..18),
            );
            add(
                &mut cal,
                day + 7 * week,
                hour,
                [30, 60, 90][k % 3],
                format!("s{i}-{k}"),
            );
        }
        cals.insert(p.id.clone(), cal);
    }
    let window = Interval::new(
        Instant(Wall::from_ymd_hms(2026, 11, 2, 0, 0, 0).0),
        Instant(Wall::from_ymd_hms(2026, 11, 30, 0, 0, 0).0),
    );
    let ids: Vec<ResourceId> = dir.people.keys().cloned().collect();
    let mut req = SuggestRequest::new(ids[..5].to_vec(), 3600, window);
    req.optional = ids[5..].to_vec();
    req.max_candidates = 10;
    World { dir, cals, req }
}

/// The baseline: every candidate start, every attendee, one index query each.
fn naive_feasible(w: &World) -> Vec<Instant> {
    let r = &w.req;
    let mut out = Vec::new();
    let mut t =
        (r.window.start.0 + r.granularity_secs - 1) / r.granularity_secs * r.granularity_secs;
    while t + r.duration_secs <= r.window.end.0 {
        let slot = Interval::from_len(Instant(t), r.duration_secs);
        let free = |p: &ResourceId| {
            w.cals
                .get(p)
                .is_none_or(|c| c.blocking(slot, None).is_empty())
        };
        if r.required.iter().all(free) {
            // The baseline also counts optional attendees and working hours, as the
            // engine's score does.
            let optional = r.optional.iter().filter(|p| free(p)).count();
            let in_hours = r
                .required
                .iter()
                .chain(&r.optional)
                .filter(|p| {
                    w.dir
                        .working(p, slot)
                        .map(|v| v.first() == Some(&slot))
                        .unwrap_or(false)
                })
                .count();
            black_box((optional, in_hours));
            out.push(Instant(t));
        }
        t += r.granularity_secs;
    }
    out
}

fn bench(c: &mut Criterion) {
    let w = world();
    let entries: usize = w.cals.values().map(ResourceCalendar::len).sum();
    let answer = suggest(&w.req, &w.dir, &w.cals).unwrap();
    let feasible = naive_feasible(&w);
    assert!(!answer.candidates.is_empty());
    assert!(
        answer
            .candidates
            .iter()
            .all(|c| feasible.contains(&c.start)),
        "the engine suggested a start the baseline finds infeasible"
    );
    eprintln!("suggest bench: 50 attendees, 5 zones, 4 weeks, {entries} busy entries, {} candidate starts, {} feasible", answer.slots_considered, feasible.len());
    let mut g = c.benchmark_group("suggest");
    g.sample_size(30);
    g.bench_function("dms/50-attendees-4-weeks", |b| {
        b.iter(|| black_box(suggest(&w.req, &w.dir, &w.cals).unwrap().candidates.len()))
    });
    g.bench_function("naive-scan/50-attendees-4-weeks", |b| {
        b.iter(|| black_box(naive_feasible(&w).len()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
