//! Recurring edits (`engine::state::edit`): one instance moved or resized on its own,
//! this and the following ones, the series from its next instance on (past instances
//! stay); cancelled instances and overrides move with the series; rules that fix their
//! days refuse a move they cannot follow; the state machine books the new version and
//! a cancellation names a moved instance by either of its starts; iCalendar round trip.

mod common;

use common::{at, zone};
use engine::calendar::Interval;
use engine::ids::{OfficeId, ResourceId, TxnId};
use engine::office::Directory;
use engine::recurrence::Rule;
use engine::state::ics::{events_of, meetings_of_ics};
use engine::state::{
    CancelScope, Command, EditError, EditScope, MeetingSpec, OfficeState, Outcome, Retime,
};
use engine::time::{Instant, Zone};

fn ny() -> Zone {
    zone("America/New_York")
}

/// 2027-03-d at h:m in New York.
fn march(d: u32, h: u32, m: u32) -> Instant {
    at(ny(), 2027, 3, d, h, m)
}

/// Weekly on Tuesdays at 09:00 New York, 30 minutes, six times from 2027-03-02 (New York
/// moves its clocks on 2027-03-14).
fn weekly() -> MeetingSpec {
    let z = ny();
    let mut m = MeetingSpec::single(
        "standup",
        "alice",
        &["bob"],
        &[],
        z.to_wall(march(2, 9, 0)),
        z,
        1800,
    );
    m.recurrence
        .rrules
        .push(Rule::parse("FREQ=WEEKLY;COUNT=6").unwrap());
    m.expand_once().unwrap();
    m
}

fn starts(m: &MeetingSpec) -> Vec<Instant> {
    m.instances()
        .unwrap()
        .into_iter()
        .map(|(_, iv)| iv.start)
        .collect()
}

fn to(start: Instant) -> Retime {
    Retime {
        start: Some(start),
        duration_secs: None,
    }
}

const LONG_AGO: Instant = Instant(0);

#[test]
fn one_instance_moves_alone_and_keeps_its_key() {
    let m = weekly();
    let next = m
        .retimed(
            EditScope::Instance(march(16, 9, 0)),
            to(march(17, 14, 0)),
            LONG_AGO,
        )
        .unwrap();
    assert_eq!(
        starts(&next),
        vec![
            march(2, 9, 0),
            march(9, 9, 0),
            march(17, 14, 0),
            march(23, 9, 0),
            march(30, 9, 0),
            at(ny(), 2027, 4, 6, 9, 0)
        ]
    );
    assert_eq!(
        next.overrides.keys().copied().collect::<Vec<_>>(),
        vec![march(16, 9, 0)]
    );
    assert_eq!(next.recurrence, m.recurrence, "the rule is untouched");
    // Named again by where it is now, it is resized there; moved back, the override goes.
    let longer = next
        .retimed(
            EditScope::Instance(march(17, 14, 0)),
            Retime {
                start: None,
                duration_secs: Some(3600),
            },
            LONG_AGO,
        )
        .unwrap();
    assert_eq!(
        longer.time_of(march(16, 9, 0)),
        Interval::from_len(march(17, 14, 0), 3600)
    );
    let back = longer
        .retimed(
            EditScope::Instance(march(17, 14, 0)),
            Retime {
                start: Some(march(16, 9, 0)),
                duration_secs: Some(1800),
            },
            LONG_AGO,
        )
        .unwrap();
    assert!(back.overrides.is_empty());
    assert_eq!(starts(&back), starts(&m));
    // A time that is no instance is refused with the time named.
    let err = m.retimed(
        EditScope::Instance(march(3, 9, 0)),
        to(march(3, 10, 0)),
        LONG_AGO,
    );
    assert!(
        matches!(err, Err(EditError::NoSuchInstance { .. })),
        "{err:?}"
    );
    assert!(err
        .unwrap_err()
        .to_string()
        .contains("2027-03-03T14:00:00Z"));
    assert_eq!(
        m.retimed(
            EditScope::Instance(march(9, 9, 0)),
            to(march(9, 9, 0)),
            LONG_AGO
        ),
        Err(EditError::Unchanged)
    );
}

#[test]
fn this_and_following_moves_in_wall_time_and_leaves_the_earlier_ones() {
    let mut m = weekly();
    m.cancelled.insert(march(23, 9, 0));
    // Before the DST change: 09:00 EST; the move is to 10:30 the same day.
    let next = m
        .retimed(
            EditScope::ThisAndFollowing(march(9, 9, 0)),
            to(march(9, 10, 30)),
            LONG_AGO,
        )
        .unwrap();
    assert_eq!(
        starts(&next),
        vec![
            march(2, 9, 0),
            march(9, 10, 30),
            march(16, 10, 30),
            march(30, 10, 30),
            at(ny(), 2027, 4, 6, 10, 30)
        ],
        "10:30 New York time on both sides of 14 March; the cancelled 23rd stays cancelled"
    );
    assert_eq!(
        next.cancelled.iter().copied().collect::<Vec<_>>(),
        vec![march(23, 10, 30)]
    );
    // The first instance is kept where it was, as an override of the shifted rule.
    assert_eq!(next.overrides.len(), 1);
    assert_eq!(next.overrides[&march(2, 10, 30)].start, march(2, 9, 0));
}

#[test]
fn the_series_moves_from_its_next_instance_and_past_ones_stay() {
    let m = weekly();
    // Two instances are past at "now"; an instance moved on its own moves along.
    let m = m
        .retimed(
            EditScope::Instance(march(30, 9, 0)),
            to(march(31, 9, 0)),
            LONG_AGO,
        )
        .unwrap();
    let now = march(10, 12, 0);
    let next = m
        .retimed(EditScope::Series, to(march(16, 11, 0)), now)
        .unwrap();
    assert_eq!(
        starts(&next),
        vec![
            march(2, 9, 0),
            march(9, 9, 0),
            march(16, 11, 0),
            march(23, 11, 0),
            march(31, 11, 0),
            at(ny(), 2027, 4, 6, 11, 0)
        ]
    );
    // Cancelling the moved instance by its new time or its RECURRENCE-ID names one key.
    assert_eq!(next.instance_key(march(31, 11, 0)), Some(march(30, 11, 0)));
    assert_eq!(next.instance_key(march(30, 11, 0)), Some(march(30, 11, 0)));
    // Every instance has started: nothing to move.
    let late = at(ny(), 2027, 5, 1, 0, 0);
    assert!(matches!(
        m.retimed(EditScope::Series, to(late), late),
        Err(EditError::NothingAhead(_))
    ));
}

#[test]
fn a_rule_that_fixes_its_days_refuses_a_move_to_another_day() {
    let z = ny();
    let mut m = MeetingSpec::single("m", "alice", &[], &[], z.to_wall(march(2, 9, 0)), z, 1800);
    m.recurrence
        .rrules
        .push(Rule::parse("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6").unwrap());
    m.expand_once().unwrap();
    let err = m
        .retimed(
            EditScope::ThisAndFollowing(march(9, 9, 0)),
            to(march(10, 9, 0)),
            LONG_AGO,
        )
        .unwrap_err();
    assert!(matches!(err, EditError::RuleFixesTimes { .. }), "{err}");
    assert!(err.to_string().contains("BYDAY=TU,TH"), "{err}");
    // The same rule moves by an hour within its days.
    let later = m
        .retimed(
            EditScope::ThisAndFollowing(march(9, 9, 0)),
            to(march(9, 10, 0)),
            LONG_AGO,
        )
        .unwrap();
    assert_eq!(starts(&later)[2], march(9, 10, 0));
    assert_eq!(starts(&later)[3], march(11, 10, 0));
}

fn office() -> OfficeState {
    let mut s = OfficeState::new(OfficeId::new("ny"));
    for p in ["alice", "bob", "carol"] {
        s.apply(&Command::Register {
            resource: ResourceId::new(p),
        });
    }
    s
}

fn book(s: &mut OfficeState, txn: &str, m: &MeetingSpec) -> Outcome {
    let txn = TxnId::new(txn);
    match s.apply(&Command::Prepare {
        txn: txn.clone(),
        meeting: Box::new(m.clone()),
        force: false,
    }) {
        Outcome::Prepared { .. } => s.apply(&Command::Commit { txn }),
        other => other,
    }
}

fn busy(s: &OfficeState, who: &str) -> Vec<Instant> {
    let window = Interval::new(march(1, 0, 0), at(ny(), 2027, 5, 1, 0, 0));
    (s.free_busy(&ResourceId::new(who), window)
        .unwrap()
        .busy
        .into_iter())
    .map(|p| p.interval.start)
    .collect()
}

#[test]
fn the_office_books_a_moved_instance_where_it_went_and_checks_it_there() {
    let mut s = office();
    let m = weekly();
    assert!(matches!(book(&mut s, "t1", &m), Outcome::Committed { .. }));
    // Carol's meeting with bob sits where the instance is to go.
    let z = ny();
    let mut other = MeetingSpec::single(
        "other",
        "carol",
        &["bob"],
        &[],
        z.to_wall(march(17, 14, 0)),
        z,
        3600,
    );
    other.expand_once().unwrap();
    assert!(matches!(
        book(&mut s, "t2", &other),
        Outcome::Committed { .. }
    ));
    let moved = m
        .retimed(
            EditScope::Instance(march(16, 9, 0)),
            to(march(17, 14, 0)),
            LONG_AGO,
        )
        .unwrap();
    assert!(
        matches!(book(&mut s, "t3", &moved), Outcome::Conflicts { .. }),
        "the new time is checked"
    );
    let moved = m
        .retimed(
            EditScope::Instance(march(16, 9, 0)),
            to(march(17, 16, 0)),
            LONG_AGO,
        )
        .unwrap();
    assert!(matches!(
        book(&mut s, "t4", &moved),
        Outcome::Committed { .. }
    ));
    let bob = busy(&s, "bob");
    assert!(
        bob.contains(&march(17, 16, 0)) && !bob.contains(&march(16, 9, 0)),
        "{bob:?}"
    );
    // Cancelled by the time it shows now, the moved instance goes, and only it.
    let out = s.apply(&Command::Cancel {
        meeting: moved.id.clone(),
        scope: CancelScope::Instance(moved.instance_key(march(17, 16, 0)).unwrap()),
        version: None,
    });
    assert!(
        matches!(out, Outcome::Cancelled { removed: 2, .. }),
        "{out:?}"
    );
    let kept = s.meeting(&moved.id).unwrap();
    assert!(kept.overrides.is_empty() && kept.cancelled.contains(&march(16, 9, 0)));
    assert_eq!(busy(&s, "alice").len(), 5);
    // This and following from the 23rd: the cut drops later overrides too.
    let moved = kept
        .retimed(
            EditScope::Instance(march(30, 9, 0)),
            to(march(30, 15, 0)),
            LONG_AGO,
        )
        .unwrap();
    assert!(matches!(
        book(&mut s, "t5", &moved),
        Outcome::Committed { .. }
    ));
    s.apply(&Command::Cancel {
        meeting: moved.id.clone(),
        scope: CancelScope::ThisAndFollowing(march(23, 9, 0)),
        version: None,
    });
    let kept = s.meeting(&moved.id).unwrap();
    assert!(kept.overrides.is_empty());
    assert_eq!(busy(&s, "alice"), vec![march(2, 9, 0), march(9, 9, 0)]);
}

#[test]
fn overrides_go_out_as_recurrence_ids_and_come_back() {
    let m = weekly()
        .retimed(
            EditScope::Instance(march(16, 9, 0)),
            Retime {
                start: Some(march(17, 14, 0)),
                duration_secs: Some(3600),
            },
            LONG_AGO,
        )
        .unwrap();
    let mut m = m;
    m.cancelled.insert(march(23, 9, 0));
    m.reminder_minutes = Some(20);
    let events = events_of(&m);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].recurrence_id, Some(march(16, 9, 0)));
    let text = engine::ical::export_events(&events);
    assert!(
        text.contains("RECURRENCE-ID;TZID=America/New_York:20270316T090000"),
        "{text}"
    );
    assert!(
        text.contains("EXDATE;TZID=America/New_York:20270323T090000"),
        "{text}"
    );
    let dir: Directory = Directory::default();
    let alice = ResourceId::new("alice");
    let (back, notes) = meetings_of_ics(&dir, &alice, ny(), &text).unwrap();
    assert_eq!(back.len(), 1, "{notes:?}");
    let back = &back[0];
    assert_eq!(back.overrides, m.overrides);
    // The meeting's reminder went out as a VALARM and came back.
    assert_eq!(back.reminder_minutes, Some(20));
    // The file's EXDATE is the rule's; the instances are the same.
    let times = |m: &MeetingSpec| {
        m.instances()
            .unwrap()
            .into_iter()
            .map(|(_, iv)| iv)
            .collect::<Vec<_>>()
    };
    assert_eq!(times(back), times(&m));
    // An override of a time the rule does not give is an extra instance.
    let extra = text.replace(
        "RECURRENCE-ID;TZID=America/New_York:20270316T090000",
        "RECURRENCE-ID;TZID=America/New_York:20270318T090000",
    );
    let (back, _) = meetings_of_ics(&dir, &alice, ny(), &extra).unwrap();
    assert_eq!(back[0].instances().unwrap().len(), 5 + 1);
    // An instance with a title of its own keeps its time; the note says the rest is
    // the series'. (Our own export repeats the series' people and title: no note.)
    assert!(
        !notes.iter().any(|n| n.contains("of their own")),
        "{notes:?}"
    );
    let (head, tail) = text.split_at(text.find("RECURRENCE-ID").unwrap());
    let own = format!("{head}{}", tail.replacen("SUMMARY:", "SUMMARY:Special ", 1));
    let (back, notes) = meetings_of_ics(&dir, &alice, ny(), &own).unwrap();
    assert_eq!(back[0].overrides, m.overrides);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("2027-03-16T09:00:00-04:00") && n.contains("of their own")),
        "{notes:?}"
    );
}

/// A counter-proposal books nothing: the organizer's office queues a notice for the
/// organizer, a decline one for the invitee; strangers and non-instances are refused.
#[test]
fn a_counter_proposal_tells_the_organizer_and_a_decline_the_invitee() {
    let mut s = office();
    let m = weekly();
    assert!(matches!(book(&mut s, "t1", &m), Outcome::Committed { .. }));
    let before = busy(&s, "bob");
    let counter = |who: &str, instance: Option<Instant>, declined: bool| Command::Counter {
        meeting: m.id.clone(),
        attendee: ResourceId::new(who),
        instance,
        start: march(16, 11, 0),
        duration_secs: 1800,
        declined,
    };
    let notices = |s: &OfficeState| -> Vec<(String, String)> {
        s.outbox()
            .filter_map(|(_, e)| match e {
                engine::state::Effect::Notify(n) => {
                    Some((n.to.to_string(), format!("{:?}", n.kind)))
                }
                _ => None,
            })
            .filter(|(_, k)| k.contains("Propos"))
            .collect()
    };
    let out = s.apply(&counter("carol", None, false));
    assert!(
        matches!(
            out,
            Outcome::Rejected(engine::state::Rejection::NotInvited(_))
        ),
        "{out:?}"
    );
    let out = s.apply(&counter("bob", Some(march(17, 9, 0)), false));
    assert!(
        matches!(
            out,
            Outcome::Rejected(engine::state::Rejection::NoSuchInstance { .. })
        ),
        "{out:?}"
    );
    assert!(notices(&s).is_empty());
    let out = s.apply(&counter("bob", Some(march(16, 9, 0)), false));
    assert!(matches!(out, Outcome::Countered { .. }), "{out:?}");
    let out = s.apply(&counter("bob", Some(march(16, 9, 0)), true));
    assert!(matches!(out, Outcome::Countered { .. }), "{out:?}");
    let told = notices(&s);
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told[0].0 == "alice" && told[0].1.starts_with("Proposed"),
        "{told:?}"
    );
    assert!(
        told[1].0 == "bob" && told[1].1.starts_with("ProposalDeclined"),
        "{told:?}"
    );
    assert_eq!(busy(&s, "bob"), before, "nothing booked");
}

/// A change that moves one instance tells the others which one and where it went; one
/// that moves this and the following ones, from which one and where to; any other change
/// is a plain `Changed`.
#[test]
fn moving_one_instance_says_which() {
    let mut s = office();
    let m = weekly();
    assert!(matches!(book(&mut s, "t1", &m), Outcome::Committed { .. }));
    let moved = m
        .retimed(
            EditScope::Instance(march(16, 9, 0)),
            to(march(17, 11, 0)),
            LONG_AGO,
        )
        .unwrap();
    assert!(matches!(
        book(&mut s, "t2", &moved),
        Outcome::Committed { .. }
    ));
    let later = moved
        .retimed(
            EditScope::ThisAndFollowing(march(23, 9, 0)),
            to(march(23, 10, 0)),
            LONG_AGO,
        )
        .unwrap();
    assert!(matches!(
        book(&mut s, "t3", &later),
        Outcome::Committed { .. }
    ));
    // What bob was told, in order.
    let told = |s: &OfficeState| -> Vec<String> {
        (s.outbox())
            .filter_map(|(_, e)| match e {
                engine::state::Effect::Notify(n) if n.to.as_str() == "bob" => {
                    Some(format!("{:?}", n.kind))
                }
                _ => None,
            })
            .collect()
    };
    let kinds = told(&s);
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds[0].starts_with("Invited"), "{kinds:?}");
    let want = format!(
        "InstanceMoved {{ instance: {:?}, start: {:?}, duration_secs: 1800 }}",
        march(16, 9, 0),
        march(17, 11, 0)
    );
    assert_eq!(kinds[1], want);
    let want = format!(
        "FollowingMoved {{ from: {:?}, start: {:?}, duration_secs: 1800 }}",
        march(23, 9, 0),
        march(23, 10, 0)
    );
    assert_eq!(kinds[2], want);
    // The whole series moved (from its first instance) is a plain change.
    let all = later
        .retimed(EditScope::Series, to(march(2, 8, 0)), LONG_AGO)
        .unwrap();
    assert!(matches!(
        book(&mut s, "t4", &all),
        Outcome::Committed { .. }
    ));
    assert_eq!(told(&s).last().map(String::as_str), Some("Changed"));
}
