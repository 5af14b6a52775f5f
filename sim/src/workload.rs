//! What the simulated clients do: book seeded meetings across offices (contending for a
//! few hours), cancel some of the ones they booked (through the organizer's office), and
//! have invitees answer (through their own offices), recording what each call came to.

use engine::ids::{OfficeId, ResourceId};
use engine::office::Directory;
use engine::state::{CancelScope, MeetingSpec, Outcome, Response};
use engine::time::{Wall, Zone};
use madsim::rand::{thread_rng, Rng};
use node::rpc::{connect, BookReply};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// People who book, across the four offices.
pub const PEOPLE: [&str; 8] = [
    "alice", "bob", "dev", "emma", "priya", "rahul", "tom", "uma",
];
/// Operations per client.
pub const OPS_PER_CLIENT: usize = 10;

/// One client call.
#[derive(Clone, Debug)]
pub enum Op {
    /// Book a new meeting.
    Book(MeetingSpec),
    /// Cancel a booked meeting, whole.
    Cancel(MeetingSpec),
    /// An invitee answers.
    Respond(MeetingSpec, ResourceId, Response),
}

impl Op {
    /// The meeting the call is about.
    pub fn meeting(&self) -> &MeetingSpec {
        match self {
            Op::Book(m) | Op::Cancel(m) | Op::Respond(m, _, _) => m,
        }
    }
}

/// What a call came to, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Booked (a booking) or done (a cancellation, an answer).
    Done,
    /// Refused for conflicts.
    Conflicts,
    /// Refused otherwise (an office unreachable, a meeting being changed).
    Refused,
    /// No answer (the call failed): it may or may not have happened.
    Unknown,
}

fn meeting(id: String, who: &[&str], day: u32, hour: u32) -> MeetingSpec {
    let start = Wall::from_ymd_hms(2027, 1, 11 + day, hour, 0, 0);
    MeetingSpec::single(&id, who[0], &who[1..], &[], start, Zone::Utc, 3600)
}

fn ctx() -> tarpc::context::Context {
    let mut ctx = tarpc::context::current();
    ctx.deadline = std::time::Instant::now() + Duration::from_secs(20);
    ctx
}

/// One client's calls, in order.
pub async fn client(
    c: usize,
    addrs: BTreeMap<OfficeId, SocketAddr>,
    dir: Directory,
) -> Vec<(Op, Seen)> {
    madsim::time::sleep(Duration::from_millis(100)).await;
    let mut calls = Vec::new();
    let mut booked: Vec<MeetingSpec> = Vec::new();
    for k in 0..OPS_PER_CLIENT {
        let roll: f64 = thread_rng().gen();
        let op = if roll < 0.2 && !booked.is_empty() {
            Op::Cancel(booked.remove(thread_rng().gen_range(0..booked.len())))
        } else if roll < 0.4 && booked.iter().any(|m| !m.attendees.is_empty()) {
            let with: Vec<&MeetingSpec> =
                booked.iter().filter(|m| !m.attendees.is_empty()).collect();
            let m = with[thread_rng().gen_range(0..with.len())].clone();
            let who = m.attendees[thread_rng().gen_range(0..m.attendees.len())]
                .resource
                .clone();
            let answer = if thread_rng().gen_bool(0.5) {
                Response::Declined
            } else {
                Response::Accepted
            };
            Op::Respond(m, who, answer)
        } else {
            let mut who: Vec<&str> = Vec::new();
            for _ in 0..thread_rng().gen_range(2..4) {
                let p = PEOPLE[thread_rng().gen_range(0..PEOPLE.len())];
                if !who.contains(&p) {
                    who.push(p);
                }
            }
            Op::Book(meeting(
                format!("c{c}-{k}"),
                &who,
                thread_rng().gen_range(0..2),
                thread_rng().gen_range(9..13),
            ))
        };
        let actor = match &op {
            Op::Book(m) | Op::Cancel(m) => m.organizer.clone(),
            Op::Respond(_, who, _) => who.clone(),
        };
        let home = dir.home(&actor).expect("a sample person").clone();
        let seen = match connect(addrs[&home]).await {
            Err(_) => Seen::Unknown,
            Ok(client) => match &op {
                Op::Book(m) => match client.book(ctx(), m.clone(), false).await {
                    Ok(BookReply::Booked { .. }) => Seen::Done,
                    Ok(BookReply::Conflicts { .. }) => Seen::Conflicts,
                    Ok(BookReply::Refused { .. }) => Seen::Refused,
                    Err(_) => Seen::Unknown,
                },
                Op::Cancel(m) => {
                    let scope = CancelScope::Series;
                    outcome(client.cancel(ctx(), m.id.clone(), scope).await)
                }
                Op::Respond(m, who, r) => {
                    outcome(client.respond(ctx(), m.id.clone(), who.clone(), *r).await)
                }
            },
        };
        if let (Op::Book(m), Seen::Done) = (&op, seen) {
            booked.push(m.clone());
        }
        calls.push((op, seen));
        madsim::time::sleep(Duration::from_millis(thread_rng().gen_range(0..200))).await;
    }
    calls
}

fn outcome(reply: Result<Outcome, tarpc::client::RpcError>) -> Seen {
    match reply {
        Ok(Outcome::Cancelled { .. } | Outcome::Responded { .. }) => Seen::Done,
        Ok(_) => Seen::Refused,
        Err(_) => Seen::Unknown,
    }
}
