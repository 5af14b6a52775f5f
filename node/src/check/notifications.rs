//! Every notification effect exactly once. A sink may be handed the same notification
//! more than once (a node that crashed before recording it as done sends it again),
//! which is why notifications carry keys and sinks drop repeats: so every copy under one
//! key must be the same notification, and after dropping repeats by key:
//! - each invitee of a meeting that was ever booked is invited exactly once, and one that
//!   never was, never;
//! - each invitee of a meeting whose cancellation was acknowledged is told exactly once;
//!   one still booked, never;
//! - a person is told of changes at least once per acknowledged change and at most once
//!   per change tried; an organizer of answers at most once per answer given;
//! - where changes added or took off people, each person's invitations less the
//!   cancellations they were told of come to one if they are in the meeting as it ends,
//!   and to none otherwise (each change that adds them invites them, each that takes
//!   them off tells them it is cancelled for them).

use crate::drive::call::{Call, Op, Seen};
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::state::{MeetingSpec, NoticeKind, Notification};

use std::collections::BTreeMap;

/// What the calls say of one meeting: its booking and cancellation acknowledged or maybe
/// done, changes (acknowledged, tried), answers tried, and its invitees.
#[derive(Default)]
struct Allowed {
    booked: bool,
    maybe_booked: bool,
    cancelled: bool,
    maybe_cancelled: bool,
    changes: (usize, usize),
    answers: usize,
    /// The invitees of every version the calls name (sorted, each once).
    versions: Vec<Vec<ResourceId>>,
}

impl Allowed {
    /// The invitees, if every version has the same; none if changes tried others.
    fn people(&self) -> Option<&[ResourceId]> {
        match self.versions.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Everyone any version invites.
    fn everyone(&self) -> Vec<ResourceId> {
        let mut all: Vec<ResourceId> = self.versions.concat();
        all.sort();
        all.dedup();
        all
    }
}

/// Checks what each office's sink was handed against the calls; `end` gives each meeting
/// as it is at the end (at its organizer's office), if it is booked.
pub fn check(
    sinks: &BTreeMap<OfficeId, Vec<Notification>>,
    calls: &[Call],
    end: &dyn Fn(&MeetingId) -> Option<MeetingSpec>,
) -> Vec<String> {
    let mut v = Vec::new();
    let mut by_key: BTreeMap<String, Notification> = BTreeMap::new();
    for sent in sinks.values() {
        for n in sent.iter().cloned() {
            match by_key.get(&n.key) {
                Some(first) if *first != n => v.push(format!(
                    "key {} used for two notifications: {first:?} and {n:?}",
                    n.key
                )),
                Some(_) => {}
                None => drop(by_key.insert(n.key.clone(), n)),
            }
        }
    }
    let mut allowed: BTreeMap<MeetingId, Allowed> = BTreeMap::new();
    for c in calls {
        let Some(m) = c.op.meeting() else { continue };
        let a = allowed.entry(m.id.clone()).or_default();
        let mut people: Vec<ResourceId> = m.attendees.iter().map(|x| x.resource.clone()).collect();
        people.sort();
        if !a.versions.contains(&people) {
            a.versions.push(people);
        }
        let ok = c.seen == Seen::Done;
        let maybe = ok || c.seen == Seen::Unknown;
        match &c.op {
            Op::Book(_) => (a.booked, a.maybe_booked) = (ok, maybe),
            Op::Cancel(_) => {
                a.cancelled |= ok;
                a.maybe_cancelled |= maybe;
            }
            Op::Update(_) => {
                a.changes.0 += usize::from(ok);
                a.changes.1 += usize::from(maybe);
            }
            Op::Respond(..) => a.answers += usize::from(maybe),
            Op::Read(_) | Op::FreeBusy(_) | Op::Suggest(_) => {}
        }
    }
    // Distinct notifications per (meeting, person, kind).
    let mut count: BTreeMap<(MeetingId, ResourceId, &'static str), usize> = BTreeMap::new();
    for n in by_key.values() {
        let kind = match n.kind {
            NoticeKind::Invited => "invited",
            // One instance moved is the change's notice, as `Changed` is for the rest.
            NoticeKind::Changed
            | NoticeKind::InstanceMoved { .. }
            | NoticeKind::FollowingMoved { .. } => "changed",
            NoticeKind::Cancelled(_) => "cancelled",
            NoticeKind::Responded { .. } => "responded",
            // The simulated nodes run without reminders, and the workload makes no
            // counter-proposals: any of these is a notice nothing asked for.
            NoticeKind::Reminder { .. } => "reminder",
            NoticeKind::Proposed { .. } => "proposed",
            NoticeKind::ProposalDeclined { .. } => "proposal-declined",
        };
        *count
            .entry((n.meeting.clone(), n.to.clone(), kind))
            .or_default() += 1;
    }
    let got = |m: &MeetingId, p: &ResourceId, k| {
        count.get(&(m.clone(), p.clone(), k)).copied().unwrap_or(0)
    };
    for (id, a) in &allowed {
        let last = end(id);
        let Some(people) = a.people() else {
            let with = |p: &ResourceId| {
                (last.as_ref()).is_some_and(|m| m.attendees.iter().any(|x| &x.resource == p))
            };
            for p in &a.everyone() {
                let (invited, cancelled) = (got(id, p, "invited"), got(id, p, "cancelled"));
                let want = usize::from(with(p));
                if invited != cancelled + want {
                    v.push(format!(
                        "{p} invited to {id} {invited} times, told of its cancellation \
                         {cancelled} times; in it at the end: {}",
                        want == 1
                    ));
                }
                let changed = got(id, p, "changed");
                if changed > a.changes.1 {
                    v.push(format!(
                        "{p} told {id} changed {changed} times, {} changes tried",
                        a.changes.1
                    ));
                }
            }
            continue;
        };
        let here = last.is_some();
        for p in people {
            // Exactly once if it surely happened, at most once if it may have.
            let once = |sure: bool, maybe: bool| match (sure, maybe) {
                (true, _) => 1..=1,
                (false, true) => 0..=1,
                (false, false) => 0..=0,
            };
            let booked = a.booked || here || a.cancelled;
            let checks = [
                (
                    "invited to",
                    "invited",
                    once(booked, a.maybe_booked && a.maybe_cancelled),
                ),
                (
                    "told of the cancellation of",
                    "cancelled",
                    once(a.cancelled, a.maybe_cancelled && !here),
                ),
            ];
            for (what, kind, want) in checks {
                let n = got(id, p, kind);
                if !want.contains(&n) {
                    v.push(format!("{p} {what} {id} {n} times, expected {want:?}"));
                }
            }
            let changed = got(id, p, "changed");
            if changed < a.changes.0 || changed > a.changes.1 {
                v.push(format!(
                    "{p} told {id} changed {changed} times, expected {:?}",
                    a.changes.0..=a.changes.1
                ));
            }
        }
    }
    for ((id, to, kind), n) in &count {
        if ["reminder", "proposed", "proposal-declined"].contains(kind) {
            v.push(format!(
                "{to} told {n} time(s) of a {kind} notice for {id}, which nothing asked for"
            ));
        }
        let answers = allowed.get(id).map(|a| a.answers).unwrap_or(0);
        if *kind == "responded" && *n > answers {
            v.push(format!(
                "{to} told of answers to {id} {n} times, {answers} given"
            ));
        }
    }
    v
}
