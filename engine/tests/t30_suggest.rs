//! Suggestions: feasibility, ranking, explanations, rooms, recurring proposals, and a
//! golden ranking.

mod common;

use common::{at, golden, zone};
use engine::calendar::{BusyEntry, BusyStatus, Interval, ResourceCalendar};
use engine::ids::{MeetingId, ResourceId};
use engine::office::{Directory, Office, Person, Room, Span, WeekHours};
use engine::recurrence::Rule;
use engine::suggest::{suggest, Availability, RoomRequest, SuggestError, SuggestRequest};
use engine::time::format::rfc3339_in;
use engine::time::Instant;
use std::collections::BTreeMap;

fn office(id: &str, tz: &str) -> Office {
    Office {
        id: id.into(),
        name: id.into(),
        zone: zone(tz),
        hours: WeekHours::parse("MO-FR 09:00-17:00").unwrap(),
        lunch: Span::parse("12:00-13:00").ok(),
        holidays: Default::default(),
    }
}

fn person(id: &str, office: &str) -> Person {
    Person {
        id: id.into(),
        name: id.into(),
        office: office.into(),
        zone: None,
        hours: None,
        lunch: None,
        reminder_minutes: None,
    }
}

fn room(id: &str, office: &str, seats: u32, amenities: &[&str]) -> Room {
    Room {
        id: id.into(),
        name: id.into(),
        office: office.into(),
        capacity: seats,
        amenities: amenities.iter().map(|s| s.to_string()).collect(),
    }
}

fn directory() -> Directory {
    Directory::new(
        vec![
            office("ny", "America/New_York"),
            office("ldn", "Europe/London"),
            office("syd", "Australia/Sydney"),
        ],
        vec![
            person("alice", "ny"),
            person("bob", "ny"),
            person("dev", "ldn"),
            person("emma", "ldn"),
            person("tom", "syd"),
        ],
        vec![
            room("big", "ny", 10, &["video"]),
            room("small", "ny", 3, &["video"]),
            room("plain", "ny", 4, &[]),
        ],
    )
    .unwrap()
}

struct Cals(BTreeMap<ResourceId, ResourceCalendar>);

impl Cals {
    fn new() -> Cals {
        Cals(BTreeMap::new())
    }
    fn busy(&mut self, who: &str, from: Instant, mins: i64) {
        self.0
            .entry(ResourceId::new(who))
            .or_default()
            .add(BusyEntry {
                interval: Interval::from_len(from, mins * 60),
                meeting: MeetingId::new(format!("{who}-{}", from.0)),
                instance: from,
                status: BusyStatus::Confirmed,
                overridden: false,
                txn: None,
            });
    }
}

fn ny(d: u32, h: u32, m: u32) -> Instant {
    at(zone("America/New_York"), 2026, 12, d, h, m)
}

fn ids(v: &[&str]) -> Vec<ResourceId> {
    v.iter().map(|s| ResourceId::new(*s)).collect()
}

fn day_window(d: u32) -> Interval {
    Interval::new(ny(d, 0, 0), ny(d + 1, 0, 0))
}

#[test]
fn candidates_have_everyone_free_and_do_not_overlap() {
    let mut c = Cals::new();
    c.busy("alice", ny(7, 9, 0), 120);
    c.busy("dev", ny(7, 11, 0), 60);
    let mut req = SuggestRequest::new(ids(&["alice", "dev"]), 3600, day_window(7));
    req.max_candidates = 5;
    let a = suggest(&req, &directory(), &c.0).unwrap();
    assert_eq!(a.candidates.len(), 5);
    for (i, x) in a.candidates.iter().enumerate() {
        assert!(x
            .attendees
            .iter()
            .all(|s| s.availability == Availability::Free));
        for y in &a.candidates[i + 1..] {
            assert!(!Interval::new(x.start, x.end).overlaps(&Interval::new(y.start, y.end)));
            assert!(x.score >= y.score || x.required_free > y.required_free);
        }
    }
    let taken = [
        Interval::new(ny(7, 9, 0), ny(7, 11, 0)),
        Interval::new(ny(7, 11, 0), ny(7, 12, 0)),
    ];
    assert!(a.candidates.iter().all(|x| taken
        .iter()
        .all(|t| !t.overlaps(&Interval::new(x.start, x.end)))));
    assert!(a.candidates[0]
        .reasons
        .iter()
        .any(|r| r == "all 2 required attendees free"));
}

#[test]
fn the_best_time_is_inside_everyones_hours_when_one_exists() {
    let c = Cals::new();
    let req = SuggestRequest::new(ids(&["alice", "dev"]), 3600, day_window(7));
    let a = suggest(&req, &directory(), &c.0).unwrap();
    let best = &a.candidates[0];
    assert!(
        best.attendees
            .iter()
            .all(|s| s.in_working_hours && !s.at_lunch),
        "{:?}",
        best
    );
    assert!(best
        .reasons
        .contains(&"inside everyone's working hours".to_string()));
}

#[test]
fn preferred_time_breaks_ties() {
    let c = Cals::new();
    let mut req = SuggestRequest::new(ids(&["alice", "bob"]), 1800, day_window(7));
    req.preferred = Some(ny(7, 15, 0));
    let a = suggest(&req, &directory(), &c.0).unwrap();
    assert_eq!(a.candidates[0].start, ny(7, 15, 0));
}

#[test]
fn empty_answers_say_why() {
    let dir = directory();
    let mut c = Cals::new();
    c.busy("alice", ny(7, 0, 0), 24 * 60);
    let a = suggest(
        &SuggestRequest::new(ids(&["alice", "bob"]), 3600, day_window(7)),
        &dir,
        &c.0,
    )
    .unwrap();
    assert!(a.candidates.is_empty());
    let why = a.empty_reason.unwrap();
    assert!(
        why.contains("attendees unavailable") && why.contains("alice busy in 100%"),
        "{why}"
    );

    let short = SuggestRequest::new(
        ids(&["bob"]),
        7200,
        Interval::new(ny(7, 9, 0), ny(7, 10, 0)),
    );
    assert!(suggest(&short, &dir, &c.0)
        .unwrap()
        .empty_reason
        .unwrap()
        .contains("shorter than the meeting"));

    let mut no_room = SuggestRequest::new(ids(&["bob"]), 3600, day_window(7));
    no_room.room = Some(RoomRequest::Any {
        min_capacity: Some(50),
        amenities: Default::default(),
        office: None,
    });
    assert!(suggest(&no_room, &dir, &c.0)
        .unwrap()
        .empty_reason
        .unwrap()
        .contains("room"));

    let mut night = SuggestRequest::new(ids(&["bob", "tom"]), 3 * 3600, day_window(7));
    night.working_hours_only = true;
    assert!(suggest(&night, &dir, &c.0)
        .unwrap()
        .empty_reason
        .unwrap()
        .contains("working hours"));
}

#[test]
fn rooms_fit_snugly_and_skip_busy_ones() {
    let mut c = Cals::new();
    let mut req = SuggestRequest::new(
        ids(&["alice", "bob"]),
        3600,
        Interval::new(ny(7, 10, 0), ny(7, 11, 0)),
    );
    req.room = Some(RoomRequest::Any {
        min_capacity: None,
        amenities: ["video".to_string()].into(),
        office: None,
    });
    let a = suggest(&req, &directory(), &c.0).unwrap();
    assert_eq!(a.candidates[0].room, Some(ResourceId::new("small")));
    c.busy("small", ny(7, 10, 0), 60);
    let a = suggest(&req, &directory(), &c.0).unwrap();
    assert_eq!(a.candidates[0].room, Some(ResourceId::new("big")));
}

#[test]
fn minimum_attendance_admits_partial_times_ranked_after_full_ones() {
    let mut c = Cals::new();
    c.busy("bob", ny(7, 9, 0), 7 * 60);
    let mut req = SuggestRequest::new(
        ids(&["alice", "bob"]),
        3600,
        Interval::new(ny(7, 9, 0), ny(7, 18, 0)),
    );
    req.min_attendance = 0.5;
    req.max_candidates = 9;
    let a = suggest(&req, &directory(), &c.0).unwrap();
    assert_eq!(a.candidates[0].required_free, 2);
    assert!(a.candidates.iter().any(|x| x.required_free == 1));
    let firsts: Vec<usize> = a.candidates.iter().map(|x| x.required_free).collect();
    assert!(firsts.windows(2).all(|w| w[0] >= w[1]), "{firsts:?}");
}

#[test]
fn with_a_minimum_attendance_only_those_who_come_must_be_inside_their_hours() {
    // New York and Sydney share no working hour on a Monday: with everyone required in
    // hours nothing fits; with half of them enough, times are offered, each inside the
    // hours of at least one of the two.
    let mut req = SuggestRequest::new(ids(&["alice", "tom"]), 3600, day_window(7));
    req.working_hours_only = true;
    assert!(suggest(&req, &directory(), &BTreeMap::new())
        .unwrap()
        .candidates
        .is_empty());
    req.min_attendance = 0.5;
    let a = suggest(&req, &directory(), &BTreeMap::new()).unwrap();
    assert!(!a.candidates.is_empty(), "{:?}", a.empty_reason);
    for x in &a.candidates {
        assert!(x.attendees.iter().any(|s| s.in_working_hours), "{x:?}");
    }
}

#[test]
fn a_recurring_proposal_is_checked_in_working_hours_instance_by_instance() {
    // Weekly at 21:00 UTC from Monday 1 March 2027: 16:00-17:00 in New York while it is
    // on EST, 17:00-18:00 once it moves to EDT on 14 March: the last two instances fall
    // outside Alice's hours.
    let utc = zone("UTC");
    let first = at(utc, 2027, 3, 1, 21, 0);
    let mut req = SuggestRequest::new(ids(&["alice"]), 3600, Interval::from_len(first, 3600));
    req.working_hours_only = true;
    req.recurrence = Some(Rule::parse("FREQ=WEEKLY;COUNT=4").unwrap());
    req.zone = Some(utc);
    let a = suggest(&req, &directory(), &BTreeMap::new()).unwrap();
    let fit = a.candidates[0].instances.as_ref().unwrap();
    assert_eq!((fit.ok, fit.total), (2, 4), "{fit:?}");
    assert_eq!(
        fit.failing,
        [at(utc, 2027, 3, 15, 21, 0), at(utc, 2027, 3, 22, 21, 0)]
    );
}

#[test]
fn a_room_keeps_its_offices_hours() {
    // Tom's Monday in Sydney is Sunday evening in New York: a New York room is closed
    // then, so with working hours only there is no time; with any hours there is.
    let syd = zone("Australia/Sydney");
    let window = Interval::new(at(syd, 2026, 12, 7, 9, 0), at(syd, 2026, 12, 7, 17, 0));
    let mut req = SuggestRequest::new(ids(&["tom"]), 3600, window);
    req.room = Some(RoomRequest::Specific(ResourceId::new("plain")));
    req.working_hours_only = true;
    let closed = suggest(&req, &directory(), &BTreeMap::new()).unwrap();
    assert!(closed.candidates.is_empty(), "{:?}", closed.candidates);
    req.working_hours_only = false;
    assert!(!suggest(&req, &directory(), &BTreeMap::new())
        .unwrap()
        .candidates
        .is_empty());
}

#[test]
fn recurring_proposals_count_the_instances_that_work() {
    let mut c = Cals::new();
    // Alice is busy at 10:00 on the third Monday only.
    c.busy("alice", ny(21, 10, 0), 60);
    let mut req = SuggestRequest::new(
        ids(&["alice", "bob"]),
        3600,
        Interval::new(ny(7, 10, 0), ny(7, 12, 0)),
    );
    req.recurrence = Some(Rule::parse("FREQ=WEEKLY;COUNT=4").unwrap());
    req.zone = Some(zone("America/New_York"));
    req.granularity_secs = 3600;
    req.max_candidates = 2;
    let a = suggest(&req, &directory(), &c.0).unwrap();
    let best = &a.candidates[0];
    assert_eq!(best.start, ny(7, 11, 0));
    assert_eq!(best.instances.as_ref().unwrap().ok, 4);
    let second = &a.candidates[1];
    let fit = second.instances.as_ref().unwrap();
    assert_eq!((fit.ok, fit.total), (3, 4));
    assert_eq!(fit.failing, vec![ny(21, 10, 0)]);
    assert!(second
        .reasons
        .iter()
        .any(|r| r.starts_with("3 of 4 instances work")));
}

#[test]
fn bad_requests_are_errors_that_say_what() {
    let dir = directory();
    let c = Cals::new();
    let mut r = SuggestRequest::new(ids(&["alice"]), 0, day_window(7));
    assert!(matches!(suggest(&r, &dir, &c.0), Err(SuggestError::Bad(m)) if m.contains("duration")));
    r.duration_secs = 3600;
    r.granularity_secs = 60;
    r.window = Interval::new(ny(1, 0, 0), ny(31, 0, 0));
    assert!(matches!(suggest(&r, &dir, &c.0), Err(SuggestError::Bad(m)) if m.contains("limit")));
    let unknown = SuggestRequest::new(ids(&["nobody"]), 3600, day_window(7));
    assert!(suggest(&unknown, &dir, &c.0)
        .unwrap_err()
        .to_string()
        .contains("nobody"));
}

#[test]
fn golden_ranking_for_three_offices() {
    let mut c = Cals::new();
    for d in 7..12 {
        c.busy("alice", ny(d, 9, 30), 15);
        c.busy("dev", ny(d, 4, 0), 60);
        c.busy("tom", ny(d, 17, 0), 15);
    }
    c.busy("emma", ny(8, 10, 0), 120);
    let mut req = SuggestRequest::new(
        ids(&["alice", "dev", "tom"]),
        3600,
        Interval::new(ny(7, 0, 0), ny(12, 0, 0)),
    );
    req.optional = ids(&["emma", "bob"]);
    req.room = Some(RoomRequest::Any {
        min_capacity: None,
        amenities: Default::default(),
        office: Some("ny".into()),
    });
    req.max_candidates = 6;
    let a = suggest(&req, &directory(), &c.0).unwrap();
    let mut out = String::new();
    for x in &a.candidates {
        out += &format!(
            "{} score={:.2} room={}\n",
            rfc3339_in(x.start, zone("America/New_York")),
            x.score,
            x.room.as_ref().map_or("-", |r| r.as_str())
        );
        for r in &x.reasons {
            out += &format!("  {r}\n");
        }
    }
    golden("suggest-three-offices.txt", &out);
}

mod ranking_properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// On any calendars: every candidate has the required attendees free, candidates
        /// do not overlap, and they come best first by (required free, score, start).
        #[test]
        fn candidates_are_feasible_distinct_and_ordered(
            busy in proptest::collection::vec((0usize..5, 0i64..(5 * 24 * 4), 1i64..12), 0..60),
            max in 1usize..8,
            min_attendance in prop::sample::select(vec![1.0, 0.5]),
        ) {
            let people = ["alice", "bob", "dev", "emma", "tom"];
            let mut c = Cals::new();
            for (who, quarter, len) in busy {
                c.busy(people[who], ny(7, 0, 0).plus_secs(quarter * 900), len * 15);
            }
            let mut req = SuggestRequest::new(ids(&["alice", "dev", "tom"]), 3600, Interval::new(ny(7, 0, 0), ny(12, 0, 0)));
            req.optional = ids(&["bob", "emma"]);
            req.max_candidates = max;
            req.min_attendance = min_attendance;
            let a = suggest(&req, &directory(), &c.0).unwrap();
            prop_assert!(a.candidates.len() <= max);
            prop_assert_eq!(a.candidates.is_empty(), a.empty_reason.is_some());
            for (i, x) in a.candidates.iter().enumerate() {
                let slot = Interval::new(x.start, x.end);
                let free_required = x.attendees.iter().filter(|s| s.required && s.availability != Availability::Busy).count();
                prop_assert_eq!(free_required, x.required_free);
                prop_assert!(x.required_free as f64 >= (3.0 * min_attendance).ceil());
                for s in x.attendees.iter().filter(|s| s.availability == Availability::Busy) {
                    let cal = &c.0[&s.resource];
                    prop_assert!(!cal.blocking(slot, None).is_empty(), "{} marked busy but free", s.resource);
                }
                for y in &a.candidates[i + 1..] {
                    prop_assert!(!slot.overlaps(&Interval::new(y.start, y.end)));
                    prop_assert!(x.required_free > y.required_free || (x.required_free == y.required_free && x.score >= y.score - 0.01));
                }
            }
        }
    }
}
