//! Time arguments: RFC 3339 with an offset or `Z` names an instant; a date or a date-time
//! without an offset is a wall reading in the zone of whatever it is compared with (the
//! event's zone for `dms expand`, the caller's zone for the others).

use engine::recurrence::rule::parse_ical_datetime;
use engine::time::{Disambiguation, Instant, Wall, Zone};

/// A parsed time argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeArg {
    /// An instant (the text had an offset or `Z`).
    Instant(Instant),
    /// A wall reading, to be read in some zone.
    Wall(Wall),
}

impl TimeArg {
    /// The instant this argument names when read in `zone`.
    pub fn resolve(self, zone: Zone) -> Instant {
        match self {
            TimeArg::Instant(t) => t,
            TimeArg::Wall(w) => zone
                .to_instant(w, Disambiguation::Compatible)
                .unwrap_or(Instant(w.0)),
        }
    }

    /// When this is a local time that does not exist in `zone` (skipped by a clock
    /// change), a warning saying so and what it was read as.
    pub fn gap_note(self, zone: Zone) -> Option<String> {
        let TimeArg::Wall(w) = self else {
            return None;
        };
        let t = self.resolve(zone);
        (zone.to_wall(t) != w).then(|| {
            format!(
                "that local time does not exist in {} (the clocks change): read as {}",
                zone.name(),
                engine::time::format::rfc3339_in(t, zone)
            )
        })
    }
}

/// A meeting's start as written, read in `zone`, against `now` (seconds since the
/// epoch): warnings (a local time a clock change skips) and, if it starts in the past,
/// what to say about that. Booking in the past is refused unless asked for (`--past`,
/// `allow_past`); asked for, the past is a warning too.
pub fn start_notes(arg: TimeArg, zone: Zone, now: i64) -> (Vec<String>, Option<String>) {
    let notes = arg.gap_note(zone).into_iter().collect();
    let start = arg.resolve(zone);
    let past = (start.0 < now).then(|| {
        format!(
            "the meeting starts in the past ({})",
            engine::time::format::rfc3339_in(start, zone)
        )
    });
    (notes, past)
}

/// Parses `2026-01-01`, `2026-01-01T09:00[:00]`, `...Z`, `...+05:30`, or iCalendar's
/// `20260101T090000[Z]`.
pub fn parse_time_arg(s: &str) -> Result<TimeArg, String> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(TimeArg::Instant(Instant(t.timestamp())));
    }
    if let Some((w, utc, _)) = parse_ical_datetime(s) {
        return Ok(if utc {
            TimeArg::Instant(Instant(w.0))
        } else {
            TimeArg::Wall(w)
        });
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(TimeArg::Wall(Wall::from_naive(t)));
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(TimeArg::Wall(Wall::from_naive(
            d.and_hms_opt(0, 0, 0).unwrap_or_default(),
        )));
    }
    Err(format!(
        "bad time {s:?}: expected RFC 3339 (2026-01-21T10:00:00-05:00), a local time (2026-01-21T10:00) or a date (2026-01-21)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse_time_arg("1970-01-01T01:00:00Z"),
            Ok(TimeArg::Instant(Instant(3600)))
        );
        assert_eq!(
            parse_time_arg("1970-01-01T05:30:00+05:30"),
            Ok(TimeArg::Instant(Instant(0)))
        );
        assert_eq!(
            parse_time_arg("19700101T000100Z"),
            Ok(TimeArg::Instant(Instant(60)))
        );
        assert_eq!(
            parse_time_arg("1970-01-02"),
            Ok(TimeArg::Wall(Wall(86_400)))
        );
        assert_eq!(
            parse_time_arg("1970-01-01T00:02"),
            Ok(TimeArg::Wall(Wall(120)))
        );
        assert!(parse_time_arg("tomorrow").unwrap_err().contains("tomorrow"));
    }
}
