//! How the linearizability search finds an order within its bound when a call with no
//! answer, or a cancellation's delivery, must be placed just before a call that depends
//! on it while many unrelated calls are in flight (the shape of a long cluster run's
//! history), and that a recorded history survives its JSON file.

use scenarios::linear::{check_within, Action, Answer, Call, Recorded, Version};

/// Meeting `id` of resource `res` and the room (office 0) at hour 9.
fn meeting(id: u32, res: u32) -> Version {
    Version {
        id,
        slots: vec![(9 * 3600, 10 * 3600)],
        resources: vec![(res, 0), (ROOM, 0)],
        home: 0,
    }
}

fn call(action: Action, answer: Answer, invoked: u64, returned: Option<u64>) -> Call {
    Call {
        action,
        answer,
        invoked,
        returned,
    }
}

fn read(res: u32, shown: &[u32], invoked: u64, returned: u64) -> Call {
    let entries = shown.iter().map(|m| (*m, (9 * 3600, 10 * 3600), false));
    let action = Action::Read {
        res,
        office: 0,
        entries: entries.collect(),
    };
    call(action, Answer::Ok, invoked, Some(returned))
}

/// The room every call of a test shares (at hours of its own), so the calls make one
/// part of the history.
const ROOM: u32 = 999;

/// `n` acknowledged bookings of resources 100.. (one each) with the room at hours
/// 20.., all in flight from 0, the first returning at 10: they change nothing any
/// other call sees, but each may go anywhere.
fn unrelated(n: u32) -> Vec<Call> {
    (0..n)
        .map(|k| {
            let h = 20 + i64::from(k);
            let m = Version {
                id: 1000 + k,
                slots: vec![(h * 3600, (h + 1) * 3600)],
                resources: vec![(100 + k, 0), (ROOM, 0)],
                home: 0,
            };
            call(Action::Book(m), Answer::Ok, 0, Some(10 + u64::from(k)))
        })
        .collect()
}

/// The configurations the search may try: far fewer than the 2^20 orders of the
/// unrelated calls a search that tried the unanswered call last would go through.
const BOUND: usize = 2_000;

/// An acknowledged booking of resource `res` at hour 11 (meeting `id`), invoked at 5
/// and answered at 9: a read answered at 8 may not show it, and placing it before such
/// a read (the order of answers puts it right after the read, before every unrelated
/// call) is a dead end a search must back out of through every order of those.
fn late(id: u32, res: u32, office: u32) -> Call {
    let v = Version {
        id,
        slots: vec![(11 * 3600, 12 * 3600)],
        resources: vec![(res, office)],
        home: office,
    };
    call(Action::Book(v), Answer::Ok, 5, Some(9))
}

#[test]
fn a_booking_with_no_answer_that_a_read_shows_is_placed_when_needed() {
    // Booking 1 of resource 7 timed out; a read answered at 8 shows it booked, and
    // not booking 2 (answered at 9).
    let mut h = vec![
        call(Action::Book(meeting(1, 7)), Answer::Unknown, 0, None),
        read(7, &[1], 6, 8),
        late(2, 7, 0),
    ];
    h.extend(unrelated(20));
    assert!(check_within(&[], &h, None, BOUND).is_ok());
}

#[test]
fn deliveries_a_read_needs_are_placed_before_it() {
    // Meetings 1 and 2 (organizer at office 0, an attendee, resource 8, at office 1)
    // are cancelled; office 1's read answered at 8 shows neither, nor booking 3.
    let v = |id: u32, h: i64| Version {
        id,
        slots: vec![(h * 3600, (h + 1) * 3600)],
        resources: vec![(7, 0), (8, 1), (ROOM, 0)],
        home: 0,
    };
    let at1 = |shown: &[u32], invoked, returned| {
        let entries = shown.iter().map(|m| (*m, (9 * 3600, 10 * 3600), false));
        let action = Action::Read {
            res: 8,
            office: 1,
            entries: entries.collect(),
        };
        call(action, Answer::Ok, invoked, Some(returned))
    };
    let mut h = vec![
        call(Action::Book(v(1, 9)), Answer::Ok, 0, Some(1)),
        call(Action::Book(v(2, 13)), Answer::Ok, 0, Some(1)),
        call(Action::Cancel { id: 1, home: 0 }, Answer::Ok, 2, Some(3)),
        call(Action::Cancel { id: 2, home: 0 }, Answer::Ok, 2, Some(3)),
        at1(&[], 6, 8),
        late(3, 8, 1),
    ];
    h.extend(unrelated(20));
    assert!(check_within(&[], &h, Some(1000), BOUND).is_ok());
    // And a read after the quiet point that still shows meeting 1 is caught.
    h.push(at1(&[1, 3], 1001, 1002));
    let found = check_within(&[], &h, Some(1000), 1_000_000).unwrap_err();
    assert!(!found.gave_up, "{found:?}");
}

#[test]
fn a_read_answered_just_after_a_change_may_have_gone_before_it() {
    // Meeting 1 of resource 7 moves from hour 9 to hour 11 (answered at 100); a read
    // invoked at 1 and answered at 101 still shows hour 9.
    let moved = Version {
        slots: vec![(11 * 3600, 12 * 3600)],
        ..meeting(1, 7)
    };
    let mut h = vec![
        call(Action::Book(meeting(1, 7)), Answer::Ok, 0, Some(1)),
        call(Action::Update(moved), Answer::Ok, 90, Some(100)),
        read(7, &[1], 2, 101),
    ];
    h.extend(unrelated(20).into_iter().map(|mut c| {
        c.invoked = 2;
        c.returned = c.returned.map(|r| r + 200);
        c
    }));
    assert!(check_within(&[], &h, None, BOUND).is_ok());
}

#[test]
fn a_violation_in_a_part_too_large_to_search_is_found_resource_by_resource() {
    // Eight bookings of room 50 at hours 1-8, then two acknowledged bookings of room
    // 50 and person 7 at hour 20 one after the other: a double booking. With a bound
    // of 5 configurations the search gives up on the whole before reaching them, but
    // person 7's calls alone show it.
    let at = |id: u32, h: i64, res: Vec<(u32, u32)>| Version {
        id,
        slots: vec![(h * 3600, (h + 1) * 3600)],
        resources: res,
        home: 0,
    };
    let mut h: Vec<Call> = (1..=8)
        .map(|k| {
            call(
                Action::Book(at(k, i64::from(k), vec![(50, 0)])),
                Answer::Ok,
                0,
                Some(1),
            )
        })
        .collect();
    h.push(call(
        Action::Book(at(20, 20, vec![(7, 0), (50, 0)])),
        Answer::Ok,
        2,
        Some(3),
    ));
    h.push(call(
        Action::Book(at(21, 20, vec![(7, 0), (50, 0)])),
        Answer::Ok,
        4,
        Some(5),
    ));
    let found = check_within(&[], &h, None, 5).unwrap_err();
    assert!(!found.gave_up, "{found:?}");
    assert!(found.stuck_at.contains("resource 7 alone"), "{found:?}");
    // The same history with the second at hour 21 is correct: not decided (never
    // passed) at that bound, and passed at the usual one.
    h[9].action = Action::Book(at(21, 21, vec![(7, 0), (50, 0)]));
    let undecided = check_within(&[], &h, None, 5).unwrap_err();
    assert!(undecided.gave_up, "{undecided:?}");
    assert!(check_within(&[], &h, None, BOUND).is_ok());
}

#[test]
fn a_wrong_read_among_unrelated_calls_is_refuted_not_given_up_on() {
    // The read shows a meeting no call ever booked: no order explains it.
    let mut h = vec![
        call(Action::Book(meeting(1, 7)), Answer::Unknown, 0, None),
        read(7, &[2], 1, 5),
    ];
    h.extend(unrelated(12));
    let found = check_within(&[], &h, None, 1_000_000).unwrap_err();
    assert!(!found.gave_up, "{found:?}");
}

#[test]
fn a_recorded_history_reads_back_as_written() {
    let mut calls = vec![read(7, &[], 1, 5)];
    calls.extend(unrelated(3));
    let rec = Recorded {
        initial: vec![meeting(9, 9)],
        calls,
        quiet: Some(50),
    };
    let text = serde_json::to_string(&rec).unwrap();
    let back: Recorded = serde_json::from_str(&text).unwrap();
    assert_eq!(back.initial, rec.initial);
    assert_eq!(back.calls, rec.calls);
    assert_eq!(back.quiet, rec.quiet);
}

/// The history of a full-scale cluster run (`dms scenario run partition-storm
/// --cluster`, 2026-12-07: 4,819 calls and 555 deliveries in one part, 67 calls with
/// no answer), which an earlier search gave up on at 1,000,000 configurations.
fn full_scale() -> Recorded {
    let text = include_str!("data/partition-storm-cluster.history.json");
    serde_json::from_str(text).unwrap()
}

#[test]
fn a_full_scale_cluster_history_is_decided() {
    let rec = full_scale();
    assert_eq!(rec.calls.len(), 4819);
    let parts = check_within(&rec.initial, &rec.calls, rec.quiet, 1_000_000).unwrap();
    assert!(parts >= 1);
}

#[test]
fn wrong_answers_planted_in_it_are_found() {
    let rec = full_scale();
    // A final read (after the quiet point) that leaves out one of its meetings.
    let mut dropped = rec.clone();
    let read = (dropped.calls.iter_mut().rev())
        .find(|c| matches!(&c.action, Action::Read { entries, .. } if entries.len() > 1))
        .unwrap();
    if let Action::Read { entries, .. } = &mut read.action {
        entries.remove(0);
    }
    // A booking refused for a conflict answered "booked" instead.
    let mut doubled = rec.clone();
    let refused = (doubled.calls.iter_mut())
        .find(|c| matches!(c.answer, Answer::Conflicts(_)) && matches!(c.action, Action::Book(_)))
        .unwrap();
    refused.answer = Answer::Ok;
    for bad in [dropped, doubled] {
        let found = check_within(&bad.initial, &bad.calls, bad.quiet, 1_000_000).unwrap_err();
        assert!(!found.gave_up, "{found:?}");
    }
}
