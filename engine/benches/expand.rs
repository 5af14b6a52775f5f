//! Expansion speed against the `rrule` crate (a port of python-dateutil) on the same
//! rules, in the same run. Both sides parse once, outside the timed loop; the timed loop
//! expands every instance (COUNT or UNTIL bound each rule). Before timing, both sides'
//! instants are compared, so the race is between equal answers.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use engine::ical::parse_events;
use engine::recurrence::RecurrenceSet;
use std::hint::black_box;

/// (name, DTSTART line, RRULE) — the product's patterns and a few common ones.
pub const RULES: &[(&str, &str, &str)] = &[
    (
        "headline-3WE-monthly",
        "DTSTART;TZID=America/New_York:20260121T100000",
        "FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11;UNTIL=20361231T235959Z",
    ),
    (
        "every-other-tuesday",
        "DTSTART;TZID=Europe/London:20260106T093000",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=260",
    ),
    (
        "first-friday",
        "DTSTART;TZID=Asia/Kolkata:20260102T160000",
        "FREQ=MONTHLY;BYDAY=1FR;COUNT=120",
    ),
    (
        "weekday-standup",
        "DTSTART;TZID=America/New_York:20260105T093000",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=500",
    ),
    (
        "last-weekday-setpos",
        "DTSTART;TZID=America/Sao_Paulo:20260130T170000",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=120",
    ),
    (
        "daily",
        "DTSTART;TZID=Australia/Sydney:20260101T080000",
        "FREQ=DAILY;COUNT=730",
    ),
    (
        "yearly-thanksgiving",
        "DTSTART;TZID=America/New_York:20261126T120000",
        "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=50",
    ),
    (
        "hourly-business",
        "DTSTART:20260105T090000Z",
        "FREQ=HOURLY;BYHOUR=9,10,11,12,13,14,15,16;BYDAY=MO,TU,WE,TH,FR;COUNT=1000",
    ),
];

fn ours(dtstart: &str, rule: &str) -> RecurrenceSet {
    let ics = format!("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:b\n{dtstart}\nRRULE:{rule}\nEND:VEVENT\nEND:VCALENDAR\n");
    parse_events(&ics).unwrap().remove(0).recurrence
}

fn peer(dtstart: &str, rule: &str) -> rrule::RRuleSet {
    format!("{dtstart}\nRRULE:{rule}").parse().unwrap()
}

fn check_same(name: &str, a: &RecurrenceSet, b: &rrule::RRuleSet) -> usize {
    let mine: Vec<i64> = a
        .first_n(None, 10_000)
        .unwrap()
        .iter()
        .map(|o| o.start.0)
        .collect();
    let theirs: Vec<i64> = b
        .clone()
        .all(u16::MAX)
        .dates
        .iter()
        .map(|d| d.timestamp())
        .collect();
    assert_eq!(mine, theirs, "{name}: the two expanders disagree");
    mine.len()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("expand");
    for (name, dtstart, rule) in RULES {
        let a = ours(dtstart, rule);
        let b = peer(dtstart, rule);
        let n = check_same(name, &a, &b);
        g.throughput(criterion::Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("dms", name), &a, |bench, a| {
            bench.iter(|| black_box(a.first_n(None, 10_000).unwrap().len()))
        });
        g.bench_with_input(BenchmarkId::new("rrule-crate", name), &b, |bench, b| {
            bench.iter(|| black_box(b.clone().all(u16::MAX).dates.len()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
