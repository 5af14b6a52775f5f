//! The company a scenario describes, made concrete: a [`Directory`] with every office,
//! its people and rooms (see [`crate::roster`]), the days meetings
//! fall on, the window every read covers, and the latency of each link. The simulator
//! and the real cluster both start from it, so a file means the same company in both.

use crate::validate::Scenario;
use engine::calendar::Interval;
use engine::ids::{OfficeId, ResourceId};
use engine::office::{Directory, Office, Person, Room, Span, WeekHours};
use engine::time::civil::{civil_from_days, days_from_civil, weekday_of_days, Weekday};
use engine::time::{Disambiguation, Instant, Wall, Zone};
use serde::Serialize;
use std::collections::BTreeMap;

/// Days after the last booking day that reads still cover (room for series to run on).
pub const TAIL_DAYS: i64 = 120;

/// A scenario's company, made concrete.
#[derive(Clone, Debug)]
pub struct World {
    /// Offices, people, rooms.
    pub dir: Directory,
    /// Each office's people, in id order.
    pub people: BTreeMap<OfficeId, Vec<ResourceId>>,
    /// Each office's rooms, in id order.
    pub rooms: BTreeMap<OfficeId, Vec<ResourceId>>,
    /// The weekdays (Monday to Friday) meetings fall on: (year, month, day).
    pub days: Vec<(i32, u32, u32)>,
    /// What reads and final checks cover: from the first day to [`TAIL_DAYS`] after
    /// the last, in UTC.
    pub window: Interval,
    /// One-way latency between two offices, in milliseconds (both orders listed).
    pub latency_ms: BTreeMap<(OfficeId, OfficeId), u32>,
    /// Every person's and room's standing blocks (their calendars when a run starts).
    pub standing: crate::standing::Blocks,
}

fn midnight_utc(days: i64) -> Instant {
    let (y, m, d) = civil_from_days(days);
    Zone::Utc
        .to_instant(
            Wall::from_ymd_hms(y, m, d, 0, 0, 0),
            Disambiguation::Compatible,
        )
        .unwrap_or(Instant(0))
}

impl World {
    /// The company of a checked scenario.
    pub fn of(s: &Scenario) -> World {
        let mut offices = Vec::new();
        let mut people = Vec::new();
        let mut rooms = Vec::new();
        let mut by_office_people = BTreeMap::new();
        let mut by_office_rooms = BTreeMap::new();
        for (o, spec) in s.offices.iter().zip(&s.file.office) {
            let id = OfficeId::new(&o.id);
            let clock = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
            let hours = format!("MO-FR {}-{}", clock(o.hours.0), clock(o.hours.1));
            let lunch = o.lunch.map(|(a, b)| format!("{}-{}", clock(a), clock(b)));
            offices.push(Office {
                id: id.clone(),
                name: o.id.clone(),
                zone: o.zone,
                // Both were checked by the scenario's validation, in the same form.
                hours: WeekHours::parse(&hours).unwrap_or_default(),
                lunch: lunch.and_then(|l| Span::parse(&l).ok()),
                holidays: o
                    .holidays
                    .iter()
                    .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
                    .collect(),
            });
            let mine: Vec<ResourceId> = spec.people.ids(&o.id);
            for p in &mine {
                people.push(Person {
                    id: p.clone(),
                    name: p.as_str().to_string(),
                    office: id.clone(),
                    zone: None,
                    hours: None,
                    lunch: None,
                    reminder_minutes: None,
                });
            }
            let specs = spec.rooms.specs(&o.id);
            let my_rooms: Vec<ResourceId> = specs.iter().map(|r| ResourceId::new(&r.id)).collect();
            for r in specs {
                rooms.push(Room {
                    id: ResourceId::new(&r.id),
                    name: r.id,
                    office: id.clone(),
                    capacity: r.seats,
                    amenities: r.amenities.into_iter().collect(),
                });
            }
            by_office_people.insert(id.clone(), mine);
            by_office_rooms.insert(id, my_rooms);
        }
        // Ids are generated unique and every person's office exists.
        let dir = Directory::new(offices, people, rooms).unwrap_or_default();
        let (y, m, d) = s.start;
        let first = days_from_civil(y, m, d);
        let days: Vec<(i32, u32, u32)> = (first..first + i64::from(s.days))
            .filter(|n| !matches!(weekday_of_days(*n), Weekday::Sa | Weekday::Su))
            .map(civil_from_days)
            .collect();
        let window = Interval::new(
            midnight_utc(first - 1),
            midnight_utc(first + i64::from(s.days) + TAIL_DAYS),
        );
        let mut latency_ms = BTreeMap::new();
        for a in &s.file.office {
            for b in &s.file.office {
                if a.id != b.id {
                    let key = (OfficeId::new(&a.id), OfficeId::new(&b.id));
                    latency_ms.insert(key, s.file.network.latency_ms);
                }
            }
        }
        for l in &s.file.network.links {
            for (a, b) in [(&l.from, &l.to), (&l.to, &l.from)] {
                latency_ms.insert((OfficeId::new(a), OfficeId::new(b)), l.latency_ms);
            }
        }
        let mut world = World {
            dir,
            people: by_office_people,
            rooms: by_office_rooms,
            days,
            window,
            latency_ms,
            standing: Default::default(),
        };
        world.standing = crate::standing::blocks(s, &world);
        world
    }

    /// The standing blocks as meetings to import, by office.
    pub fn standing_meetings(&self) -> BTreeMap<OfficeId, Vec<engine::state::MeetingSpec>> {
        crate::standing::meetings(self, &self.standing)
    }

    /// The directory as an `offices.toml` text (the form `dms-node` reads).
    pub fn offices_toml(&self) -> String {
        #[derive(Serialize)]
        struct File<'a> {
            version: u32,
            office: Vec<&'a Office>,
            person: Vec<&'a Person>,
            room: Vec<&'a Room>,
        }
        let file = File {
            version: 1,
            office: self.dir.offices.values().collect(),
            person: self.dir.people.values().collect(),
            room: self.dir.rooms.values().collect(),
        };
        toml::to_string(&file).unwrap_or_default()
    }
}
