//! Commands between offices and the outbox: a cancellation originated at the organizer's
//! office is promised to the others and applied there once per key; answers reach the
//! organizer's copy; commits, changes and cancellations notify each office's own people
//! once; a change that takes every person of an office off the meeting clears it there.

mod common;

use common::{at, zone};
use engine::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use engine::state::{
    CancelScope, Command, Effect, MeetingSpec, NoticeKind, OfficeState, Outcome, Rejection,
    Response,
};
use engine::time::Instant;

fn office(name: &str, people: &[&str]) -> OfficeState {
    let mut s = OfficeState::new(OfficeId::new(name));
    for p in people {
        s.apply(&Command::Register {
            resource: ResourceId::new(*p),
        });
    }
    s
}

fn start() -> Instant {
    at(zone("Europe/London"), 2027, 2, 3, 14, 0)
}

fn meeting(who: &[&str]) -> MeetingSpec {
    let z = zone("Europe/London");
    let mut m = MeetingSpec::single("m1", who[0], &who[1..], &[], z.to_wall(start()), z, 3600);
    m.title = "Planning".into();
    m
}

/// Books `m` on every office, as the coordinator would.
fn book_everywhere(offices: &mut [&mut OfficeState], txn: &str, m: &MeetingSpec) {
    let txn = TxnId::new(txn);
    for s in offices.iter_mut() {
        let prepared = s.apply(&Command::Prepare {
            txn: txn.clone(),
            meeting: Box::new(m.clone()),
            force: false,
        });
        assert!(matches!(prepared, Outcome::Prepared { .. }), "{prepared:?}");
    }
    for s in offices.iter_mut() {
        let committed = s.apply(&Command::Commit { txn: txn.clone() });
        assert!(
            matches!(committed, Outcome::Committed { .. }),
            "{committed:?}"
        );
    }
}

/// London (Olivia, Oscar) and New York (Alice), with Olivia's meeting booked on both.
fn olivia_invites_oscar_and_alice() -> (OfficeState, OfficeState) {
    let mut london = office("london", &["olivia", "oscar"]);
    let mut ny = office("ny", &["alice"]);
    book_everywhere(
        &mut [&mut london, &mut ny],
        "london-1",
        &meeting(&["olivia", "oscar", "alice"]),
    );
    (london, ny)
}

fn notices(s: &OfficeState) -> Vec<(String, NoticeKind)> {
    s.outbox()
        .filter_map(|(_, e)| match e {
            Effect::Notify(n) => Some((n.to.to_string(), n.kind.clone())),
            Effect::Send { .. } => None,
        })
        .collect()
}

fn sends(s: &OfficeState) -> Vec<(u64, OfficeId, String, Command)> {
    s.outbox()
        .filter_map(|(seq, e)| match e {
            Effect::Send { to, key, command } => {
                Some((seq, to.clone(), key.clone(), command.clone()))
            }
            Effect::Notify(_) => None,
        })
        .collect()
}

fn clear(s: &mut OfficeState) {
    let seqs = s.outbox().map(|(seq, _)| seq).collect();
    s.apply(&Command::Done { seqs });
    assert_eq!(s.outbox().count(), 0);
}

#[test]
fn a_commit_invites_each_office_own_people_but_not_the_organizer() {
    let (london, mut ny) = olivia_invites_oscar_and_alice();
    assert_eq!(
        notices(&london),
        vec![("oscar".into(), NoticeKind::Invited)]
    );
    assert_eq!(notices(&ny), vec![("alice".into(), NoticeKind::Invited)]);
    // A repeated commit (a retried decision) notifies nobody again.
    ny.apply(&Command::Commit {
        txn: TxnId::new("london-1"),
    });
    assert_eq!(notices(&ny).len(), 1);
}

#[test]
fn a_cancellation_is_promised_to_the_other_offices_and_applied_once_per_key() {
    let mut london = office("london", &["olivia"]);
    let mut ny = office("ny", &["alice"]);
    book_everywhere(
        &mut [&mut london, &mut ny],
        "london-1",
        &meeting(&["olivia", "alice"]),
    );
    clear(&mut london);
    clear(&mut ny);
    let cancel = Command::Cancel {
        meeting: MeetingId::new("m1"),
        scope: CancelScope::Series,
        version: None,
    };
    let out = london.apply(&Command::Originate {
        key: "london:c1".into(),
        command: Box::new(cancel.clone()),
        forward: vec![OfficeId::new("london"), OfficeId::new("ny")],
    });
    assert!(
        matches!(out, Outcome::Cancelled { removed: 1, .. }),
        "{out:?}"
    );
    let sent = sends(&london);
    assert_eq!(sent.len(), 1, "only ny, not london itself");
    let (seq, to, key, command) = sent[0].clone();
    assert_eq!((to.as_str(), key.as_str()), ("ny", "london:c1"));
    // Delivered twice (the first acknowledgement was lost): applied once.
    let deliver = Command::Deliver {
        key: key.clone(),
        command: Box::new(command),
    };
    assert!(matches!(
        ny.apply(&deliver),
        Outcome::Cancelled { removed: 1, .. }
    ));
    assert_eq!(ny.apply(&deliver), Outcome::Duplicate { key });
    assert_eq!(
        notices(&ny),
        vec![("alice".into(), NoticeKind::Cancelled(CancelScope::Series))]
    );
    assert!(ny.meeting(&MeetingId::new("m1")).is_none());
    london.apply(&Command::Done { seqs: vec![seq] });
    assert!(sends(&london).is_empty());
}

#[test]
fn a_delivery_meeting_a_change_in_progress_is_retried_not_spent() {
    let mut ny = office("ny", &["alice"]);
    let m = meeting(&["alice"]);
    book_everywhere(&mut [&mut ny], "ny-1", &m);
    let mut moved = m.clone();
    moved.duration_secs = 1800;
    ny.apply(&Command::Prepare {
        txn: TxnId::new("ny-2"),
        meeting: Box::new(moved),
        force: false,
    });
    let deliver = Command::Deliver {
        key: "london:c1".into(),
        command: Box::new(Command::Cancel {
            meeting: m.id.clone(),
            scope: CancelScope::Series,
            version: None,
        }),
    };
    assert!(matches!(
        ny.apply(&deliver),
        Outcome::Rejected(Rejection::InProgress { .. })
    ));
    assert!(!ny.delivered("london:c1"));
    ny.apply(&Command::Commit {
        txn: TxnId::new("ny-2"),
    });
    assert!(matches!(ny.apply(&deliver), Outcome::Cancelled { .. }));
    assert!(ny.delivered("london:c1"));
}

#[test]
fn an_answer_reaches_the_organizer_copy_and_notifies_the_organizer() {
    let mut london = office("london", &["olivia"]);
    let mut ny = office("ny", &["alice"]);
    book_everywhere(
        &mut [&mut london, &mut ny],
        "london-1",
        &meeting(&["olivia", "alice"]),
    );
    clear(&mut london);
    clear(&mut ny);
    let respond = Command::Respond {
        meeting: MeetingId::new("m1"),
        attendee: ResourceId::new("alice"),
        response: Response::Declined,
        version: None,
    };
    ny.apply(&Command::Originate {
        key: "ny:r1".into(),
        command: Box::new(respond.clone()),
        forward: vec![OfficeId::new("london")],
    });
    assert!(notices(&ny).is_empty(), "alice's own office tells nobody");
    let out = london.apply(&Command::Deliver {
        key: "ny:r1".into(),
        command: Box::new(respond),
    });
    assert!(matches!(out, Outcome::Responded { .. }), "{out:?}");
    let copy = london.meeting(&MeetingId::new("m1")).unwrap();
    assert_eq!(
        copy.response_of(&ResourceId::new("alice")),
        Response::Declined
    );
    assert_eq!(
        notices(&london),
        vec![(
            "olivia".into(),
            NoticeKind::Responded {
                attendee: ResourceId::new("alice"),
                response: Response::Declined
            }
        )]
    );
}

#[test]
fn a_change_taking_an_office_people_off_clears_them_and_tells_them() {
    let mut london = office("london", &["olivia"]);
    let mut ny = office("ny", &["alice"]);
    let m = meeting(&["olivia", "alice"]);
    book_everywhere(&mut [&mut london, &mut ny], "london-1", &m);
    clear(&mut ny);
    let mut without = m.clone();
    without.attendees.clear();
    book_everywhere(&mut [&mut london, &mut ny], "london-2", &without);
    let alice = ResourceId::new("alice");
    assert_eq!(ny.calendars()[&alice].len(), 0);
    assert!(ny.meeting(&m.id).is_none());
    assert_eq!(
        notices(&ny),
        vec![("alice".into(), NoticeKind::Cancelled(CancelScope::Series))]
    );
    // A new, unrelated office still refuses a meeting it has nothing of.
    let mut sydney = office("sydney", &["sam"]);
    let out = sydney.apply(&Command::Prepare {
        txn: TxnId::new("london-3"),
        meeting: Box::new(without),
        force: false,
    });
    assert!(matches!(out, Outcome::Rejected(Rejection::NotOwned(_))));
}

/// A change adding someone at an office that already holds the meeting invites them;
/// the people of both versions are told of the change.
#[test]
fn a_change_adding_a_person_invites_them_and_tells_the_others_it_changed() {
    let mut london = office("london", &["olivia", "oscar", "otto"]);
    let m = meeting(&["olivia", "oscar"]);
    book_everywhere(&mut [&mut london], "london-1", &m);
    clear(&mut london);
    let with_otto = meeting(&["olivia", "oscar", "otto"]);
    book_everywhere(&mut [&mut london], "london-2", &with_otto);
    assert_eq!(
        notices(&london),
        vec![
            ("oscar".into(), NoticeKind::Changed),
            ("otto".into(), NoticeKind::Invited)
        ]
    );
}

#[test]
fn only_cancellations_and_answers_travel() {
    let mut ny = office("ny", &["alice"]);
    let nested = Command::Deliver {
        key: "k".into(),
        command: Box::new(Command::Register {
            resource: ResourceId::new("mallory"),
        }),
    };
    assert!(matches!(
        ny.apply(&nested),
        Outcome::Rejected(Rejection::NotForwardable(_))
    ));
    assert!(!ny.owns(&ResourceId::new("mallory")));
    let version = ny.version();
    ny.apply(&nested);
    assert_eq!(ny.version(), version, "a rejection changes nothing");
}

#[test]
fn a_cancellation_arriving_before_the_commit_waits_for_it() {
    // Found by the simulator: the decision and the cancellation travel separately, so a
    // participant may hear of the cancellation while the booking is still prepared.
    let mut ny = office("ny", &["alice"]);
    let m = meeting(&["olivia", "alice"]);
    ny.apply(&Command::Prepare {
        txn: TxnId::new("london-1"),
        meeting: Box::new(m.clone()),
        force: false,
    });
    let deliver = Command::Deliver {
        key: "london:c1".into(),
        command: Box::new(Command::Cancel {
            meeting: m.id.clone(),
            scope: CancelScope::Series,
            version: None,
        }),
    };
    assert!(matches!(
        ny.apply(&deliver),
        Outcome::Rejected(Rejection::InProgress { .. })
    ));
    assert!(!ny.delivered("london:c1"), "the key is not spent");
    ny.apply(&Command::Commit {
        txn: TxnId::new("london-1"),
    });
    assert!(matches!(
        ny.apply(&deliver),
        Outcome::Cancelled { removed: 1, .. }
    ));
    assert!(ny.meeting(&m.id).is_none());
}

#[test]
fn an_answer_overtaken_by_a_change_is_dropped_as_stale_everywhere_alike() {
    let mut london = office("london", &["olivia"]);
    let mut ny = office("ny", &["alice"]);
    let m = meeting(&["olivia", "alice"]);
    book_everywhere(&mut [&mut london, &mut ny], "london-1", &m);
    // Alice answers at her office, on the version london-1 committed.
    let respond = Command::Respond {
        meeting: m.id.clone(),
        attendee: ResourceId::new("alice"),
        response: Response::Declined,
        version: ny.committed_by(&m.id).cloned(),
    };
    assert_eq!(ny.committed_by(&m.id), Some(&TxnId::new("london-1")));
    ny.apply(&Command::Originate {
        key: "ny:r1".into(),
        command: Box::new(respond.clone()),
        forward: vec![OfficeId::new("london")],
    });
    // The organizer moves the meeting before the answer reaches London: every answer
    // is reset, at both offices.
    let mut moved = m.clone();
    moved.duration_secs = 1800;
    book_everywhere(&mut [&mut london, &mut ny], "london-2", &moved);
    let out = london.apply(&Command::Deliver {
        key: "ny:r1".into(),
        command: Box::new(respond),
    });
    assert!(
        matches!(out, Outcome::Rejected(Rejection::StaleAnswer(_))),
        "{out:?}"
    );
    let alice = ResourceId::new("alice");
    let at = |o: &OfficeState| o.meeting(&m.id).unwrap().response_of(&alice);
    assert_eq!(at(&london), at(&ny), "both copies alike");
}

#[test]
fn the_outbox_counts_deliveries_and_notifications_also_after_a_snapshot() {
    let (mut london, _ny) = olivia_invites_oscar_and_alice();
    london.apply(&Command::Originate {
        key: "london:c1".into(),
        command: Box::new(Command::Cancel {
            meeting: MeetingId::new("m1"),
            scope: CancelScope::Series,
            version: None,
        }),
        forward: vec![OfficeId::new("london"), OfficeId::new("ny")],
    });
    let counts = |s: &OfficeState| (s.waiting().sends(), s.waiting().notifications());
    // Oscar: invited, then told of the cancellation; one delivery to New York.
    assert_eq!(
        counts(&london),
        (sends(&london).len(), notices(&london).len())
    );
    assert_eq!(counts(&london), (1, 2));
    let restored: OfficeState =
        serde_json::from_str(&serde_json::to_string(&london).unwrap()).unwrap();
    assert_eq!(counts(&restored), (1, 2), "rebuilt on load");
    let (seq, ..) = sends(&london)[0].clone();
    london.apply(&Command::Done { seqs: vec![seq] });
    assert_eq!(counts(&london), (0, 2));
    clear(&mut london);
    assert_eq!(counts(&london), (0, 0));
}

/// A cancellation carries the version it was decided on (issue 21, bug 1): applied at
/// the organizer's office to a version changed since, it is refused there and promised
/// to no one (its offices were chosen from the old version); delivered to a copy at
/// another version, it is refused there too. The current version's cancellation goes.
#[test]
fn a_cancellation_of_another_version_is_refused_as_stale_at_the_origin_and_everywhere() {
    let mut london = office("london", &["olivia"]);
    let mut ny = office("ny", &["alice"]);
    let m = meeting(&["olivia", "alice"]);
    book_everywhere(&mut [&mut london, &mut ny], "london-1", &m);
    let cancel = |version: &str| Command::Cancel {
        meeting: m.id.clone(),
        scope: CancelScope::Series,
        version: Some(TxnId::new(version)),
    };
    let mut moved = m.clone();
    moved.duration_secs = 1800;
    book_everywhere(&mut [&mut london, &mut ny], "london-2", &moved);
    clear(&mut london);
    let stale = london.apply(&Command::Originate {
        key: "london:c1".into(),
        command: Box::new(cancel("london-1")),
        forward: vec![OfficeId::new("ny")],
    });
    assert!(
        matches!(stale, Outcome::Rejected(Rejection::StaleCancel(_))),
        "{stale:?}"
    );
    assert!(
        sends(&london).is_empty(),
        "a stale cancellation was promised"
    );
    let delivered = ny.apply(&Command::Deliver {
        key: "london:c0".into(),
        command: Box::new(cancel("london-1")),
    });
    assert!(
        matches!(delivered, Outcome::Rejected(Rejection::StaleCancel(_))),
        "{delivered:?}"
    );
    assert!(ny.meeting(&m.id).is_some());
    let current = london.apply(&Command::Originate {
        key: "london:c2".into(),
        command: Box::new(cancel("london-2")),
        forward: vec![OfficeId::new("ny")],
    });
    assert!(matches!(current, Outcome::Cancelled { .. }), "{current:?}");
    let (_, _, key, command) = sends(&london).remove(0);
    let there = ny.apply(&Command::Deliver {
        key,
        command: Box::new(command),
    });
    assert!(matches!(there, Outcome::Cancelled { .. }), "{there:?}");
    assert!(ny.meeting(&m.id).is_none() && london.meeting(&m.id).is_none());
}
