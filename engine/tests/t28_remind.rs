//! Reminders: sent once per instance to the office's people who attend (not rooms, not
//! those who declined, not for holds or instances begun), `lead` before the start, with
//! the start in each person's zone; the first `Remind` only sets the watermark; a
//! `Remind` not past the watermark changes nothing, and a later one repeats nothing.

mod common;

use common::{at, zone};
use engine::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use engine::state::{Command, Effect, MeetingSpec, NoticeKind, OfficeState, Outcome, Response};
use engine::time::Instant;

const LEAD: i64 = 15 * 60;

fn office() -> OfficeState {
    let mut s = OfficeState::new(OfficeId::new("ny"));
    for r in ["alice", "bob", "carol", "hudson"] {
        s.apply(&Command::Register {
            resource: ResourceId::new(r),
        });
    }
    let ny = zone("America/New_York");
    let zones = [("alice", ny), ("bob", zone("Asia/Kolkata")), ("carol", ny)]
        .into_iter()
        .map(|(p, z)| (ResourceId::new(p), z))
        .collect();
    s.apply(&Command::SetZones { zones });
    s
}

fn book(s: &mut OfficeState, id: &str, who: &[&str], rooms: &[&str], start: Instant, commit: bool) {
    let z = zone("America/New_York");
    let m = MeetingSpec::single(id, who[0], &who[1..], rooms, z.to_wall(start), z, 1800);
    place(s, m, commit);
}

/// Prepares `m` here (it must be prepared), and commits it if `commit`.
fn place(s: &mut OfficeState, m: MeetingSpec, commit: bool) {
    let txn = TxnId::new(format!("t-{}", m.id));
    let p = s.apply(&Command::Prepare {
        txn: txn.clone(),
        meeting: Box::new(m),
        force: false,
    });
    assert!(matches!(p, Outcome::Prepared { .. }), "{p:?}");
    if commit {
        s.apply(&Command::Commit { txn });
    }
}

fn reminders(s: &OfficeState) -> Vec<(String, String, String)> {
    s.outbox()
        .filter_map(|(_, e)| match e {
            Effect::Notify(n) => match &n.kind {
                NoticeKind::Reminder {
                    local_start,
                    minutes_before,
                } => {
                    assert_eq!(*minutes_before, 15);
                    Some((n.to.to_string(), n.meeting.to_string(), local_start.clone()))
                }
                _ => None,
            },
            Effect::Send { .. } => None,
        })
        .collect()
}

#[test]
fn each_attendee_is_reminded_once_in_their_own_zone() {
    let mut s = office();
    let start = at(zone("America/New_York"), 2027, 3, 2, 10, 0);
    book(
        &mut s,
        "m1",
        &["alice", "bob", "carol"],
        &["hudson"],
        start,
        true,
    );
    // Carol declines: no reminder for her.
    s.apply(&Command::Respond {
        meeting: MeetingId::new("m1"),
        attendee: ResourceId::new("carol"),
        response: Response::Declined,
        version: s.committed_by(&MeetingId::new("m1")).cloned(),
    });
    // A meeting still held (undecided) is not reminded either.
    book(
        &mut s,
        "held",
        &["carol"],
        &[],
        Instant(start.0 + 60),
        false,
    );
    let early = Instant(start.0 - LEAD - 600);
    // The first Remind only sets the watermark.
    assert!(matches!(
        s.apply(&Command::Remind {
            until: early,
            lead_secs: LEAD
        }),
        Outcome::Reminded { count: 0 }
    ));
    assert_eq!(s.reminded_until(), Some(early));
    // Not due yet.
    s.apply(&Command::Remind {
        until: Instant(start.0 - LEAD - 1),
        lead_secs: LEAD,
    });
    assert!(reminders(&s).is_empty());
    // Due: Alice (New York time) and Bob (Kolkata time); not Carol, not the room.
    s.apply(&Command::Remind {
        until: Instant(start.0 - LEAD + 30),
        lead_secs: LEAD,
    });
    let mut got = reminders(&s);
    got.sort();
    assert_eq!(
        got,
        [
            (
                "alice".into(),
                "m1".into(),
                "2027-03-02T10:00:00-05:00".into()
            ),
            (
                "bob".into(),
                "m1".into(),
                "2027-03-02T20:30:00+05:30".into()
            ),
        ]
    );
    // The same watermark again, or an older one, changes nothing.
    let version = s.version();
    assert!(matches!(
        s.apply(&Command::Remind {
            until: Instant(start.0 - LEAD + 30),
            lead_secs: LEAD
        }),
        Outcome::Duplicate { .. }
    ));
    assert!(matches!(
        s.apply(&Command::Remind {
            until: early,
            lead_secs: LEAD
        }),
        Outcome::Duplicate { .. }
    ));
    assert_eq!(s.version(), version);
    // Later passes repeat nothing, up to and after the start.
    for t in [start.0 - 60, start.0, start.0 + 3600] {
        s.apply(&Command::Remind {
            until: Instant(t),
            lead_secs: LEAD,
        });
    }
    assert_eq!(reminders(&s).len(), 2);
}

#[test]
fn a_reminder_due_while_the_node_was_down_goes_out_if_the_meeting_has_not_begun() {
    let mut s = office();
    let start = at(zone("America/New_York"), 2027, 3, 2, 10, 0);
    book(&mut s, "late", &["alice"], &[], start, true);
    book(
        &mut s,
        "begun",
        &["bob"],
        &[],
        Instant(start.0 - 3600),
        true,
    );
    s.apply(&Command::Remind {
        until: Instant(start.0 - 7200),
        lead_secs: LEAD,
    });
    // Down from two hours before until five minutes before: one pass covers the gap.
    s.apply(&Command::Remind {
        until: Instant(start.0 - 300),
        lead_secs: LEAD,
    });
    let got: Vec<String> = reminders(&s)
        .into_iter()
        .map(|(to, m, _)| format!("{to}:{m}"))
        .collect();
    assert_eq!(got, ["alice:late"], "bob's meeting had begun");
}

/// `RemindEach`: a person with a lead of their own is reminded at it (here an hour, and
/// 0 for never), everyone else at the node's.
#[test]
fn each_person_may_have_a_lead_of_their_own() {
    let mut s = office();
    let start = at(zone("America/New_York"), 2027, 3, 2, 10, 0);
    book(&mut s, "m1", &["alice", "bob", "carol"], &[], start, true);
    let leads: std::collections::BTreeMap<ResourceId, i64> = [("alice", 3600), ("carol", 0)]
        .into_iter()
        .map(|(p, l)| (ResourceId::new(p), l))
        .collect();
    let remind = |s: &mut OfficeState, until: i64| {
        s.apply(&Command::RemindEach {
            until: Instant(until),
            lead_secs: LEAD,
            leads: leads.clone(),
        })
    };
    remind(&mut s, start.0 - 2 * 3600);
    // An hour before: alice only.
    remind(&mut s, start.0 - 3600 + 10);
    let who = |s: &OfficeState| -> Vec<(String, i64)> {
        s.outbox()
            .filter_map(|(_, e)| match e {
                Effect::Notify(n) => match &n.kind {
                    NoticeKind::Reminder { minutes_before, .. } => {
                        Some((n.to.to_string(), *minutes_before))
                    }
                    _ => None,
                },
                Effect::Send { .. } => None,
            })
            .collect()
    };
    assert_eq!(who(&s), [("alice".to_string(), 60)]);
    // Fifteen minutes before: bob too; carol never; alice not again.
    remind(&mut s, start.0 - LEAD + 10);
    remind(&mut s, start.0 - 1);
    assert_eq!(
        who(&s),
        [("alice".to_string(), 60), ("bob".to_string(), 15)]
    );
}

/// A meeting's own lead (a VALARM, `reminder_minutes`) comes before each person's: here
/// m1 reminds 30 minutes ahead (alice too, whose own lead is an hour, and carol, who
/// otherwise wants none), m2 asks for no reminder at all, m3 has none of its own.
#[test]
fn a_meeting_may_have_a_lead_of_its_own() {
    let mut s = office();
    let ny = zone("America/New_York");
    let start = at(ny, 2027, 3, 2, 10, 0);
    for (id, own, hour) in [("m1", Some(30), 0), ("m2", Some(0), 1), ("m3", None, 2)] {
        let begins = Instant(start.0 + hour * 3600);
        let mut m = MeetingSpec::single(
            id,
            "alice",
            &["bob", "carol"],
            &[],
            ny.to_wall(begins),
            ny,
            1800,
        );
        m.reminder_minutes = own;
        place(&mut s, m, true);
    }
    let leads: std::collections::BTreeMap<ResourceId, i64> = [("alice", 3600), ("carol", 0)]
        .into_iter()
        .map(|(p, l)| (ResourceId::new(p), l))
        .collect();
    let mut sent = Vec::new();
    let mut until = start.0 - 3 * 3600;
    // Every minute from three hours before m1 to the end of m3.
    while until < start.0 + 3 * 3600 {
        s.apply(&Command::RemindEach {
            until: Instant(until),
            lead_secs: LEAD,
            leads: leads.clone(),
        });
        until += 60;
    }
    for (_, e) in s.outbox() {
        if let Effect::Notify(n) = e {
            if let NoticeKind::Reminder { minutes_before, .. } = &n.kind {
                sent.push((n.meeting.to_string(), n.to.to_string(), *minutes_before));
            }
        }
    }
    sent.sort();
    let want: Vec<(String, String, i64)> = [
        ("m1", "alice", 30),
        ("m1", "bob", 30),
        ("m1", "carol", 30),
        ("m3", "alice", 60),
        ("m3", "bob", 15),
    ]
    .into_iter()
    .map(|(m, p, l)| (m.to_string(), p.to_string(), l))
    .collect();
    assert_eq!(sent, want);
    // A lead past a week is refused where a meeting enters.
    let mut long = MeetingSpec::single("m4", "alice", &[], &[], ny.to_wall(start), ny, 1800);
    long.reminder_minutes = Some(engine::state::meeting::MAX_REMINDER_MINUTES + 1);
    let e = long.validate().unwrap_err();
    assert!(e.contains("reminder"), "{e}");
}
