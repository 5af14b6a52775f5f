//! What the simulated clients do: book seeded meetings across offices (contending for a
//! few hours; some with a room, some daily series of two or three days), move some of
//! them, cancel some (through the organizer's office), have
//! invitees answer (through their own offices), and read people's calendars at their
//! offices; every call recorded with the simulated instants it was invoked and returned.

use crate::faults::Acks;
use engine::calendar::Interval;
use engine::ids::{OfficeId, ResourceId};
use engine::office::Directory;
use engine::recurrence::Rule;
use engine::state::{MeetingSpec, Response};
use engine::time::{Disambiguation, Instant, Wall, Zone};
use madsim::rand::{thread_rng, Rng};
pub use node::drive::call::{perform, Call, Op, Seen, Target};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
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

/// The next thing client `c` does, given the meetings it has booked.
fn next_op(c: usize, round: usize, k: usize, booked: &mut Vec<MeetingSpec>) -> Op {
    let roll: f64 = thread_rng().gen();
    let slot = || (thread_rng().gen_range(0..2), thread_rng().gen_range(9..13));
    if roll < 0.1 && !booked.is_empty() {
        return Op::Cancel(booked.remove(thread_rng().gen_range(0..booked.len())));
    }
    if roll < 0.25 && !booked.is_empty() {
        let old = pick(booked);
        let (day, hour) = slot();
        let mut who = vec![old.organizer.as_str()];
        who.extend(old.attendees.iter().map(|a| a.resource.as_str()));
        let rooms: Vec<&str> = old.rooms.iter().map(|r| r.as_str()).collect();
        let name = old.uid.clone().unwrap_or_default();
        let mut moved = meeting(name, &who, &rooms, day, hour, 1);
        moved.recurrence.rrules = old.recurrence.rrules.clone();
        return Op::Update(moved);
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
}

/// One client's calls in one round, in order.
pub async fn client(
    turn: Turn,
    addrs: BTreeMap<OfficeId, SocketAddr>,
    dir: Directory,
    epoch: madsim::time::Instant,
    acks: Arc<Acks>,
    mut booked: Vec<MeetingSpec>,
) -> (Vec<Call>, Vec<MeetingSpec>) {
    madsim::time::sleep(Duration::from_millis(100)).await;
    let mut calls = Vec::new();
    let target = target(&addrs, &dir, epoch);
    for k in 0..turn.ops {
        let op = next_op(turn.client, turn.round, k, &mut booked);
        let call = perform(op, &target).await;
        if let (Op::Book(_) | Op::Update(_), Seen::Done) = (&call.op, call.seen) {
            acks.acknowledged(&call.office);
        }
        if call.seen == Seen::Done {
            match &call.op {
                Op::Book(m) => booked.push(m.clone()),
                Op::Update(m) => {
                    booked.retain(|b| b.id != m.id);
                    booked.push(m.clone());
                }
                _ => {}
            }
        }
        calls.push(call);
        madsim::time::sleep(Duration::from_millis(thread_rng().gen_range(0..200))).await;
    }
    (calls, booked)
}
