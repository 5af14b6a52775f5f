//! `Import`: single-office meetings are booked each on its own, conflicts and other
//! offices' resources are refused with the reason, importing twice books once, a
//! cancelled meeting stays cancelled, and an imported meeting answers like any other.

mod common;

use common::{at, zone};
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::state::{CancelScope, Command, MeetingSpec, OfficeState, Outcome, Response};

fn office() -> OfficeState {
    let mut s = OfficeState::new(OfficeId::new("ldn"));
    for p in ["ann", "bob", "room1"] {
        s.apply(&Command::Register {
            resource: ResourceId::new(p),
        });
    }
    s
}

fn meeting(id: &str, who: &[&str], hour: u32) -> MeetingSpec {
    let z = zone("Europe/London");
    let start = z.to_wall(at(z, 2027, 2, 3, hour, 0));
    MeetingSpec::single(id, who[0], &who[1..], &[], start, z, 3600)
}

fn import(s: &mut OfficeState, meetings: Vec<MeetingSpec>) -> (Vec<String>, Vec<String>) {
    match s.apply(&Command::Import { meetings }) {
        Outcome::Imported { booked, refused } => (
            booked.iter().map(|m| m.to_string()).collect(),
            refused
                .iter()
                .map(|(m, why)| format!("{m}: {why}"))
                .collect(),
        ),
        other => panic!("not an import outcome: {other:?}"),
    }
}

#[test]
fn books_free_meetings_and_refuses_the_rest_with_reasons() {
    let mut s = office();
    let (booked, refused) = import(
        &mut s,
        vec![
            meeting("a", &["ann", "bob"], 9),
            meeting("b", &["bob"], 9),
            meeting("c", &["ann", "zoe"], 11),
            meeting("d", &["ann"], 10),
        ],
    );
    assert_eq!(booked, ["a", "d"]);
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0].starts_with("b: 1 conflict(s), the first with meeting a on bob"),
        "{refused:?}"
    );
    assert_eq!(refused[1], "c: zoe is not on this office's calendars");
    let day = at(zone("UTC"), 2027, 2, 3, 0, 0);
    let window = engine::calendar::Interval::new(day, day.plus_secs(86_400));
    let fb = s.free_busy(&ResourceId::new("ann"), window).unwrap();
    // 09:00-10:00 and 10:00-11:00, adjacent: one busy period of two hours.
    let spans: Vec<i64> = fb
        .busy
        .iter()
        .map(|p| p.interval.end.0 - p.interval.start.0)
        .collect();
    assert_eq!(spans, [7200], "{fb:?}");
    s.check(&[]).unwrap();
}

#[test]
fn importing_twice_books_once_and_a_changed_copy_is_refused() {
    let mut s = office();
    let m = meeting("a", &["ann", "room1"], 9);
    import(&mut s, vec![m.clone()]);
    let version = s.version();
    let (booked, refused) = import(&mut s, vec![m.clone()]);
    assert_eq!((booked, refused.len()), (vec!["a".to_string()], 0));
    let mut moved = m.clone();
    moved.title = "other".into();
    let (booked, refused) = import(&mut s, vec![moved]);
    assert!(booked.is_empty());
    assert_eq!(refused, ["a: meeting id a is taken"]);
    // Neither changed anything: same version, same copy.
    assert_eq!(s.version(), version);
    assert_eq!(s.meeting(&MeetingId::new("a")), Some(&m));
}

#[test]
fn imported_meetings_cancel_and_answer_like_booked_ones() {
    let mut s = office();
    import(&mut s, vec![meeting("a", &["ann", "bob"], 9)]);
    let answered = s.apply(&Command::Respond {
        meeting: MeetingId::new("a"),
        attendee: ResourceId::new("bob"),
        response: Response::Declined,
        version: s.committed_by(&MeetingId::new("a")).cloned(),
    });
    assert!(
        matches!(answered, Outcome::Responded { .. }),
        "{answered:?}"
    );
    let cancelled = s.apply(&Command::Cancel {
        meeting: MeetingId::new("a"),
        scope: CancelScope::Series,
        version: None,
    });
    assert!(
        matches!(cancelled, Outcome::Cancelled { .. }),
        "{cancelled:?}"
    );
    let (booked, refused) = import(&mut s, vec![meeting("a", &["ann", "bob"], 9)]);
    assert!(booked.is_empty());
    assert_eq!(refused, ["a: meeting a was cancelled"]);
}
