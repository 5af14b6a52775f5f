//! Every shipped scenario parses and passes validation, says what it shows, and the
//! global company is what the product's owner asked for.

use scenarios::parse;
use scenarios::shipped::{shipped, SHIPPED};

#[test]
fn every_shipped_scenario_is_valid_and_says_what_it_shows() {
    for (file, text) in SHIPPED {
        let s = parse(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(text.starts_with("# "), "{file} opens with a comment");
        assert_eq!(
            format!("{}.toml", s.file.name),
            file,
            "{file}: name matches"
        );
    }
    assert!(shipped("thundering-herd").is_some());
    assert!(shipped("no-such").is_none());
}

#[test]
fn the_global_company_spans_zones_with_a_half_hour_offset_and_thousands_of_people() {
    let s = parse(shipped("global-company").unwrap()).unwrap();
    assert!(s.offices.len() >= 5);
    let jan = engine::time::Instant(1_800_000_000);
    let half_hour = s
        .offices
        .iter()
        .any(|o| o.zone.offset_at(jan).rem_euclid(3600) == 1800);
    assert!(half_hour, "an office with a half-hour offset");
    let people: usize = s.file.office.iter().map(|o| o.people.len()).sum();
    assert!(people >= 2000, "{people} people");
    // At least 10,000 bookings (single and recurring) among the calls.
    let m = &s.file.workload.mix;
    let bookings = f64::from(s.file.workload.operations) * (m.book + m.book_recurring);
    assert!(bookings >= 10_000.0, "{bookings} bookings");
}
