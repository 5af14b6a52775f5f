//! The quiet-point check that a calendar's entries are exactly its office's meetings
//! ([`entries_match`]): it passes a calendar that matches and names each way one can
//! differ (an entry left by a meeting the office no longer holds, a meeting missing
//! from a calendar, an instance at the wrong time, a declined person still busy).

use engine::calendar::{BusyEntry, BusyStatus, Interval};
use engine::ids::{MeetingId, ResourceId};
use engine::recurrence::Rule;
use engine::state::{MeetingSpec, Response};
use engine::time::{Instant, Wall, Zone};
use node::drive::checks::{entries_match, Held};

/// A meeting of alice with bob at 09:00 UTC on 2027-01-11, daily on `days` days.
fn meeting(id: &str, days: u32) -> MeetingSpec {
    let start = Wall::from_ymd_hms(2027, 1, 11, 9, 0, 0);
    let mut m = MeetingSpec::single(id, "alice", &["bob"], &[], start, Zone::Utc, 3600);
    if days > 1 {
        let rule = Rule::parse(&format!("FREQ=DAILY;COUNT={days}")).expect("a rule");
        m.recurrence.rrules.push(rule);
    }
    m.expand_once().expect("expands");
    m
}

/// The entries `m` places for a person who accepted.
fn entries_of(m: &MeetingSpec) -> Vec<BusyEntry> {
    let list = m.instances().expect("instances");
    (list.into_iter())
        .map(|(instance, interval)| BusyEntry {
            interval,
            meeting: m.id.clone(),
            instance,
            status: BusyStatus::Confirmed,
            overridden: false,
            txn: None,
        })
        .collect()
}

fn week() -> Interval {
    let day = |d| Zone::Utc.to_instant(Wall::from_ymd_hms(2027, 1, d, 0, 0, 0), Default::default());
    Interval::new(day(10).unwrap_or(Instant(0)), day(20).unwrap_or(Instant(0)))
}

fn held(list: &[&MeetingSpec]) -> Held {
    list.iter()
        .map(|m| (m.id.clone(), Some((*m).clone())))
        .collect()
}

fn bob() -> ResourceId {
    ResourceId::new("bob")
}

#[test]
fn a_calendar_that_matches_its_meetings_passes() {
    let (a, b) = (meeting("a", 3), meeting("b", 1));
    let mut entries = entries_of(&a);
    entries.extend(entries_of(&b));
    assert_eq!(
        entries_match(&bob(), week(), &entries, &held(&[&a, &b])),
        Vec::<String>::new()
    );
}

#[test]
fn an_entry_of_a_meeting_the_office_no_longer_holds_is_caught() {
    let a = meeting("a", 1);
    let mut gone = held(&[]);
    gone.insert(MeetingId::new("a"), None);
    let found = entries_match(&bob(), week(), &entries_of(&a), &gone);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("does not hold"), "{found:?}");
    // Not looked up at all: not judged.
    assert!(entries_match(&bob(), week(), &entries_of(&a), &held(&[])).is_empty());
}

#[test]
fn a_meeting_missing_from_a_calendar_is_caught() {
    let a = meeting("a", 2);
    let mut entries = entries_of(&a);
    entries.pop();
    let found = entries_match(&bob(), week(), &entries, &held(&[&a]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("1 instance(s) placed, 2 in the meeting"),
        "{found:?}"
    );
    assert_eq!(entries_match(&bob(), week(), &[], &held(&[&a])).len(), 1);
}

#[test]
fn an_entry_at_the_wrong_time_is_caught() {
    let a = meeting("a", 1);
    let mut entries = entries_of(&a);
    entries[0].interval = Interval::from_len(entries[0].interval.start.plus_secs(1800), 3600);
    assert_eq!(
        entries_match(&bob(), week(), &entries, &held(&[&a])).len(),
        1
    );
}

#[test]
fn a_person_who_declined_or_was_taken_off_has_no_entry() {
    let mut a = meeting("a", 1);
    a.attendees[0].response = Response::Declined;
    assert_eq!(
        entries_match(&bob(), week(), &entries_of(&a), &held(&[&a])).len(),
        1
    );
    assert!(entries_match(&bob(), week(), &[], &held(&[&a])).is_empty());
    a.attendees.clear();
    assert_eq!(
        entries_match(&bob(), week(), &entries_of(&a), &held(&[&a])).len(),
        1
    );
}
