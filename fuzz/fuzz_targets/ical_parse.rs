//! Fuzz target: any bytes through the iCalendar reader, and any series it accepts through
//! a bounded expansion. Nothing may panic.
#![no_main]

use engine::ical::parse_series;
use engine::time::Instant;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(series) = parse_series(text) {
            for s in series {
                let _ = s.first_instances(Instant(0), Some(Instant(4_102_444_800)), 1_000);
            }
        }
    }
});
