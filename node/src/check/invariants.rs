//! Safety at a quiescent point (everything healed and settled), from a host of its own:
//! - atomicity: a meeting is at all of its offices or at none, the same version at each;
//! - durability: a meeting whose booking was acknowledged, and no cancellation of it
//!   was tried, is there (across every crash); one refused, or whose cancellation was
//!   acknowledged, is not;
//! - no double booking: no two meetings' entries overlap on a person's calendar unless
//!   one is a recorded override (an attendee accepting over a conflict), and no hold is
//!   left;
//! - calendars match meetings: each person's and room's entries are exactly the
//!   instances of the meetings their office holds them in (see
//!   [`crate::drive::checks::entries_match`]);
//! - every copy has the same answers, and an acknowledged answer (after the meeting's
//!   last change) is in every copy.

use super::{Fresh, Scope};
use crate::drive::call::{Call, Op, Seen};
use crate::drive::checks::{calendar_problems, Held};
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::office::Directory;
use engine::state::{MeetingSpec, Response};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// What the calls say about one meeting.
#[derive(Default)]
struct Expect {
    organizer: Option<ResourceId>,
    booked: Option<Seen>,
    cancelled: Option<Seen>,
    /// When the last change returned (acknowledged or not known), and whether any
    /// change's caller does not know how it ended.
    last_change: Option<(u64, bool)>,
    /// Each answer given: what, what its caller saw, invoked and returned.
    answers: BTreeMap<ResourceId, Vec<(Response, Seen, u64, u64)>>,
}

fn expectations(calls: &[Call]) -> BTreeMap<MeetingId, Expect> {
    let mut expect: BTreeMap<MeetingId, Expect> = BTreeMap::new();
    for c in calls {
        let Some(m) = c.op.meeting() else { continue };
        let e = expect.entry(m.id.clone()).or_default();
        e.organizer.get_or_insert_with(|| m.organizer.clone());
        match &c.op {
            Op::Book(_) => e.booked = Some(c.seen),
            // Several cancellations (from clients racing): one acknowledged decides,
            // else one whose caller does not know leaves it open.
            Op::Cancel(_) => {
                e.cancelled = Some(match (e.cancelled, c.seen) {
                    (Some(Seen::Done), _) | (_, Seen::Done) => Seen::Done,
                    (Some(Seen::Unknown), _) | (_, Seen::Unknown) => Seen::Unknown,
                    _ => c.seen,
                })
            }
            Op::Update(_) if !matches!(c.seen, Seen::Refused | Seen::Conflicts) => {
                let (at, unknown) = e.last_change.unwrap_or((0, false));
                e.last_change = Some((at.max(c.returned), unknown || c.seen == Seen::Unknown))
            }
            Op::Respond(_, who, r) => {
                let list = e.answers.entry(who.clone()).or_default();
                list.push((*r, c.seen, c.invoked, c.returned));
            }
            _ => {}
        }
    }
    expect
}

/// Whether two offices' copies of a meeting are the same version in time: the same
/// recurrence, length, cancelled instances and instances moved on their own.
fn same_version(a: &MeetingSpec, b: &MeetingSpec) -> bool {
    a.recurrence == b.recurrence
        && a.duration_secs == b.duration_secs
        && a.cancelled == b.cancelled
        && a.overrides == b.overrides
}

/// Checks the state of every office against the calls so far; broken invariants come
/// back as sentences.
pub async fn check(
    addrs: &BTreeMap<OfficeId, SocketAddr>,
    dir: &Directory,
    calls: &[Call],
    scope: &Scope,
) -> Vec<String> {
    let ctx = tarpc::context::current;
    let mut v = Vec::new();
    let mut fresh = Fresh::new(addrs);
    let mut held: BTreeMap<OfficeId, Held> = BTreeMap::new();
    for (id, e) in &expectations(calls) {
        let clients = fresh.clients().await;
        if clients.len() < addrs.len() {
            v.push(format!(
                "an office unreachable at quiescence, checking {id}"
            ));
        }
        let mut copies: BTreeMap<OfficeId, MeetingSpec> = BTreeMap::new();
        for (o, c) in clients {
            match c.meeting(ctx(), id.clone()).await {
                Ok(m) => {
                    let here = held.entry(o.clone()).or_default();
                    here.insert(id.clone(), m.clone());
                    copies.extend(m.map(|m| (o.clone(), m)));
                }
                Err(err) => v.push(format!("office {o}: meeting {id}: {err}")),
            }
        }
        let home = e.organizer.as_ref().and_then(|o| dir.home(o).ok());
        let at_home = home.and_then(|h| copies.get(h));
        if let Some(m) = at_home {
            let mut want: Vec<OfficeId> = m
                .resources()
                .iter()
                .filter_map(|r| dir.home(r).ok().cloned())
                .collect();
            want.sort();
            want.dedup();
            let have: Vec<OfficeId> = copies.keys().cloned().collect();
            if have != want {
                v.push(format!(
                    "{id} is half-made: at {have:?}, belongs at {want:?}"
                ));
            }
            if copies.values().any(|c| !same_version(c, m)) {
                v.push(format!("{id}: offices hold different versions"));
            }
            for a in &m.attendees {
                let answers: Vec<_> = copies
                    .values()
                    .map(|c| c.response_of(&a.resource))
                    .collect();
                if answers.windows(2).any(|w| w[0] != w[1]) {
                    let who = &a.resource;
                    v.push(format!(
                        "{id}: copies disagree on {who}'s answer: {answers:?}"
                    ));
                }
            }
        } else if !copies.is_empty() {
            let have: Vec<&OfficeId> = copies.keys().collect();
            v.push(format!(
                "{id} is half-made: at {have:?} but not its organizer's"
            ));
        }
        let present = at_home.is_some();
        let want = match (e.booked, e.cancelled) {
            (Some(Seen::Done), None | Some(Seen::Refused | Seen::Conflicts)) => Some(true),
            (_, Some(Seen::Done)) | (Some(Seen::Conflicts | Seen::Refused), _) => Some(false),
            _ => None,
        };
        match want {
            Some(true) if !present => v.push(format!("{id} was acknowledged but is gone")),
            Some(false) if present => v.push(format!(
                "{id} is booked but was refused or its cancellation acknowledged"
            )),
            _ => {}
        }
        if let Some(m) = at_home.filter(|_| !matches!(e.last_change, Some((_, true)))) {
            answers_in_copies(id, m, e, &copies, &mut v);
        }
    }
    for r in &scope.resources {
        let clients = fresh.clients().await;
        let office = dir.home(r).ok();
        if let Some((o, c)) = office.and_then(|o| Some((o, clients.get(o)?))) {
            // Meetings the history never names (a scenario's standing calendars) are
            // not looked up: nothing the workload does changes them.
            let held = held.entry(o.clone()).or_default();
            v.extend(calendar_problems(c, r, scope.window, held, false).await);
        }
    }
    v
}

/// Each attendee's answer in every copy is one that may have been the last: of the
/// acknowledged answers given after the last change, one that no other acknowledged
/// answer followed entirely (answers from two clients at once may land either way). A
/// change resets answers; an answer whose caller does not know is not judged.
fn answers_in_copies(
    id: &MeetingId,
    m: &MeetingSpec,
    e: &Expect,
    copies: &BTreeMap<OfficeId, MeetingSpec>,
    v: &mut Vec<String>,
) {
    let since = e.last_change.map(|(t, _)| t).unwrap_or(0);
    for (who, answers) in &e.answers {
        let after: Vec<_> = answers.iter().filter(|a| a.2 > since).collect();
        if after.iter().any(|a| a.1 == Seen::Unknown) {
            continue;
        }
        let done: Vec<_> = after.iter().filter(|a| a.1 == Seen::Done).collect();
        let may_be_last: Vec<Response> = (done.iter())
            .filter(|a| !done.iter().any(|b| b.2 > a.3))
            .map(|a| a.0)
            .collect();
        if may_be_last.is_empty() || !m.attendees.iter().any(|a| &a.resource == who) {
            continue;
        }
        for (o, copy) in copies {
            let got = copy.response_of(who);
            if !may_be_last.contains(&got) {
                v.push(format!(
                    "{id}: {who} answered {may_be_last:?} last, office {o} has {got:?}"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::state::{EditScope, Retime};
    use engine::time::{Instant, Wall, Zone};

    /// Copies that differ only in one instance moved on its own, or one cancelled, are
    /// different versions (the check compared the rule alone before instance edits).
    #[test]
    fn copies_that_differ_in_one_instance_are_different_versions() {
        let start = Wall::from_ymd_hms(2027, 1, 11, 9, 0, 0);
        let mut m = MeetingSpec::single("m", "alice", &["dev"], &[], start, Zone::Utc, 3600);
        m.recurrence
            .rrules
            .push(engine::recurrence::Rule::parse("FREQ=DAILY;COUNT=3").unwrap());
        let second = Instant(m.recurrence.start().0 + 86_400);
        let moved = m
            .retimed(
                EditScope::Instance(second),
                Retime {
                    start: Some(Instant(second.0 + 3600)),
                    duration_secs: None,
                },
                Instant(0),
            )
            .unwrap();
        assert_eq!(moved.recurrence, m.recurrence);
        assert!(same_version(&m, &m));
        assert!(!same_version(&m, &moved));
        let mut cancelled = m.clone();
        cancelled.cancelled.insert(second);
        assert!(!same_version(&m, &cancelled));
    }
}
