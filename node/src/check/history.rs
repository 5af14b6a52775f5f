//! The recorded calls in the linearizability checker's terms: people, meetings and
//! offices numbered, meetings reduced to their time and resources.

use super::linear::{self, Action, Answer, Version};
use crate::drive::call::{Call, Op, Seen};
use engine::calendar::BusyStatus;
use engine::office::Directory;
use engine::state::{MeetingSpec, Response};
use std::collections::BTreeMap;

/// Numbers for names, in order of first use.
#[derive(Default)]
struct Names(BTreeMap<String, u32>);

impl Names {
    fn of(&mut self, name: &str) -> u32 {
        let next = self.0.len() as u32;
        *self.0.entry(name.to_string()).or_insert(next)
    }
}

/// The numbering of one history.
#[derive(Default)]
struct Numbering {
    res: Names,
    mtg: Names,
    office: Names,
}

impl Numbering {
    fn office_of(&mut self, dir: &Directory, r: &str) -> u32 {
        let home = dir
            .home(&engine::ids::ResourceId::new(r))
            .map(|o| o.as_str().to_string())
            .unwrap_or_default();
        self.office.of(&home)
    }

    fn version(&mut self, dir: &Directory, m: &MeetingSpec) -> Version {
        let slots = m
            .instances()
            .unwrap_or_default()
            .iter()
            .map(|(_, iv)| (iv.start.0, iv.end.0))
            .collect();
        let resources = m
            .resources()
            .iter()
            .map(|r| (self.res.of(r.as_str()), self.office_of(dir, r.as_str())))
            .collect();
        Version {
            id: self.mtg.of(m.id.as_str()),
            slots,
            resources,
            home: self.office_of(dir, m.organizer.as_str()),
        }
    }
}

/// Translates the calls, in order (suggestion queries, which change and check nothing,
/// are left out).
pub fn translate(calls: &[Call], dir: &Directory) -> Vec<linear::Call> {
    translate_from(&[], calls, dir).1
}

/// The same, with meetings booked before the calls (the calendars a run starts with):
/// those of them on a resource the calls name, and the calls.
pub fn translate_from(
    initial: &[MeetingSpec],
    calls: &[Call],
    dir: &Directory,
) -> (Vec<Version>, Vec<linear::Call>) {
    let mut n = Numbering::default();
    let named: std::collections::BTreeSet<engine::ids::ResourceId> =
        crate::drive::call::touched(calls).into_iter().collect();
    let start = (initial.iter())
        .filter(|m| m.resources().iter().any(|r| named.contains(r)))
        .map(|m| n.version(dir, m))
        .collect();
    (start, translate_with(&mut n, calls, dir))
}

fn translate_with(n: &mut Numbering, calls: &[Call], dir: &Directory) -> Vec<linear::Call> {
    calls
        .iter()
        .filter_map(|c| {
            let action = match &c.op {
                Op::Suggest(_) => return None,
                Op::Book(m) => Action::Book(n.version(dir, m)),
                Op::Update(m) => Action::Update(n.version(dir, m)),
                Op::Cancel(m) => Action::Cancel {
                    id: n.mtg.of(m.id.as_str()),
                    home: n.office_of(dir, m.organizer.as_str()),
                },
                Op::Respond(m, who, r) => Action::Respond {
                    id: n.mtg.of(m.id.as_str()),
                    who: n.res.of(who.as_str()),
                    office: n.office_of(dir, who.as_str()),
                    declined: *r == Response::Declined,
                },
                Op::FreeBusy(who) => Action::FreeBusy {
                    res: n.res.of(who.as_str()),
                    office: n.office_of(dir, who.as_str()),
                    busy: c.busy.iter().map(|i| (i.start.0, i.end.0)).collect(),
                },
                Op::Read(who) => Action::Read {
                    res: n.res.of(who.as_str()),
                    office: n.office_of(dir, who.as_str()),
                    entries: c
                        .entries
                        .iter()
                        .map(|e| {
                            let slot = (e.interval.start.0, e.interval.end.0);
                            (
                                n.mtg.of(e.meeting.as_str()),
                                slot,
                                // In doubt: a hold, or an entry of a meeting an
                                // undecided transaction is changing.
                                e.status == BusyStatus::Hold || e.txn.is_some(),
                            )
                        })
                        .collect(),
                },
            };
            let answer = match c.seen {
                Seen::Done => Answer::Ok,
                Seen::Conflicts => Answer::Conflicts(
                    c.conflicts
                        .iter()
                        .map(|(r, m)| (n.res.of(r.as_str()), n.mtg.of(m.as_str())))
                        .collect(),
                ),
                Seen::Refused => Answer::Refused,
                Seen::Unknown => Answer::Unknown,
            };
            let returned = (c.seen != Seen::Unknown).then_some(c.returned);
            Some(linear::Call {
                action,
                answer,
                invoked: c.invoked,
                returned,
            })
        })
        .collect()
}
