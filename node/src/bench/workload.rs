//! The benchmark's company (three offices, people and rooms in each) and its seeded
//! bookings: an organizer, one to three attendees from any office, a room half the time,
//! 30 or 60 minutes on a half-hour slot within eight weeks.

use engine::state::MeetingSpec;
use engine::time::{Instant, Zone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write;

/// The offices, their zones and the first port's offset.
pub const OFFICES: [(&str, &str); 3] = [
    ("bangalore", "Asia/Kolkata"),
    ("london", "Europe/London"),
    ("ny", "America/New_York"),
];
/// Rooms per office.
pub const ROOMS_PER_OFFICE: usize = 20;
/// Half-hour slots in the booking window (eight weeks).
pub const SLOTS: i64 = 8 * 7 * 48;
/// The window's start: Monday 2027-01-04 00:00 UTC.
pub const WINDOW_START: i64 = 1_799_020_800;

/// One booking of the workload.
#[derive(Clone, Debug)]
pub struct Booking {
    /// The meeting's name, its UID (unique); the node makes its id from it.
    pub id: String,
    /// Organizer (a person).
    pub organizer: String,
    /// Required attendees.
    pub attendees: Vec<String>,
    /// A room, or none.
    pub room: Option<String>,
    /// Start, seconds since the epoch.
    pub start: i64,
    /// Length in seconds.
    pub secs: i64,
}

impl Booking {
    /// Every resource the booking takes.
    pub fn resources(&self) -> Vec<String> {
        let mut v: Vec<String> = std::iter::once(self.organizer.clone())
            .chain(self.attendees.iter().cloned())
            .chain(self.room.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The booking as the scheduler's meeting.
    pub fn spec(&self) -> MeetingSpec {
        let attendees: Vec<&str> = self.attendees.iter().map(String::as_str).collect();
        let rooms: Vec<&str> = self.room.iter().map(String::as_str).collect();
        let start = Zone::Utc.to_wall(Instant(self.start));
        MeetingSpec::single(
            "",
            &self.organizer,
            &attendees,
            &rooms,
            start,
            Zone::Utc,
            self.secs,
        )
        .named(&self.id)
    }

    /// The office of the organizer.
    pub fn office(&self) -> &str {
        self.organizer.split('-').next().unwrap_or("")
    }
}

fn person(office: &str, i: usize) -> String {
    format!("{office}-p{i}")
}

fn room(office: &str, i: usize) -> String {
    format!("{office}-r{i}")
}

/// The company as an `offices.toml`.
pub fn company(people_per_office: usize) -> String {
    let mut s = String::from("version = 1\n");
    for (o, zone) in OFFICES {
        let _ = write!(
            s,
            "\n[[office]]\nid = \"{o}\"\nname = \"{o}\"\nzone = \"{zone}\"\nhours = \"MO-FR 09:00-17:30\"\n"
        );
    }
    for (o, _) in OFFICES {
        for i in 0..people_per_office {
            let _ = write!(
                s,
                "\n[[person]]\nid = \"{}\"\nname = \"P{i}\"\noffice = \"{o}\"\n",
                person(o, i)
            );
        }
        for i in 0..ROOMS_PER_OFFICE {
            let _ = write!(
                s,
                "\n[[room]]\nid = \"{}\"\nname = \"R{i}\"\noffice = \"{o}\"\ncapacity = 8\n",
                room(o, i)
            );
        }
    }
    s
}

/// `n` bookings from `seed`.
pub fn bookings(seed: u64, n: usize, people_per_office: usize) -> Vec<Booking> {
    let mut rng = StdRng::seed_from_u64(seed);
    let pick_person = |rng: &mut StdRng| {
        let (o, _) = OFFICES[rng.random_range(0..OFFICES.len())];
        person(o, rng.random_range(0..people_per_office))
    };
    (0..n)
        .map(|i| {
            let organizer = pick_person(&mut rng);
            let k = rng.random_range(1..=3);
            let mut attendees: Vec<String> = (0..k).map(|_| pick_person(&mut rng)).collect();
            attendees.retain(|a| *a != organizer);
            attendees.sort();
            attendees.dedup();
            let room = rng.random_bool(0.5).then(|| {
                let (o, _) = OFFICES[rng.random_range(0..OFFICES.len())];
                room(o, rng.random_range(0..ROOMS_PER_OFFICE))
            });
            Booking {
                id: format!("b{i}"),
                organizer,
                attendees,
                room,
                start: WINDOW_START + rng.random_range(0..SLOTS) * 1800,
                secs: if rng.random_bool(0.5) { 1800 } else { 3600 },
            }
        })
        .collect()
}
