//! Recurrence: the product's patterns, DST, windows, limits, and golden expansions.

mod common;

use common::{at, golden, zone};
use engine::ical::parse_series;
use engine::recurrence::{ExpandError, RecurrenceSet, Rule};
use engine::time::format::rfc3339_in;
use engine::time::{Instant, Wall, Zone};
use proptest::prelude::*;

fn expand(set: &RecurrenceSet, n: usize) -> Vec<String> {
    set.first_n(None, n)
        .unwrap()
        .iter()
        .map(|o| rfc3339_in(o.start, set.zone))
        .collect()
}

fn set(dtstart: (i32, u32, u32, u32, u32), tz: &str, rules: &[&str]) -> RecurrenceSet {
    let (y, mo, d, h, mi) = dtstart;
    let mut s = RecurrenceSet::single(Wall::from_ymd_hms(y, mo, d, h, mi, 0), zone(tz));
    s.rrules = rules.iter().map(|r| Rule::parse(r).unwrap()).collect();
    s
}

#[test]
fn headline_third_wednesday_except_december_plus_second_to_last_friday_of_november() {
    let s = set(
        (2026, 1, 21, 10, 0),
        "America/New_York",
        &[
            "FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11;UNTIL=20281231T235959Z",
            "FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR;UNTIL=20281231T235959Z",
        ],
    );
    let got = expand(&s, 1000);
    assert_eq!(got.len(), 36);
    assert!(got.iter().all(|t| !t[5..7].contains("12")), "no December");
    let novembers: Vec<&String> = got.iter().filter(|t| &t[5..7] == "11").collect();
    assert_eq!(
        novembers,
        [
            "2026-11-18T10:00:00-05:00",
            "2026-11-20T10:00:00-05:00",
            "2027-11-17T10:00:00-05:00",
            "2027-11-19T10:00:00-05:00",
            "2028-11-15T10:00:00-05:00",
            "2028-11-17T10:00:00-05:00"
        ]
    );
    golden("headline-2026-2028.txt", &(got.join("\n") + "\n"));
    // The same set with EXRULE gives the same instances.
    let mut with_exrule = set(
        (2026, 1, 21, 10, 0),
        "America/New_York",
        &[
            "FREQ=MONTHLY;BYDAY=3WE;UNTIL=20281231T235959Z",
            "FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR;UNTIL=20281231T235959Z",
        ],
    );
    with_exrule
        .exrules
        .push(Rule::parse("FREQ=YEARLY;BYMONTH=12;BYDAY=3WE;UNTIL=20281231T235959Z").unwrap());
    assert_eq!(expand(&with_exrule, 1000), got);
}

#[test]
fn every_other_tuesday_keeps_local_time_across_dst() {
    let s = set(
        (2026, 1, 6, 9, 30),
        "Europe/London",
        &["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=30"],
    );
    let got = expand(&s, 100);
    assert_eq!(got.len(), 30);
    assert!(got.iter().all(|t| &t[11..19] == "09:30:00"));
    assert!(got.contains(&"2026-03-31T09:30:00+01:00".to_string()));
    assert!(got.contains(&"2026-10-27T09:30:00+00:00".to_string()));
}

#[test]
fn first_friday_of_each_month() {
    let s = set(
        (2026, 1, 2, 16, 0),
        "Asia/Kolkata",
        &["FREQ=MONTHLY;BYDAY=1FR;COUNT=6"],
    );
    assert_eq!(
        expand(&s, 10),
        [
            "2026-01-02T16:00:00+05:30",
            "2026-02-06T16:00:00+05:30",
            "2026-03-06T16:00:00+05:30",
            "2026-04-03T16:00:00+05:30",
            "2026-05-01T16:00:00+05:30",
            "2026-06-05T16:00:00+05:30"
        ]
    );
}

#[test]
fn spring_gap_moves_forward_and_autumn_fold_takes_the_first() {
    let gap = set(
        (2026, 3, 7, 2, 30),
        "America/New_York",
        &["FREQ=DAILY;COUNT=3"],
    );
    assert_eq!(
        expand(&gap, 5),
        [
            "2026-03-07T02:30:00-05:00",
            "2026-03-08T03:30:00-04:00",
            "2026-03-09T02:30:00-04:00"
        ]
    );
    let fold = set(
        (2026, 10, 31, 1, 30),
        "America/New_York",
        &["FREQ=DAILY;COUNT=3"],
    );
    assert_eq!(
        expand(&fold, 5),
        [
            "2026-10-31T01:30:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-02T01:30:00-05:00"
        ]
    );
}

#[test]
fn invalid_dates_are_skipped_not_moved() {
    let s = set(
        (2026, 1, 31, 12, 0),
        "Europe/Berlin",
        &["FREQ=MONTHLY;COUNT=4"],
    );
    assert_eq!(
        expand(&s, 5),
        [
            "2026-01-31T12:00:00+01:00",
            "2026-03-31T12:00:00+02:00",
            "2026-05-31T12:00:00+02:00",
            "2026-07-31T12:00:00+02:00"
        ]
    );
}

#[test]
fn impossible_rules_are_errors_that_name_the_rule() {
    let s = set(
        (2026, 1, 1, 9, 0),
        "UTC",
        &["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"],
    );
    let err = s
        .between(Instant(0), Instant(i64::MAX / 4), 10)
        .unwrap_err();
    assert!(matches!(err, ExpandError::NeverMatches { .. }), "{err}");
    assert!(err.to_string().contains("BYMONTHDAY=30"), "{err}");
    let unreachable = Rule::parse("FREQ=HOURLY;INTERVAL=2;BYHOUR=3").unwrap();
    let s = RecurrenceSet::with_rule(
        Wall::from_ymd_hms(2026, 1, 1, 8, 0, 0),
        Zone::Utc,
        unreachable,
    );
    assert!(s.iter().is_err());
}

#[test]
fn limits_are_errors_not_truncation() {
    let s = set((2026, 1, 1, 9, 0), "UTC", &["FREQ=MINUTELY"]);
    let err = s
        .between(
            at(Zone::Utc, 2026, 1, 1, 0, 0),
            at(Zone::Utc, 2026, 2, 1, 0, 0),
            1000,
        )
        .unwrap_err();
    assert_eq!(err, ExpandError::TooManyInstances { limit: 1000 });
    let series = &parse_series("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:u\nDTSTART:20260101T090000Z\nRRULE:FREQ=DAILY\nEND:VEVENT\nEND:VCALENDAR\n").unwrap()[0];
    assert_eq!(
        series
            .first_instances(Instant(0), None, usize::MAX)
            .unwrap_err(),
        ExpandError::Unbounded
    );
    assert_eq!(
        series.first_instances(Instant(0), None, 3).unwrap().len(),
        3
    );
}

#[test]
fn far_windows_of_endless_rules_are_quick_and_right() {
    let s = set(
        (2026, 1, 6, 9, 30),
        "Europe/London",
        &["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"],
    );
    let from = at(zone("Europe/London"), 2400, 1, 1, 0, 0);
    let to = at(zone("Europe/London"), 2400, 2, 1, 0, 0);
    let got = s.between(from, to, 10).unwrap();
    assert_eq!(got.len(), 2);
    let first = rfc3339_in(got[0].start, s.zone);
    // 2400-01-04 is a Tuesday 19,514 weeks (an even number) after 2026-01-06.
    assert_eq!(first, "2400-01-04T09:30:00+00:00");
    assert_eq!(
        rfc3339_in(got[1].start, s.zone),
        "2400-01-18T09:30:00+00:00"
    );
}

fn arb_rule() -> impl Strategy<Value = String> {
    let freq = prop_oneof![
        Just("YEARLY"),
        Just("MONTHLY"),
        Just("WEEKLY"),
        Just("DAILY"),
        Just("HOURLY")
    ];
    (
        freq,
        1u32..4,
        proptest::option::of(proptest::sample::subsequence(
            vec![
                "MO", "TU", "WE", "TH", "FR", "SA", "SU", "1MO", "-1FR", "2WE",
            ],
            1..3,
        )),
        proptest::option::of(proptest::sample::subsequence(
            vec![1, 2, 13, 28, 31, -1, -7],
            1..3,
        )),
        proptest::option::of(proptest::sample::subsequence(vec![1, 3, 6, 11, 12], 1..3)),
        proptest::option::of(proptest::sample::subsequence(vec![1, -1, 2], 1..2)),
        proptest::option::of(proptest::sample::subsequence(vec![8, 13, 17], 1..3)),
    )
        .prop_map(|(f, i, byday, bymd, bymonth, setpos, byhour)| {
            let mut r = format!("FREQ={f};INTERVAL={i};UNTIL=20400101T000000Z");
            let join = |v: Vec<String>| v.join(",");
            if let Some(d) = byday {
                r += &format!(";BYDAY={}", d.join(","));
            }
            if let Some(v) = bymd {
                r += &format!(
                    ";BYMONTHDAY={}",
                    join(v.iter().map(|x| x.to_string()).collect())
                );
            }
            if let Some(v) = bymonth {
                r += &format!(
                    ";BYMONTH={}",
                    join(v.iter().map(|x| x.to_string()).collect())
                );
            }
            if let Some(v) = setpos {
                r += &format!(
                    ";BYSETPOS={}",
                    join(v.iter().map(|x| x.to_string()).collect())
                );
            }
            if let Some(v) = byhour {
                r += &format!(
                    ";BYHOUR={}",
                    join(v.iter().map(|x| x.to_string()).collect())
                );
            }
            r
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A window that skips ahead gives exactly the instances a walk from the start gives.
    #[test]
    fn windows_agree_with_a_walk_from_the_start(rule in arb_rule(), start_day in 0i64..1000, from_day in 0i64..1500, len_days in 1i64..60) {
        let tz = zone("Australia/Lord_Howe");
        let start = Wall::from_ymd_hms(2026, 1, 1, 13, 0, 0).plus_secs(start_day * 86_400);
        let mut s = RecurrenceSet::single(start, tz);
        s.rrules.push(Rule::parse(&rule).unwrap());
        let from = Instant(at(tz, 2026, 1, 1, 0, 0).0 + from_day * 86_400);
        let to = from.plus_secs(len_days * 86_400);
        // Rules whose BYHOUR the INTERVAL can never reach are refused up front.
        prop_assume!(s.iter().is_ok());
        let walked: Result<Vec<Instant>, _> = s.iter().unwrap()
            .map(|o| o.map(|o| o.start))
            .take_while(|o| o.as_ref().map_or(true, |t| *t < to))
            .filter(|o| o.as_ref().map_or(true, |t| *t >= from))
            .collect();
        let windowed = s.between(from, to, 100_000).map(|v| v.into_iter().map(|o| o.start).collect::<Vec<_>>());
        match (walked, windowed) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "rule {}", rule),
            (Err(_), Err(_)) => {}
            (a, b) => prop_assert!(false, "rule {}: walk {:?} vs window {:?}", rule, a.map(|v| v.len()), b.map(|v| v.len())),
        }
    }

    /// Instances come out strictly increasing and respect UNTIL.
    #[test]
    fn instances_increase_and_stop_at_until(rule in arb_rule()) {
        let s = RecurrenceSet::with_rule(Wall::from_ymd_hms(2030, 5, 17, 8, 0, 0), zone("America/Sao_Paulo"), Rule::parse(&rule).unwrap());
        let until = Instant(Wall::from_ymd_hms(2040, 1, 1, 0, 0, 0).0);
        if let Ok(v) = s.first_n(None, 2000) {
            for w in v.windows(2) {
                prop_assert!(w[0].start < w[1].start);
            }
            prop_assert!(v.iter().skip(1).all(|o| o.start <= until));
        }
    }
}

/// Issue 19: a rule whose output is tiny but whose walk is enormous (seconds through
/// years of days that can never match) is refused by the step budget, naming the rule,
/// instead of stalling whoever expands it; an ordinary rule of the same shape still
/// expands.
#[test]
fn a_rule_that_costs_too_much_to_walk_is_refused_by_the_step_budget() {
    let costly = "FREQ=SECONDLY;INTERVAL=61;BYSECOND=1;BYMINUTE=1;BYHOUR=1;BYMONTHDAY=31;BYMONTH=4";
    let two_years = |rule: &str| {
        set((2026, 1, 1, 9, 0), "Europe/London", &[rule]).between(
            at(Zone::Utc, 2026, 1, 1, 0, 0),
            at(Zone::Utc, 2028, 1, 1, 0, 0),
            1000,
        )
    };
    let err = two_years(costly).unwrap_err();
    assert!(matches!(err, ExpandError::TooMuchWork { .. }), "{err}");
    assert!(err.to_string().contains("BYMONTHDAY=31"), "{err}");
    // Its ordinary cousin: one second on April 30 each year (and DTSTART, which always
    // counts).
    let got =
        two_years("FREQ=DAILY;BYHOUR=1;BYMINUTE=1;BYSECOND=1;BYMONTHDAY=30;BYMONTH=4").unwrap();
    assert_eq!(got.len(), 3);
}
