//! Fuzz target: any text through the RRULE parser, and any rule it accepts through a
//! bounded expansion from a fixed DTSTART. Nothing may panic.
#![no_main]

use engine::recurrence::{RecurrenceSet, Rule};
use engine::time::{Instant, Wall, Zone};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(rule) = Rule::parse(text) {
            let zone = Zone::parse("Australia/Lord_Howe").unwrap();
            let set = RecurrenceSet::with_rule(Wall::from_ymd_hms(2026, 3, 29, 2, 30, 0), zone, rule);
            let _ = set.between(Instant(0), Instant(2_000_000_000), 10_000);
        }
    }
});
