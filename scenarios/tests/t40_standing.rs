//! Rosters and standing calendars: people and rooms as lists, and each office's `busy`
//! share turned into standing blocks that cover that share of the working day (outside
//! lunch), the same for the same file, as weekly series on the run's weekdays, the
//! office's holidays left out.

use engine::ids::ResourceId;
use engine::time::{Disambiguation, Wall};
use scenarios::standing::{clashes, GRID_MIN};
use scenarios::world::World;
use scenarios::{parse, Scenario};

const FILE: &str = r#"
version = 1
name = "standing"
description = "two offices with loaded calendars"
seed = 11

[[office]]
id = "ny"
zone = "America/New_York"
hours = "09:00-17:00"
lunch = "12:00-13:00"
people = 40
rooms = 4
busy = 0.25

[[office]]
id = "london"
zone = "Europe/London"
hours = "08:00-16:00"
people = ["ana", "raj", "li"]
rooms = [{ id = "thames", seats = 12, amenities = ["video"] }, { id = "fleet" }]
busy = { min = 0.1, max = 0.5 }

[workload]
clients = 2
duration_s = 10
operations = 10
start = "2027-03-08"
days = 12

[workload.mix]
book = 1.0

[workload.bookings]
cross_office = 0.5
attendees = [1, 2]
with_room = 0.5
duration_min = [30, 60]

[slo]
success_rate_min = 0.5
conflict_rate_max = 0.5
checkers = ["safety"]
"#;

fn scenario(text: &str) -> Scenario {
    parse(text).unwrap()
}

#[test]
fn listed_people_and_rooms_are_the_company() {
    let w = World::of(&scenario(FILE));
    let london: Vec<&str> = w.people[&"london".into()]
        .iter()
        .map(|r| r.as_str())
        .collect();
    assert_eq!(london, ["ana", "raj", "li"]);
    let thames = &w.dir.rooms[&ResourceId::new("thames")];
    assert_eq!((thames.capacity, thames.amenities.len()), (12, 1));
    assert_eq!(w.dir.rooms[&ResourceId::new("fleet")].capacity, 8);
    assert_eq!(w.people[&"ny".into()].len(), 40);
    assert_eq!(w.people[&"ny".into()][0].as_str(), "ny-p00001");
}

#[test]
fn blocks_cover_the_share_of_working_time_outside_lunch() {
    let s = scenario(FILE);
    let w = World::of(&s);
    // New York: 8 hours less lunch = 14 half hours; 25% of them rounds to 4 (3.5).
    for r in w.people[&"ny".into()].iter().chain(&w.rooms[&"ny".into()]) {
        let blocks = &w.standing[r];
        let minutes: u32 = blocks.iter().map(|(a, b)| b - a).sum();
        assert_eq!(minutes, 4 * GRID_MIN, "{r}: {blocks:?}");
        for &(a, b) in blocks {
            assert!(a >= 9 * 60 && b <= 17 * 60, "{r}: {blocks:?}");
            assert!(b <= 12 * 60 || a >= 13 * 60, "{r} over lunch: {blocks:?}");
        }
    }
    // London draws each share from 10%..50% of 16 half hours: 2 to 8 of them.
    for r in w.people[&"london".into()]
        .iter()
        .chain(&w.rooms[&"london".into()])
    {
        let n: u32 = w
            .standing
            .get(r)
            .into_iter()
            .flatten()
            .map(|(a, b)| (b - a) / GRID_MIN)
            .sum();
        assert!((2..=8).contains(&n), "{r}: {n} half hours");
    }
    // The same file, the same calendars; another seed, others.
    assert_eq!(World::of(&s).standing, w.standing);
    let other = World::of(&scenario(&FILE.replace("seed = 11", "seed = 12")));
    assert_ne!(other.standing, w.standing);
    // No load, no blocks.
    let idle = World::of(&scenario(&FILE.replace("busy = 0.25", "busy = 0.0")));
    assert!(idle.people[&"ny".into()]
        .iter()
        .all(|p| !idle.standing.contains_key(p)));
}

#[test]
fn blocks_become_weekly_series_on_the_runs_weekdays() {
    let w = World::of(&scenario(FILE));
    let meetings = w.standing_meetings();
    let ny = &meetings[&"ny".into()];
    let blocks: usize = (w.standing.iter())
        .filter(|(r, _)| r.as_str().starts_with("ny-"))
        .map(|(_, b)| b.len())
        .sum();
    assert_eq!(ny.len(), blocks);
    let zone = w.dir.offices[&"ny".into()].zone;
    for m in ny {
        assert!(m.attendees.is_empty() && m.rooms.is_empty(), "{m:?}");
        let instances = m.instances().unwrap();
        // 12 days from Monday 8 March 2027: ten weekdays (DST starts on the 14th).
        assert_eq!(instances.len(), w.days.len());
        assert_eq!(instances.len(), 10);
        let block = &w.standing[&m.organizer];
        for (_, iv) in instances {
            let (h, mi, _) = zone.to_wall(iv.start).hms();
            let at = h * 60 + mi;
            assert!(block.iter().any(|(a, _)| *a == at), "{} at {h}:{mi}", m.id);
        }
    }
}

#[test]
fn a_time_on_a_block_clashes_in_the_resources_own_zone() {
    let w = World::of(&scenario(FILE));
    let ana = ResourceId::new("ana");
    let (a, _) = w.standing[&ana][0];
    let london = w.dir.offices[&"london".into()].zone;
    let ny = w.dir.offices[&"ny".into()].zone;
    let on = london
        .to_instant(
            Wall::from_ymd_hms(2027, 3, 9, a / 60, a % 60, 0),
            Disambiguation::Compatible,
        )
        .unwrap();
    assert!(clashes(&w, &ana, on, 1800));
    // The same instant, seen from New York, still clashes for ana.
    let from_ny = ny.to_wall(on);
    let again = ny.to_instant(from_ny, Disambiguation::Compatible).unwrap();
    assert!(clashes(&w, &ana, again, 1800));
    // A Saturday never does.
    let saturday = london
        .to_instant(
            Wall::from_ymd_hms(2027, 3, 13, a / 60, a % 60, 0),
            Disambiguation::Compatible,
        )
        .unwrap();
    assert!(!clashes(&w, &ana, saturday, 1800));
}

#[test]
fn blocks_skip_the_offices_holidays() {
    // New York closed on Wednesday 10 March 2027 (a weekday of the run).
    let text = FILE.replace("busy = 0.25", "busy = 0.25\nholidays = [\"2027-03-10\"]");
    let w = World::of(&scenario(&text));
    let zone = w.dir.offices[&"ny".into()].zone;
    for m in &w.standing_meetings()[&"ny".into()] {
        let instances = m.instances().unwrap();
        assert_eq!(
            instances.len(),
            9,
            "{}: ten weekdays less the holiday",
            m.id
        );
        assert!(
            instances
                .iter()
                .all(|(_, iv)| zone.to_wall(iv.start).ymd() != (2027, 3, 10)),
            "{} has an instance on the holiday",
            m.id
        );
        // A time on the block is free that day, and taken the day before.
        let (a, _) = w.standing[&m.organizer][0];
        let at = |d: u32| {
            zone.to_instant(
                Wall::from_ymd_hms(2027, 3, d, a / 60, a % 60, 0),
                Disambiguation::Compatible,
            )
            .unwrap()
        };
        assert!(!clashes(&w, &m.organizer, at(10), 1800));
        assert!(clashes(&w, &m.organizer, at(9), 1800));
    }
    // London has no holiday: ten instances still.
    for m in &w.standing_meetings()[&"london".into()] {
        assert_eq!(m.instances().unwrap().len(), 10, "{}", m.id);
    }
}
