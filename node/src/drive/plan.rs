//! What a scenario's clients ask for: [`Planner`] draws each next call from the
//! workload's mix with a seeded generator (the same seed, the same calls), books meetings
//! in the organizer's working hours on the scenario's days (cross-office attendees,
//! rooms, hot rooms, recurring series), and changes, cancels and answers the meetings
//! its own client booked.

use super::call::{Call, Op, Seen};
use engine::calendar::Interval;
use engine::ids::{OfficeId, ResourceId};
use engine::recurrence::Rule;
use engine::state::{MeetingSpec, Response};
use engine::suggest::SuggestRequest;
use engine::time::{Disambiguation, Wall};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use scenarios::file::WorkloadSpec;
use scenarios::world::World;
use scenarios::Scenario;
use std::sync::Arc;

/// Hot-room bookings aim at this many start times on the first day (so they collide).
pub const HOT_SLOTS: u32 = 3;
/// Times drawn again when one falls on the organizer's standing blocks.
pub const AVOID_TRIES: u32 = 32;

/// One client's source of calls.
pub struct Planner {
    rng: StdRng,
    world: Arc<World>,
    work: WorkloadSpec,
    offices: Vec<OfficeId>,
    hot: Vec<ResourceId>,
    client: usize,
    made: u64,
    booked: Vec<MeetingSpec>,
}

impl Planner {
    /// The planner of client `client` of a run seeded `seed`.
    pub fn new(s: &Scenario, world: Arc<World>, seed: u64, client: usize) -> Planner {
        let rng = StdRng::seed_from_u64(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ client as u64);
        let offices: Vec<OfficeId> = world.people.keys().cloned().collect();
        let hot_n = s.file.workload.hotspot.as_ref().map_or(0, |h| h.rooms) as usize;
        let hot = world
            .rooms
            .values()
            .flatten()
            .take(hot_n)
            .cloned()
            .collect();
        Planner {
            rng,
            world,
            work: s.file.workload.clone(),
            offices,
            hot,
            client,
            made: 0,
            booked: Vec::new(),
        }
    }

    /// The next call to make.
    pub fn next_op(&mut self) -> Op {
        let shares = self.work.mix.shares();
        let mut roll: f64 = self.rng.random();
        let mut pick = 0;
        for (i, s) in shares.iter().enumerate() {
            if roll < *s {
                pick = i;
                break;
            }
            roll -= s;
            pick = i;
        }
        let answerable = self.booked.iter().any(|b| !b.attendees.is_empty());
        match pick {
            2 if !self.booked.is_empty() => self.change(),
            3 if !self.booked.is_empty() => {
                let i = self.rng.random_range(0..self.booked.len());
                Op::Cancel(self.booked.remove(i))
            }
            4 if answerable => self.respond(),
            5 => Op::FreeBusy(self.anyone()),
            6 => self.suggest(),
            1 => self.book(true),
            _ => self.book(false),
        }
    }

    /// Takes note of what a call came to (a booked or moved meeting can be changed,
    /// cancelled and answered later).
    pub fn done(&mut self, call: &Call) {
        if call.seen != Seen::Done {
            return;
        }
        match &call.op {
            Op::Book(m) => self.booked.push(m.clone()),
            Op::Update(m) => {
                self.booked.retain(|b| b.id != m.id);
                self.booked.push(m.clone());
            }
            _ => {}
        }
    }

    fn office(&mut self) -> OfficeId {
        self.offices[self.rng.random_range(0..self.offices.len())].clone()
    }

    fn person_of(&mut self, office: &OfficeId) -> ResourceId {
        let people = &self.world.people[office];
        people[self.rng.random_range(0..people.len())].clone()
    }

    fn anyone(&mut self) -> ResourceId {
        let o = self.office();
        self.person_of(&o)
    }

    /// A start on one of the days, inside `office`'s hours, leaving room for `secs`;
    /// a hot booking starts at one of the first [`HOT_SLOTS`] half hours of the first day.
    /// It avoids the standing blocks of everyone in `who` (a few tries), as a client
    /// that read their free/busy first would: conflicts come from the workload's races.
    fn start_for(&mut self, office: &OfficeId, secs: i64, hot: bool, who: &[ResourceId]) -> Wall {
        let mut wall = self.try_start(office, secs, hot);
        if hot {
            return wall;
        }
        let zone = self.world.dir.offices[office].zone;
        for _ in 0..AVOID_TRIES {
            let Ok(at) = zone.to_instant(wall, Disambiguation::Compatible) else {
                break;
            };
            let world = &self.world;
            if !who
                .iter()
                .any(|r| scenarios::standing::clashes(world, r, at, secs))
            {
                break;
            }
            wall = self.try_start(office, secs, hot);
        }
        wall
    }

    fn try_start(&mut self, office: &OfficeId, secs: i64, hot: bool) -> Wall {
        let o = &self.world.dir.offices[office];
        let days = &self.world.days;
        let (y, m, d) = if hot {
            days[0]
        } else {
            days[self.rng.random_range(0..days.len())]
        };
        let span = o.hours.days.iter().flatten().next().copied();
        let (open, close) = span.map_or((9 * 60, 17 * 60), |s| (s.start_min, s.end_min));
        let (open, close) = (u32::from(open), u32::from(close));
        let last = close.saturating_sub((secs / 60) as u32).max(open);
        let slots = ((last - open) / 30).max(1);
        let slot = if hot {
            self.rng.random_range(0..HOT_SLOTS.min(slots))
        } else {
            self.rng.random_range(0..slots)
        };
        let minute = open + slot * 30;
        Wall::from_ymd_hms(y, m, d, minute / 60, minute % 60, 0)
    }

    fn book(&mut self, recurring: bool) -> Op {
        let b = self.work.bookings.clone();
        let home = self.office();
        let organizer = self.person_of(&home);
        let n = self.rng.random_range(b.attendees[0]..=b.attendees[1]);
        let mut attendees: Vec<ResourceId> = Vec::new();
        for _ in 0..n {
            let office = if self.offices.len() > 1 && self.rng.random_bool(b.cross_office) {
                let others: Vec<OfficeId> = self
                    .offices
                    .iter()
                    .filter(|o| **o != home)
                    .cloned()
                    .collect();
                others[self.rng.random_range(0..others.len())].clone()
            } else {
                home.clone()
            };
            let p = self.person_of(&office);
            if p != organizer && !attendees.contains(&p) {
                attendees.push(p);
            }
        }
        let mut hot = false;
        let mut rooms = Vec::new();
        if self.rng.random_bool(b.with_room) {
            let share = self.work.hotspot.as_ref().map_or(0.0, |h| h.share);
            if !self.hot.is_empty() && self.rng.random_bool(share) {
                hot = true;
                rooms.push(self.hot[self.rng.random_range(0..self.hot.len())].clone());
            } else if !self.world.rooms[&home].is_empty() {
                let mine = &self.world.rooms[&home];
                rooms.push(mine[self.rng.random_range(0..mine.len())].clone());
            }
        }
        let minutes = self.rng.random_range(b.duration_min[0]..=b.duration_min[1]) / 15 * 15;
        let secs = i64::from(minutes.max(15)) * 60;
        let mut everyone = vec![organizer.clone()];
        everyone.extend(attendees.iter().chain(&rooms).cloned());
        let start = self.start_for(&home, secs, hot, &everyone);
        self.made += 1;
        let id = format!("c{}-{}", self.client, self.made);
        let zone = self.world.dir.offices[&home].zone;
        let who: Vec<&str> = attendees.iter().map(|a| a.as_str()).collect();
        let rooms: Vec<&str> = rooms.iter().map(|r| r.as_str()).collect();
        let mut m =
            MeetingSpec::single("", organizer.as_str(), &who, &rooms, start, zone, secs).named(id);
        if recurring {
            let rule = match self.rng.random_range(0..3) {
                0 => format!("FREQ=WEEKLY;COUNT={}", self.rng.random_range(2..=8)),
                1 => format!(
                    "FREQ=WEEKLY;INTERVAL=2;COUNT={}",
                    self.rng.random_range(2..=6)
                ),
                _ => format!("FREQ=MONTHLY;COUNT={}", self.rng.random_range(2..=3)),
            };
            if let Ok(r) = Rule::parse(&rule) {
                m.recurrence.rrules.push(r);
            }
        }
        Op::Book(m)
    }

    /// One of its meetings moved to another start (attendees, rooms and recurrence kept).
    fn change(&mut self) -> Op {
        let i = self.rng.random_range(0..self.booked.len());
        let mut moved = self.booked[i].clone();
        let home = self.world.dir.home(&moved.organizer).cloned();
        if let Ok(home) = home {
            let who = moved.resources();
            moved.recurrence.dtstart = self.start_for(&home, moved.duration_secs, false, &who);
        }
        Op::Update(moved)
    }

    fn respond(&mut self) -> Op {
        let with: Vec<&MeetingSpec> = self
            .booked
            .iter()
            .filter(|m| !m.attendees.is_empty())
            .collect();
        let m = with[self.rng.random_range(0..with.len())].clone();
        let who = m.attendees[self.rng.random_range(0..m.attendees.len())]
            .resource
            .clone();
        let answer = if self.rng.random_bool(0.3) {
            Response::Declined
        } else {
            Response::Accepted
        };
        Op::Respond(m, who, answer)
    }

    fn suggest(&mut self) -> Op {
        let Op::Book(m) = self.book(false) else {
            return Op::FreeBusy(self.anyone());
        };
        let (y, mo, d) = m.recurrence.dtstart.ymd();
        let from = Wall::from_ymd_hms(y, mo, d, 0, 0, 0);
        let from = (m.recurrence.zone)
            .to_instant(from, Disambiguation::Compatible)
            .unwrap_or(self.world.window.start);
        let mut required = vec![m.organizer.clone()];
        required.extend(m.attendees.iter().map(|a| a.resource.clone()));
        Op::Suggest(Box::new(SuggestRequest {
            required,
            optional: vec![],
            room: None,
            duration_secs: m.duration_secs,
            window: Interval::new(from, engine::time::Instant(from.0 + 2 * 86_400)),
            granularity_secs: 900,
            preferred: None,
            max_candidates: 5,
            min_attendance: 1.0,
            working_hours_only: true,
            recurrence: None,
            zone: None,
        }))
    }
}
