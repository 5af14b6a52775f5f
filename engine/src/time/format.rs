//! RFC 3339 text for instants as seen in a zone: the one output form of the project
//! (`2026-03-08T03:30:00-04:00`, `...Z` for UTC, no offset for floating times).

use super::instant::{Instant, Wall};
use super::zone::Zone;
use std::fmt::Write;

/// Formats `t` as read in `zone`, with the offset in force there at that instant.
pub fn rfc3339_in(t: Instant, zone: Zone) -> String {
    let mut out = String::with_capacity(25);
    write_rfc3339_in(&mut out, t, zone);
    out
}

/// Appends `t` as read in `zone` to `out` (see [`rfc3339_in`]).
pub fn write_rfc3339_in(out: &mut String, t: Instant, zone: Zone) {
    match zone {
        Zone::Utc => {
            let _ = write!(out, "{}Z", t.utc_wall());
        }
        Zone::Floating => {
            let _ = write!(out, "{}", t.utc_wall());
        }
        Zone::Iana(_) => {
            let offset = zone.offset_at(t);
            let _ = write!(out, "{}", Wall(t.0 + i64::from(offset)));
            write_offset(out, offset);
        }
    }
}

/// Appends `+HH:MM` (and `:SS` when the offset has seconds, as in old LMT offsets).
pub fn write_offset(out: &mut String, offset_secs: i32) {
    let sign = if offset_secs < 0 { '-' } else { '+' };
    let a = offset_secs.unsigned_abs();
    let _ = write!(out, "{sign}{:02}:{:02}", a / 3600, a / 60 % 60);
    if !a.is_multiple_of(60) {
        let _ = write!(out, ":{:02}", a % 60);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Disambiguation;

    #[test]
    fn half_and_three_quarter_hour_zones() {
        let ktm = Zone::parse("Asia/Kathmandu").unwrap();
        let t = ktm
            .to_instant(
                Wall::from_ymd_hms(2026, 1, 5, 9, 0, 0),
                Disambiguation::Compatible,
            )
            .unwrap();
        assert_eq!(rfc3339_in(t, ktm), "2026-01-05T09:00:00+05:45");
        let stj = Zone::parse("America/St_Johns").unwrap();
        assert_eq!(rfc3339_in(t, stj), "2026-01-04T23:45:00-03:30");
        assert_eq!(rfc3339_in(t, Zone::Utc), "2026-01-05T03:15:00Z");
    }
}
