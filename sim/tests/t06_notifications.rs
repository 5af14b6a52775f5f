//! The notification checker on hand-made histories of a meeting whose change took a
//! person off and added another: each person's invitations less cancellations must come
//! to one if they are in the meeting at the end, else to none.
#![cfg(madsim)]

use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::state::{CancelScope, MeetingSpec, NoticeKind, Notification};
use engine::time::{Instant, Wall, Zone};
use sim::check::notifications::check;
use sim::workload::{Call, Op, Seen};
use std::collections::BTreeMap;

fn version(who: &[&str]) -> MeetingSpec {
    let start = Wall::from_ymd_hms(2027, 1, 11, 9, 0, 0);
    MeetingSpec::single("m", "alice", who, &[], start, Zone::Utc, 3600)
}

fn done(op: Op, at: u64) -> Call {
    Call {
        op,
        office: OfficeId::new("ny"),
        seen: Seen::Done,
        conflicts: vec![],
        entries: vec![],
        busy: vec![],
        why: String::new(),
        invoked: at,
        returned: at + 1,
    }
}

/// Sinks holding one notification per (person, kind) given.
fn sent(list: &[(&str, NoticeKind)]) -> BTreeMap<OfficeId, Vec<Notification>> {
    let mut sink = Vec::new();
    for (k, (to, kind)) in list.iter().enumerate() {
        sink.push(Notification {
            key: format!("ny-{k}"),
            to: ResourceId::new(*to),
            meeting: MeetingId::new("m"),
            title: "m".into(),
            start: Instant(0),
            kind: kind.clone(),
        });
    }
    BTreeMap::from([(OfficeId::new("ny"), sink)])
}

/// Booked with bob, then changed to have tom instead.
fn history() -> (Vec<Call>, MeetingSpec) {
    let (first, second) = (version(&["bob"]), version(&["tom"]));
    let calls = vec![
        done(Op::Book(first), 0),
        done(Op::Update(second.clone()), 10),
    ];
    (calls, second)
}

#[test]
fn a_change_that_takes_someone_off_and_tells_them_passes() {
    let (calls, end) = history();
    let sinks = sent(&[
        ("bob", NoticeKind::Invited),
        ("bob", NoticeKind::Cancelled(CancelScope::Series)),
        ("tom", NoticeKind::Invited),
    ]);
    let found = check(&sinks, &calls, &|_| Some(end.clone()));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_person_taken_off_and_never_told_is_caught() {
    // The checker used to judge only the people of the meeting's first version, for
    // whom one invitation and no cancellation (the meeting is still booked) was right.
    let (calls, end) = history();
    let sinks = sent(&[("bob", NoticeKind::Invited), ("tom", NoticeKind::Invited)]);
    let found = check(&sinks, &calls, &|_| Some(end.clone()));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("bob invited to m 1 times"),
        "{found:?}"
    );
}

#[test]
fn a_person_added_and_never_invited_is_caught() {
    let (calls, end) = history();
    let sinks = sent(&[
        ("bob", NoticeKind::Invited),
        ("bob", NoticeKind::Cancelled(CancelScope::Series)),
    ]);
    let found = check(&sinks, &calls, &|_| Some(end.clone()));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("tom invited to m 0 times"),
        "{found:?}"
    );
}

#[test]
fn a_counter_proposal_nobody_made_is_caught() {
    // Kinds the workload never asks for were counted and never judged before.
    let (calls, end) = history();
    let sinks = sent(&[
        ("bob", NoticeKind::Invited),
        ("bob", NoticeKind::Cancelled(CancelScope::Series)),
        ("tom", NoticeKind::Invited),
        (
            "alice",
            NoticeKind::Proposed {
                attendee: ResourceId::new("tom"),
                instance: None,
                start: Instant(0),
                duration_secs: 1800,
            },
        ),
    ]);
    let found = check(&sinks, &calls, &|_| Some(end.clone()));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("nothing asked for"), "{found:?}");
}
