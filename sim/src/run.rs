//! One seeded run: the sample company on simulated hosts, three client hosts booking
//! concurrently (seeded meetings across offices, contending for a few hours), a seeded
//! fault plan that cuts offices off the network and heals them, and crashes offices
//! (their disks losing unsynced writes) and restarts them; then quiescence and the
//! checks. The run's trace (every reply, the final state of every office) hashes to a
//! number that must be the same for the same seed.

use crate::cluster::SimCluster;
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::recurrence::RecurrenceSet;
use engine::state::{Attendee, MeetingSpec, Response};
use engine::time::{Wall, Zone};
use madsim::net::NetSim;
use madsim::rand::{thread_rng, Rng};
use madsim::runtime::{Handle, Runtime};
use node::rpc::{connect, BookReply};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// People who book, across the four offices.
pub const PEOPLE: [&str; 8] = [
    "alice", "bob", "dev", "emma", "priya", "rahul", "tom", "uma",
];
/// Client hosts.
pub const CLIENTS: usize = 3;
/// Bookings per client.
pub const BOOKINGS_PER_CLIENT: usize = 8;

/// What a booking call came to, as the client saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Booked.
    Booked,
    /// Refused for conflicts.
    Conflicts,
    /// Refused otherwise (an office unreachable, say).
    Refused,
    /// No answer (the call failed): it may or may not have happened.
    Unknown,
}

/// What one run did and found.
#[derive(Debug)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Every booking and what its client saw.
    pub calls: Vec<(MeetingSpec, Seen)>,
    /// Partitions injected.
    pub partitions: usize,
    /// Crashes (with restarts) injected.
    pub crashes: usize,
    /// Everything that happened, in order, as text.
    pub trace: String,
    /// Broken checks (empty when the run is correct).
    pub violations: Vec<String>,
    /// Simulated seconds the run took.
    pub simulated_secs: f64,
}

impl Report {
    /// A hash of the trace (FNV-1a, stable across builds).
    pub fn trace_hash(&self) -> u64 {
        self.trace.bytes().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
        })
    }
}

fn meeting(id: String, who: &[&str], day: u32, hour: u32) -> MeetingSpec {
    MeetingSpec {
        id: MeetingId::new(id),
        organizer: ResourceId::new(who[0]),
        title: "sim".into(),
        attendees: who[1..]
            .iter()
            .map(|a| Attendee {
                resource: ResourceId::new(*a),
                required: true,
                response: Response::NeedsAction,
            })
            .collect(),
        rooms: vec![],
        duration_secs: 3600,
        recurrence: RecurrenceSet::single(
            Wall::from_ymd_hms(2027, 1, 11 + day, hour, 0, 0),
            Zone::Utc,
        ),
        cancelled: Default::default(),
    }
}

/// Runs `seed` and checks it, on a fresh thread: thread-local state of a previous run
/// (tokio's per-thread random numbers for `select!`, std's hash keys) would otherwise
/// leak into this one and break determinism.
pub fn run(seed: u64) -> Report {
    std::thread::spawn(move || {
        let rt = Runtime::with_seed_and_config(seed, madsim::Config::default());
        rt.block_on(simulate(seed))
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// The simulation itself, inside a runtime made for `seed`.
pub async fn simulate(seed: u64) -> Report {
    let start = madsim::time::Instant::now();
    let cluster = std::sync::Arc::new(SimCluster::start());
    let handle = Handle::current();
    let dir = node::sample::parse_directory(node::sample::SAMPLE_OFFICES).expect("sample");
    let mut trace = String::new();
    for (o, (skew, drift)) in &cluster.clocks {
        let _ = writeln!(trace, "clock {o} skew={skew}ms drift={drift}ppm");
    }
    // Messages take 1 ms to a seeded maximum of up to 100 ms (so they overtake each other
    // across connections).
    let max_latency = thread_rng().gen_range(2..100);
    NetSim::current().update_config(|c| {
        c.send_latency = Duration::from_millis(1)..Duration::from_millis(max_latency);
    });
    let _ = writeln!(trace, "latency 1..{max_latency}ms");
    // The fault plan: a few times, cut a random office off the network for a while, or
    // crash it (its disk loses unsynced writes, the last one maybe torn) and restart it.
    let offices: Vec<OfficeId> = cluster.addrs.keys().cloned().collect();
    let node_ids: Vec<_> = offices.iter().map(|o| cluster.nodes[o].id()).collect();
    let faults = handle.create_node().name("faults").build().spawn({
        let (node_ids, offices, cluster) = (node_ids.clone(), offices.clone(), cluster.clone());
        async move {
            let (mut partitions, mut crashes) = (0, 0);
            for _ in 0..thread_rng().gen_range(1..5) {
                madsim::time::sleep(Duration::from_millis(thread_rng().gen_range(0..3_000))).await;
                let victim = thread_rng().gen_range(0..node_ids.len());
                if thread_rng().gen_bool(0.5) {
                    NetSim::current().clog_node(node_ids[victim]);
                    madsim::time::sleep(Duration::from_millis(thread_rng().gen_range(500..8_000)))
                        .await;
                    NetSim::current().unclog_node(node_ids[victim]);
                    partitions += 1;
                } else {
                    let down = Duration::from_millis(thread_rng().gen_range(100..5_000));
                    let torn = thread_rng().gen_range(0..64);
                    cluster.crash(&offices[victim], down, torn).await;
                    crashes += 1;
                }
            }
            (partitions, crashes)
        }
    });
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let addrs = cluster.addrs.clone();
        let dir = dir.clone();
        let host = handle
            .create_node()
            .name(format!("client-{c}"))
            .ip([10, 0, 1, c as u8 + 1].into())
            .build();
        clients.push(host.spawn(async move {
            madsim::time::sleep(Duration::from_millis(100)).await;
            let mut calls = Vec::new();
            for k in 0..BOOKINGS_PER_CLIENT {
                let mut who: Vec<&str> = Vec::new();
                for _ in 0..thread_rng().gen_range(2..4) {
                    let p = PEOPLE[thread_rng().gen_range(0..PEOPLE.len())];
                    if !who.contains(&p) {
                        who.push(p);
                    }
                }
                let m = meeting(
                    format!("c{c}-{k}"),
                    &who,
                    thread_rng().gen_range(0..2),
                    thread_rng().gen_range(9..13),
                );
                let home = dir.home(&m.organizer).expect("known").clone();
                let seen = match connect(addrs[&home]).await {
                    Err(_) => Seen::Unknown,
                    Ok(client) => {
                        let mut ctx = tarpc::context::current();
                        ctx.deadline = std::time::Instant::now() + Duration::from_secs(20);
                        match client.book(ctx, m.clone(), false).await {
                            Ok(BookReply::Booked { .. }) => Seen::Booked,
                            Ok(BookReply::Conflicts { .. }) => Seen::Conflicts,
                            Ok(BookReply::Refused { .. }) => Seen::Refused,
                            Err(_) => Seen::Unknown,
                        }
                    }
                };
                calls.push((m, seen));
                madsim::time::sleep(Duration::from_millis(thread_rng().gen_range(0..200))).await;
            }
            calls
        }));
    }
    let mut calls = Vec::new();
    for c in clients {
        calls.extend(c.await.expect("a client ended"));
    }
    let (partitions, crashes) = faults.await.expect("the fault plan ended");
    // Heal, then give participants time to ask about old holds.
    for id in &node_ids {
        NetSim::current().unclog_node(*id);
    }
    madsim::time::sleep(Duration::from_secs(30)).await;
    for (m, seen) in &calls {
        let _ = writeln!(trace, "{} {:?}", m.id, seen);
    }
    let checker = handle
        .create_node()
        .name("checker")
        .ip([10, 0, 2, 1].into())
        .build();
    let (cluster_addrs, calls2) = (cluster.addrs.clone(), calls.clone());
    let (violations, tail) = checker
        .spawn(async move {
            let mut tail = String::new();
            let v = check(&cluster_addrs, &dir, &calls2, &mut tail).await;
            (v, tail)
        })
        .await
        .expect("the checker ended");
    trace.push_str(&tail);
    Report {
        seed,
        calls,
        partitions,
        crashes,
        trace,
        violations,
        simulated_secs: start.elapsed().as_secs_f64(),
    }
}

/// After quiescence: nothing is left undecided; a booking the client saw succeed is at
/// every office it touches; one it saw refused is at none; one without an answer is at
/// all or none of them.
async fn check(
    addrs: &BTreeMap<OfficeId, std::net::SocketAddr>,
    dir: &engine::office::Directory,
    calls: &[(MeetingSpec, Seen)],
    trace: &mut String,
) -> Vec<String> {
    let mut v = Vec::new();
    let mut clients = BTreeMap::new();
    for (o, a) in addrs {
        match connect(*a).await {
            Ok(c) => {
                clients.insert(o.clone(), c);
            }
            Err(e) => v.push(format!("office {o} unreachable after healing: {e}")),
        }
    }
    for (o, c) in &clients {
        match c.health(tarpc::context::current()).await {
            Ok(h) => {
                let _ = writeln!(
                    trace,
                    "{o} applied={} version={} pending={}",
                    h.applied, h.version, h.pending
                );
                if h.pending != 0 {
                    v.push(format!(
                        "office {o}: {} transactions still undecided",
                        h.pending
                    ));
                }
            }
            Err(e) => v.push(format!("office {o}: health: {e}")),
        }
    }
    for (m, seen) in calls {
        let mut offices: Vec<OfficeId> = m
            .resources()
            .iter()
            .filter_map(|r| dir.home(r).ok().cloned())
            .collect();
        offices.sort();
        offices.dedup();
        let mut present = Vec::new();
        for o in &offices {
            let Some(c) = clients.get(o) else { continue };
            match c.meeting(tarpc::context::current(), m.id.clone()).await {
                Ok(found) => present.push(found.is_some()),
                Err(e) => v.push(format!("office {o}: meeting {}: {e}", m.id)),
            }
        }
        let all = present.iter().all(|p| *p);
        let none = present.iter().all(|p| !*p);
        match seen {
            Seen::Booked if !all => v.push(format!(
                "{} was acknowledged but is missing at an office: {present:?}",
                m.id
            )),
            Seen::Conflicts | Seen::Refused if !none => v.push(format!(
                "{} was refused but is booked somewhere: {present:?}",
                m.id
            )),
            Seen::Unknown if !all && !none => v.push(format!("{} is half-made: {present:?}", m.id)),
            _ => {}
        }
    }
    v
}
