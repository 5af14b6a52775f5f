//! The checks after quiescence, from a host of their own:
//! - nothing is left undecided at any office;
//! - a meeting is at all or none of its offices (atomicity), and which: at all if its
//!   booking was acknowledged and no cancellation of it was (durability across crashes),
//!   at none if its booking was refused or its cancellation acknowledged;
//! - an acknowledged answer is in every office's copy of a meeting that is still booked
//!   (delivered to every office, exactly once in effect).

use crate::workload::{Op, Seen};
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::office::Directory;
use engine::state::{MeetingSpec, Response};
use node::rpc::{connect, OfficeRpcClient};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;

/// What the calls say a meeting should be at the end.
#[derive(Default)]
struct Expect {
    spec: Option<MeetingSpec>,
    booked: Option<Seen>,
    cancelled: Option<Seen>,
    answers: BTreeMap<ResourceId, Vec<(Response, Seen)>>,
}

/// Runs the checks; the broken ones come back as sentences. Appends what it saw to `trace`.
pub async fn check(
    addrs: &BTreeMap<OfficeId, SocketAddr>,
    dir: &Directory,
    calls: &[(Op, Seen)],
    trace: &mut String,
) -> Vec<String> {
    let mut v = Vec::new();
    let mut clients: BTreeMap<OfficeId, OfficeRpcClient> = BTreeMap::new();
    for (o, a) in addrs {
        match connect(*a).await {
            Ok(c) => drop(clients.insert(o.clone(), c)),
            Err(e) => v.push(format!("office {o} unreachable after healing: {e}")),
        }
    }
    for (o, c) in &clients {
        match c.health(tarpc::context::current()).await {
            Ok(h) => {
                let _ = writeln!(
                    trace,
                    "{o} applied={} version={} pending={} outbox={}",
                    h.applied, h.version, h.pending, h.outbox
                );
                if h.pending != 0 {
                    v.push(format!(
                        "office {o}: {} transactions still undecided",
                        h.pending
                    ));
                }
                if h.outbox != 0 {
                    v.push(format!(
                        "office {o}: {} effects never carried out",
                        h.outbox
                    ));
                }
            }
            Err(e) => v.push(format!("office {o}: health: {e}")),
        }
    }
    let mut expect: BTreeMap<MeetingId, Expect> = BTreeMap::new();
    for (op, seen) in calls {
        let e = expect.entry(op.meeting().id.clone()).or_default();
        e.spec.get_or_insert_with(|| op.meeting().clone());
        match op {
            Op::Book(_) => e.booked = Some(*seen),
            Op::Cancel(_) => e.cancelled = Some(*seen),
            Op::Respond(_, who, r) => e.answers.entry(who.clone()).or_default().push((*r, *seen)),
        }
    }
    for (id, e) in &expect {
        let Some(m) = &e.spec else { continue };
        let mut offices: Vec<OfficeId> = m
            .resources()
            .iter()
            .filter_map(|r| dir.home(r).ok().cloned())
            .collect();
        offices.sort();
        offices.dedup();
        let mut copies = Vec::new();
        for o in &offices {
            let Some(c) = clients.get(o) else { continue };
            match c.meeting(tarpc::context::current(), id.clone()).await {
                Ok(found) => copies.push(found),
                Err(err) => v.push(format!("office {o}: meeting {id}: {err}")),
            }
        }
        let present: Vec<bool> = copies.iter().map(Option::is_some).collect();
        let (all, none) = (present.iter().all(|p| *p), present.iter().all(|p| !*p));
        if !all && !none {
            v.push(format!("{id} is half-made: at {present:?} of {offices:?}"));
            continue;
        }
        let want = match (e.booked, e.cancelled) {
            (Some(Seen::Done), None | Some(Seen::Refused | Seen::Conflicts)) => Some(true),
            (Some(Seen::Done), Some(Seen::Done)) => Some(false),
            (Some(Seen::Conflicts | Seen::Refused), _) => Some(false),
            _ => None,
        };
        match want {
            Some(true) if !all => v.push(format!("{id} was acknowledged but is gone")),
            Some(false) if !none => v.push(format!(
                "{id} is booked but was refused or its cancellation acknowledged"
            )),
            _ => {}
        }
        if !all {
            continue;
        }
        for (who, answers) in &e.answers {
            if answers.iter().any(|(_, s)| *s != Seen::Done) {
                continue;
            }
            let Some((last, _)) = answers.last() else {
                continue;
            };
            for (o, copy) in offices.iter().zip(&copies) {
                let got = copy.as_ref().map(|c| c.response_of(who));
                if got != Some(*last) {
                    v.push(format!(
                        "{id}: {who} answered {last:?}, office {o} has {got:?}"
                    ));
                }
            }
        }
    }
    v
}
