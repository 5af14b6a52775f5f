//! The history checkers, one file each, the same code for the simulator (`sim/`, where
//! tokio is madsim's) and for runs on real processes (`dms scenario run --cluster`):
//! - [`linear`]: linearizability of the client history against a sequential model of
//!   the calendars (Wing & Gong with Lowe's memoization; `scenarios::linear`, pure and
//!   built optimized), and [`history`], which turns the recorded calls into its terms;
//! - [`invariants`]: safety at every quiescent point (atomicity, durability, no double
//!   booking but recorded overrides, answers in every copy, calendars that are exactly
//!   their meetings);
//! - [`notifications`]: every notification effect exactly once;
//! - [`liveness`]: after healing, everything resolves within a bound and new bookings
//!   succeed;
//! - [`availability`]: a call no fault came near gets an answer;
//! - [`run`]: all of them in order after a scenario's workload, and their verdicts.

pub mod availability;
pub mod history;
pub mod invariants;
pub use scenarios::linear;
pub mod liveness;
pub mod notifications;
pub mod run;

use crate::drive::call::{Call, Target};
use engine::calendar::Interval;
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::state::{MeetingSpec, Notification};

use crate::rpc::{connect, OfficeRpcClient};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// A client of every office, or the sentences saying which could not be reached.
pub async fn connect_all(
    addrs: &BTreeMap<OfficeId, SocketAddr>,
) -> Result<BTreeMap<OfficeId, OfficeRpcClient>, Vec<String>> {
    let mut clients = BTreeMap::new();
    let mut errors = Vec::new();
    for (o, a) in addrs {
        match connect(*a).await {
            Ok(c) => drop(clients.insert(o.clone(), c)),
            Err(e) => errors.push(format!("office {o} unreachable after healing: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(clients)
    } else {
        Err(errors)
    }
}

/// Clients of every office, made anew every [`Fresh::CALLS`] uses: under madsim a
/// tarpc connection's calls grow slower with every call made on it (measured: 6 ms for
/// the first `health`, 1.3 s by the 160th, in simulated time and in wall time alike),
/// so checks that read thousands of calendars spread them over many connections.
pub struct Fresh<'a> {
    addrs: &'a BTreeMap<OfficeId, SocketAddr>,
    clients: BTreeMap<OfficeId, OfficeRpcClient>,
    used: usize,
}

impl<'a> Fresh<'a> {
    /// Calls per set of connections.
    pub const CALLS: usize = 20;

    /// No connections yet.
    pub fn new(addrs: &'a BTreeMap<OfficeId, SocketAddr>) -> Fresh<'a> {
        Fresh {
            addrs,
            clients: BTreeMap::new(),
            used: 0,
        }
    }

    /// Clients for the next call (offices that cannot be reached are left out).
    pub async fn clients(&mut self) -> &BTreeMap<OfficeId, OfficeRpcClient> {
        if self.used.is_multiple_of(Self::CALLS) {
            self.clients.clear();
            for (o, a) in self.addrs {
                if let Ok(c) = connect(*a).await {
                    self.clients.insert(o.clone(), c);
                }
            }
        }
        self.used += 1;
        &self.clients
    }
}

/// What the state checks read: these people's and rooms' calendars, over this window.
#[derive(Clone, Debug)]
pub struct Scope {
    /// People and rooms whose calendars are read.
    pub resources: Vec<ResourceId>,
    /// The window read.
    pub window: Interval,
}

/// With `DMS_SIM_PHASES` set, says on stderr when each phase of a run ends (to see
/// where a long run's wall time goes).
pub fn phase(name: &str) {
    if std::env::var_os("DMS_SIM_PHASES").is_some() {
        eprintln!("phase done: {name}");
    }
}

/// Where the notifications each office sent are read from once the run is over: a
/// simulated node's memory sink, a real node's notification log.
pub type Sent = dyn Fn(&OfficeId) -> Vec<Notification> + Send + Sync;

/// At a quiescent point: liveness (settled, then `probe` booked), then the safety
/// invariants over `scope` and the notifications (`sent` reads each office's, after
/// the settling). Before all, waits `stragglers`: how long after the faults heal a
/// message sent into one may still arrive. Returns the probe's calls, the violations
/// (each prefixed by its checker's name) and a line for the trace.
pub async fn at_quiescence(
    target: &Target,
    calls: &[Call],
    sent: &Sent,
    scope: &Scope,
    probe: MeetingSpec,
    stragglers: Duration,
) -> (Vec<Call>, Vec<String>, String) {
    let (addrs, dir) = (&target.addrs, &target.dir);
    let clients = match connect_all(addrs).await {
        Ok(c) => c,
        Err(v) => return (vec![], v, "offices unreachable".into()),
    };
    let mut v = Vec::new();
    // A message sent into a partition is delivered once it heals (madsim retries a
    // blocked link with a backoff of up to 10 s, as TCP retransmits): a prepare can
    // arrive after its booking was refused and place a hold its office then asks about.
    // The quiescent point is after every such straggler has arrived; what it leaves
    // must still be settled (below) and gone by the checks.
    tokio::time::sleep(stragglers).await;
    let settled = liveness::settle(&clients).await;
    phase("settle");
    let (probe, broken) = liveness::probe(probe, target).await;
    phase("probe");
    let again = liveness::settle(&clients).await;
    let line = format!("settled in {settled:?}, probe tries {}", probe.len());
    let late = [settled.err(), broken, again.err()];
    v.extend(late.into_iter().flatten().map(|s| format!("liveness: {s}")));
    let mut all = calls.to_vec();
    all.extend(probe.iter().cloned());
    let broken = invariants::check(addrs, dir, &all, scope).await;
    v.extend(broken.into_iter().map(|s| format!("safety: {s}")));
    phase("invariants");
    let mut present: BTreeMap<MeetingId, Option<MeetingSpec>> = BTreeMap::new();
    let mut fresh = Fresh::new(addrs);
    for c in &all {
        let Some(m) = c.op.meeting() else { continue };
        if present.contains_key(&m.id) {
            continue;
        }
        let clients = fresh.clients().await;
        let home = dir.home(&m.organizer).ok().and_then(|h| clients.get(h));
        let here = match home {
            Some(h) => (h.meeting(tarpc::context::current(), m.id.clone()).await)
                .ok()
                .flatten(),
            None => None,
        };
        present.insert(m.id.clone(), here);
    }
    let is_present = |id: &MeetingId| present.get(id).cloned().flatten();
    let sinks: BTreeMap<OfficeId, Vec<Notification>> =
        (addrs.keys()).map(|o| (o.clone(), sent(o))).collect();
    let broken = notifications::check(&sinks, &all, &is_present);
    v.extend(broken.into_iter().map(|s| format!("notifications: {s}")));
    (probe, v, line)
}

/// Reads every one of `resources`' calendars through the API (the history's last
/// word on the state).
pub async fn final_reads(target: &Target, resources: &[ResourceId]) -> Vec<Call> {
    let mut reads = Vec::new();
    for r in resources {
        reads.push(
            crate::drive::call::perform(crate::drive::call::Op::Read(r.clone()), target).await,
        );
    }
    reads
}
