//! What the simulated clients do: book seeded meetings across offices (contending for a
//! few hours; some with a room, some daily series of two or three days), move some of
//! them (now and then with people or rooms changed, so a change moves a meeting between
//! offices; a series' one instance, or this and the following ones), cancel some (through the organizer's office), have invitees answer (through
//! their own offices), and read people's calendars at their offices; every call recorded
//! with the simulated instants it was invoked and returned. The meetings booked are one
//! pool every client picks from, so calls on one meeting race.

use crate::faults::Acks;
use engine::calendar::Interval;
use engine::ids::{OfficeId, ResourceId};
use engine::office::Directory;
use engine::recurrence::Rule;
use engine::state::{EditScope, MeetingSpec, Response, Retime};
use engine::time::{Disambiguation, Instant, Wall, Zone};
use madsim::rand::{thread_rng, Rng};
pub use node::drive::call::{perform, Call, Op, Seen, Target};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// People who book, across the four offices.
pub const PEOPLE: [&str; 8] = [
    "alice", "bob", "dev", "emma", "priya", "rahul", "tom", "uma",
];
/// Rooms booked, across the four offices.
pub const ROOMS: [&str; 6] = [
    "ny-hudson",
    "ny-liberty",
    "london-thames",
    "london-kew",
    "blr-cubbon",
    "syd-harbour",
];

/// The days the workload books on (probes book on a later day of their own).
pub fn window() -> Interval {
    let day = |d| {
        let wall = Wall::from_ymd_hms(2027, 1, d, 0, 0, 0);
        Zone::Utc
            .to_instant(wall, Disambiguation::Compatible)
            .unwrap_or(Instant(0))
    };
    Interval::new(day(11), day(17))
}

/// A one-hour meeting named `uid` (its id the one the server makes) of `who` (the first
/// organizes) in `rooms` on workload day `day` at `hour` UTC, on `days` days in a row (a
/// daily series when more than one).
pub fn meeting(
    uid: String,
    who: &[&str],
    rooms: &[&str],
    day: u32,
    hour: u32,
    days: u32,
) -> MeetingSpec {
    let start = Wall::from_ymd_hms(2027, 1, 11 + day, hour, 0, 0);
    let mut m =
        MeetingSpec::single("", who[0], &who[1..], rooms, start, Zone::Utc, 3600).named(uid);
    if days > 1 {
        let rule = Rule::parse(&format!("FREQ=DAILY;COUNT={days}")).expect("a daily rule");
        m.recurrence.rrules.push(rule);
    }
    m
}

/// Where the sample company's calls go: every office, the workload's window.
pub fn target(
    addrs: &BTreeMap<OfficeId, SocketAddr>,
    dir: &Directory,
    epoch: madsim::time::Instant,
) -> Target {
    Target {
        addrs: addrs.clone(),
        dir: dir.clone(),
        epoch,
        window: window(),
    }
}

fn pick<T: Clone>(v: &[T]) -> T {
    v[thread_rng().gen_range(0..v.len())].clone()
}

/// An index of `len` meetings, most often one of the last few booked or changed, so
/// that clients' changes and cancellations of one meeting race.
fn recent(len: usize) -> usize {
    if thread_rng().gen_bool(0.7) {
        thread_rng().gen_range(len.saturating_sub(3)..len)
    } else {
        thread_rng().gen_range(0..len)
    }
}

/// The people (organizer first) and rooms of a change of `old`: now and then an
/// attendee taken off, someone (often of another office) added, the room swapped,
/// added or dropped, so a change moves the meeting between offices.
fn changed_people_and_rooms(old: &MeetingSpec) -> (Vec<ResourceId>, Vec<ResourceId>) {
    let mut who: Vec<ResourceId> = std::iter::once(old.organizer.clone())
        .chain(old.attendees.iter().map(|a| a.resource.clone()))
        .collect();
    if who.len() > 1 && thread_rng().gen_bool(0.3) {
        who.remove(thread_rng().gen_range(1..who.len()));
    }
    if thread_rng().gen_bool(0.4) {
        let added = ResourceId::new(pick(&PEOPLE));
        if !who.contains(&added) {
            who.push(added);
        }
    }
    let mut rooms = old.rooms.clone();
    if thread_rng().gen_bool(0.3) {
        rooms = if rooms.is_empty() || thread_rng().gen_bool(0.5) {
            vec![ResourceId::new(pick(&ROOMS))]
        } else {
            vec![]
        };
    }
    (who, rooms)
}

/// A change of `old`: to another seeded slot, now and then with people or rooms changed;
/// a series' change is now and then one instance moved on its own, or this and the
/// following instances (as calendar programs edit them: `MeetingSpec::retimed`).
fn changed(old: &MeetingSpec) -> MeetingSpec {
    if let Some(edit) = instance_edit(old) {
        return edit;
    }
    let (day, hour) = (thread_rng().gen_range(0..2), thread_rng().gen_range(9..13));
    let (who, rooms) = changed_people_and_rooms(old);
    let who: Vec<&str> = who.iter().map(|r| r.as_str()).collect();
    let rooms: Vec<&str> = rooms.iter().map(|r| r.as_str()).collect();
    let name = old.uid.clone().unwrap_or_default();
    let mut moved = meeting(name, &who, &rooms, day, hour, 1);
    moved.recurrence.rrules = old.recurrence.rrules.clone();
    moved
}

/// For a series, half the time: one instance, or an instance and the following ones,
/// moved by a seeded number of hours and now and then made shorter. `None` for a single meeting, or when the edit cannot be made.
fn instance_edit(old: &MeetingSpec) -> Option<MeetingSpec> {
    let instances = old.instances().ok()?;
    if instances.len() < 2 || !thread_rng().gen_bool(0.5) {
        return None;
    }
    let (key, now) = pick(&instances);
    let scope = if thread_rng().gen_bool(0.5) {
        EditScope::Instance(key)
    } else {
        EditScope::ThisAndFollowing(key)
    };
    let hours = thread_rng().gen_range(-24..=24i64);
    let change = Retime {
        start: Some(now.start.plus_secs(hours * 3600)),
        duration_secs: thread_rng().gen_bool(0.3).then_some(1800),
    };
    // Nothing is past in the workload's days: the time before them will do for now.
    let edited = old.retimed(scope, change, Instant(0)).ok()?;
    // Inside the days reads look at, and before the probes' day.
    let days = window();
    let probes = days.start.plus_secs(4 * 86_400);
    let inside = |iv: &Interval| iv.start >= days.start && iv.end <= probes;
    (edited.instances().ok()?.iter())
        .all(|(_, iv)| inside(iv))
        .then_some(edited)
}

/// Now and then (a share `share` of them) a change comes with a second call on the same
/// meeting sent while it is under way (up to 80 ms later: two calendar apps of one
/// organizer, or a double click): another change, or the meeting's cancellation. Their
/// race at the organizer's office is what decides which offices each reaches.
fn racing(op: &Op, booked: &mut Vec<MeetingSpec>, share: f64) -> Option<Op> {
    let Op::Update(m) = op else { return None };
    if !thread_rng().gen_bool(share) {
        return None;
    }
    if thread_rng().gen_bool(0.5) {
        let old = booked.iter().position(|b| b.id == m.id)?;
        return Some(Op::Cancel(booked.remove(old)));
    }
    Some(Op::Update(changed(m)))
}

/// The meetings booked so far, shared by every client: any client may move, cancel or
/// answer any of them (the operator's clients act for everyone), so two clients' calls
/// on one meeting race.
pub type Pool = Arc<Mutex<Vec<MeetingSpec>>>;

/// The next thing client `c` does, given the meetings booked so far.
fn next_op(c: usize, round: usize, k: usize, booked: &mut Vec<MeetingSpec>) -> Op {
    let roll: f64 = thread_rng().gen();
    let slot = || (thread_rng().gen_range(0..2), thread_rng().gen_range(9..13));
    if roll < 0.1 && !booked.is_empty() {
        return Op::Cancel(booked.remove(recent(booked.len())));
    }
    if roll < 0.25 && !booked.is_empty() {
        return Op::Update(changed(&booked[recent(booked.len())]));
    }
    if roll < 0.4 && booked.iter().any(|m| !m.attendees.is_empty()) {
        let with: Vec<MeetingSpec> = booked
            .iter()
            .filter(|m| !m.attendees.is_empty())
            .cloned()
            .collect();
        let m = pick(&with);
        let who = pick(&m.attendees).resource;
        let answer = if thread_rng().gen_bool(0.5) {
            Response::Declined
        } else {
            Response::Accepted
        };
        return Op::Respond(m, who, answer);
    }
    if roll < 0.6 {
        let whose = if thread_rng().gen_bool(0.25) {
            pick(&ROOMS)
        } else {
            pick(&PEOPLE)
        };
        let whose = ResourceId::new(whose);
        return if thread_rng().gen_bool(0.5) {
            Op::Read(whose)
        } else {
            Op::FreeBusy(whose)
        };
    }
    let mut who: Vec<&str> = Vec::new();
    for _ in 0..thread_rng().gen_range(2..4) {
        let p = pick(&PEOPLE);
        if !who.contains(&p) {
            who.push(p);
        }
    }
    let (day, hour) = slot();
    let rooms = if thread_rng().gen_bool(0.3) {
        vec![pick(&ROOMS)]
    } else {
        vec![]
    };
    let days = if thread_rng().gen_bool(0.25) {
        thread_rng().gen_range(2..4)
    } else {
        1
    };
    let id = format!("c{c}-{round}-{k}");
    Op::Book(meeting(id, &who, &rooms, day, hour, days))
}

/// Which client, in which round, making how many calls.
#[derive(Clone, Copy, Debug)]
pub struct Turn {
    /// The client.
    pub client: usize,
    /// The round.
    pub round: usize,
    /// Calls to make.
    pub ops: usize,
    /// The share of changes that come with a racing second call on their meeting.
    pub racing: f64,
}

/// One client's calls in one round, in order, on the meetings of `booked` (shared).
pub async fn client(
    turn: Turn,
    addrs: BTreeMap<OfficeId, SocketAddr>,
    dir: Directory,
    epoch: madsim::time::Instant,
    acks: Arc<Acks>,
    booked: Pool,
) -> Vec<Call> {
    madsim::time::sleep(Duration::from_millis(100)).await;
    let mut calls = Vec::new();
    let target = target(&addrs, &dir, epoch);
    for k in 0..turn.ops {
        let (op, partner) = {
            let mut pool = lock(&booked);
            let op = next_op(turn.client, turn.round, k, &mut pool);
            let partner = racing(&op, &mut pool, turn.racing);
            (op, partner)
        };
        let done = match partner {
            Some(p) => {
                let lag = Duration::from_millis(thread_rng().gen_range(0..80));
                let later = async {
                    madsim::time::sleep(lag).await;
                    perform(p, &target).await
                };
                let (a, b) = futures::join!(perform(op, &target), later);
                vec![a, b]
            }
            None => vec![perform(op, &target).await],
        };
        for call in done {
            // Any answer to a booking, change or cancellation: a crash may be aimed
            // right after it (after a refusal too: an abort must be durable first).
            let answered = call.seen != Seen::Unknown;
            if matches!(call.op, Op::Book(_) | Op::Update(_) | Op::Cancel(_)) && answered {
                acks.answered(&call.office);
            }
            if call.seen == Seen::Done {
                let mut booked = lock(&booked);
                match &call.op {
                    Op::Book(m) => booked.push(m.clone()),
                    Op::Update(m) => {
                        booked.retain(|b| b.id != m.id);
                        booked.push(m.clone());
                    }
                    // A change that lands after its meeting's cancellation finds none.
                    Op::Cancel(m) => booked.retain(|b| b.id != m.id),
                    _ => {}
                }
            }
            calls.push(call);
        }
        madsim::time::sleep(Duration::from_millis(thread_rng().gen_range(0..200))).await;
    }
    calls
}

fn lock(pool: &Pool) -> std::sync::MutexGuard<'_, Vec<MeetingSpec>> {
    pool.lock().unwrap_or_else(|e| e.into_inner())
}
